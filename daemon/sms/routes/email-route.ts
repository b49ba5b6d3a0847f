/**
 * Mails each inbound SMS through an SMTP relay (RFC 5321), spoken directly
 * over node:net: EHLO, optional AUTH PLAIN, MAIL FROM, RCPT TO, DATA, QUIT.
 * Minimal on purpose (no dependency): plain TCP to a relay on the LAN or
 * loopback; no STARTTLS. The body is UTF-8 in base64 so any SMS text is safe.
 */
import { createConnection, type Socket } from 'node:net';
import type { Clock } from '../../../drivers/base/clock.ts';
import type { InboundRoute, InboundSms } from './inbound-message.ts';

export interface EmailRouteOptions {
  host: string;
  port?: number;
  from: string;
  to: string[];
  username?: string;
  password?: string;
  /** Name sent in EHLO. */
  heloName?: string;
  timeoutMs?: number;
}

interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies (multi-line "250-..." until "250 ...") from a socket. */
class ReplyReader {
  #buffer = '';
  #lines: string[] = [];
  #waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  #replies: Reply[] = [];
  #error: Error | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('SMTP connection closed')));
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const nl = this.#buffer.indexOf('\n');
      if (nl < 0) break;
      const line = this.#buffer.slice(0, nl).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(nl + 1);
      this.#lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines: this.#lines };
        this.#lines = [];
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.#replies.push(reply);
      }
    }
  }

  #fail(err: Error): void {
    this.#error ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  next(): Promise<Reply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}

function encodeHeader(value: string): string {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

export function formatEmail(options: EmailRouteOptions, sms: InboundSms, dateMs: number): string {
  const body =
    `${sms.text}\r\n\r\n-- \r\nFrom: ${sms.number ?? 'unknown'}\r\nModem: ${sms.modem}\r\n` +
    `Sent: ${sms.sentTime ?? 'unknown'}\r\nReceived: ${sms.time}\r\n` +
    (sms.complete ? '' : `Incomplete: ${sms.segments} of ${sms.partsExpected} parts arrived\r\n`);
  const b64 = Buffer.from(body, 'utf8')
    .toString('base64')
    .replace(/.{1,76}/g, '$&\r\n');
  const headers = [
    `From: ${options.from}`,
    `To: ${options.to.join(', ')}`,
    `Subject: ${encodeHeader(`SMS from ${sms.number ?? 'unknown'}`)}`,
    `Date: ${new Date(dateMs).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${sms.id}@linegate>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${b64}`;
}

export class EmailRoute implements InboundRoute {
  readonly name = 'email';
  readonly #options: EmailRouteOptions;
  readonly #clock: Clock;

  constructor(options: EmailRouteOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  async deliver(sms: InboundSms): Promise<void> {
    const o = this.#options;
    const socket = createConnection({ host: o.host, port: o.port ?? 25 });
    const reader = new ReplyReader(socket);
    const timer = this.#clock.setTimer(o.timeoutMs ?? 30_000, () =>
      socket.destroy(new Error('SMTP timed out')),
    );
    const expect = async (ok: (code: number) => boolean, what: string) => {
      const reply = await reader.next();
      if (!ok(reply.code)) throw new Error(`SMTP ${what} refused: ${reply.lines.join(' | ')}`);
      return reply;
    };
    const send = (line: string) => socket.write(`${line}\r\n`);
    try {
      await expect((c) => c === 220, 'greeting');
      send(`EHLO ${o.heloName ?? 'linegate'}`);
      const ehlo = await expect((c) => c === 250, 'EHLO');
      if (o.username !== undefined && o.password !== undefined) {
        if (!ehlo.lines.some((l) => /AUTH\b.*\bPLAIN\b/i.test(l))) {
          throw new Error('SMTP server does not offer AUTH PLAIN');
        }
        send(`AUTH PLAIN ${Buffer.from(`\0${o.username}\0${o.password}`, 'utf8').toString('base64')}`);
        await expect((c) => c === 235, 'AUTH');
      }
      send(`MAIL FROM:<${o.from}>`);
      await expect((c) => c === 250, 'MAIL FROM');
      for (const to of o.to) {
        send(`RCPT TO:<${to}>`);
        await expect((c) => c === 250 || c === 251, 'RCPT TO');
      }
      send('DATA');
      await expect((c) => c === 354, 'DATA');
      // Base64 lines never start with '.', so no dot-stuffing is needed.
      socket.write(`${formatEmail(o, sms, this.#clock.wallClockMs())}.\r\n`);
      await expect((c) => c === 250, 'message');
      send('QUIT');
      await reader.next().catch(() => undefined);
    } finally {
      timer.cancel();
      socket.destroy();
    }
  }
}
