/**
 * POSTs each inbound SMS as JSON to a URL, signed with HMAC-SHA256 so the
 * receiver can check it came from this box:
 *   X-Linegate-Timestamp: <unix seconds>
 *   X-Linegate-Signature: sha256=<hex HMAC(secret, "<timestamp>.<body>")>
 *   X-Linegate-Delivery: <message id>   (the same on every retry: receivers dedupe on it)
 * A 2xx answer is success; anything else (or a timeout) is retried by the service.
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../../drivers/base/clock.ts';
import type { InboundRoute, InboundSms } from './inbound-message.ts';

export interface WebhookRouteOptions {
  url: string;
  /** HMAC key; when absent the request is unsigned. */
  secret?: string;
  timeoutMs?: number;
  /** Extra headers (e.g. an API key of the receiver). */
  headers?: Record<string, string>;
}

export function signWebhook(secret: string, timestampS: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
}

export class WebhookRoute implements InboundRoute {
  readonly name = 'webhook';
  readonly #options: WebhookRouteOptions;
  readonly #clock: Clock;

  constructor(options: WebhookRouteOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  async deliver(sms: InboundSms): Promise<void> {
    const body = JSON.stringify({ event: 'sms_received', sms });
    const timestampS = Math.floor(this.#clock.wallClockMs() / 1000);
    const headers: Record<string, string> = {
      ...this.#options.headers,
      'content-type': 'application/json',
      'user-agent': 'linegate',
      'x-linegate-timestamp': String(timestampS),
      'x-linegate-delivery': sms.id,
    };
    if (this.#options.secret)
      headers['x-linegate-signature'] = signWebhook(this.#options.secret, timestampS, body);
    const abort = new AbortController();
    const timer = this.#clock.setTimer(this.#options.timeoutMs ?? 10_000, () =>
      abort.abort(new Error('webhook timed out')),
    );
    try {
      const res = await fetch(this.#options.url, { method: 'POST', headers, body, signal: abort.signal });
      // Drain so the socket is reused or released.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) throw new Error(`webhook answered HTTP ${res.status}`);
    } finally {
      timer.cancel();
    }
  }
}
