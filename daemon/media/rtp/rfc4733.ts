/**
 * RFC 4733 telephone-event payload: packing for send (start with marker,
 * continuation packets with a growing duration, the end packet three
 * times) and a receiver that removes duplicates and retransmitted ends and
 * reports each event once with its duration. Detecting digits in audio is
 * the DTMF detector's job, not this file's.
 */

export interface TelephoneEvent {
  /** 0–9, 10 = *, 11 = #, 12–15 = A–D, 16 = flash. */
  event: number;
  end: boolean;
  /** Power level 0..63, as −dBm0. */
  volume: number;
  /** Duration in timestamp units. */
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

export function digitToEvent(digit: string): number | null {
  if (digit === '!' || digit.toLowerCase() === 'flash') return 16;
  const i = DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? null : i;
}

export function eventToDigit(event: number): string | null {
  if (event === 16) return '!';
  return DIGITS[event] ?? null;
}

export function encodeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  const out = new Uint8Array(4);
  out[0] = e.event & 0xff;
  out[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  out[2] = (e.duration >> 8) & 0xff;
  out[3] = e.duration & 0xff;
  return out;
}

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export interface PlannedEventPacket {
  /** When to send, relative to the event start. */
  atMs: number;
  marker: boolean;
  payload: Uint8Array;
}

/**
 * The packets for one event of `durationMs`, all with the event's start
 * timestamp: the first carries the marker, then one every `intervalMs`,
 * then the end packet three times (RFC 4733 §2.5.1.4).
 */
export function planTelephoneEvent(
  event: number,
  durationMs: number,
  options: { volume?: number; intervalMs?: number; clockRateHz?: number } = {},
): PlannedEventPacket[] {
  const volume = options.volume ?? 10;
  const intervalMs = options.intervalMs ?? 20;
  const tsPerMs = (options.clockRateHz ?? 8000) / 1000;
  const packets: PlannedEventPacket[] = [];
  const clampTs = (ms: number) => Math.min(0xffff, Math.round(ms * tsPerMs));
  for (let at = 0; at < durationMs; at += intervalMs) {
    packets.push({
      atMs: at,
      marker: at === 0,
      payload: encodeTelephoneEvent({ event, end: false, volume, duration: clampTs(at + intervalMs) }),
    });
  }
  const endPayload = encodeTelephoneEvent({ event, end: true, volume, duration: clampTs(durationMs) });
  for (let i = 0; i < 3; i++) {
    packets.push({ atMs: Math.max(durationMs, 0) + i * intervalMs, marker: false, payload: endPayload });
  }
  return packets;
}

export interface ReceivedEvent {
  digit: string;
  event: number;
  /** RTP timestamp of the event start. */
  timestamp: number;
  durationMs: number;
}

/** Turns telephone-event packets into one start and one end per event. */
export class TelephoneEventReceiver {
  readonly #tsPerMs: number;
  #current: { timestamp: number; event: number; lastSeenMs: number; durationTs: number } | null = null;
  #lastEndedTs: number | null = null;
  /** Packets ignored: duplicates, retransmitted ends, garbage. */
  ignored = 0;

  constructor(clockRateHz = 8000) {
    this.#tsPerMs = clockRateHz / 1000;
  }

  /** Returns what this packet tells: an event started, ended (once), or nothing new. */
  onPacket(
    rtpTimestamp: number,
    payload: Uint8Array,
    arrivalMs: number,
  ): { started?: ReceivedEvent; ended?: ReceivedEvent } {
    const e = decodeTelephoneEvent(payload);
    const digit = e ? eventToDigit(e.event) : null;
    if (!e || digit === null) {
      this.ignored++;
      return {};
    }
    const ts = rtpTimestamp >>> 0;
    if (ts === this.#lastEndedTs) {
      this.ignored++;
      return {};
    }
    const result: { started?: ReceivedEvent; ended?: ReceivedEvent } = {};
    if (!this.#current || this.#current.timestamp !== ts) {
      // A new event; a previous one whose end packets were all lost ends now.
      if (this.#current) result.ended = this.#finish();
      this.#current = { timestamp: ts, event: e.event, lastSeenMs: arrivalMs, durationTs: e.duration };
      result.started = { digit, event: e.event, timestamp: ts, durationMs: 0 };
    } else {
      if (e.duration <= this.#current.durationTs && !e.end) this.ignored++;
      this.#current.durationTs = Math.max(this.#current.durationTs, e.duration);
      this.#current.lastSeenMs = arrivalMs;
    }
    if (e.end) {
      this.#current.durationTs = Math.max(this.#current.durationTs, e.duration);
      result.ended = this.#finish();
    }
    return result;
  }

  /** Ends an event whose end packets never came, after `timeoutMs` of silence. */
  expire(nowMs: number, timeoutMs = 200): ReceivedEvent | null {
    if (this.#current && nowMs - this.#current.lastSeenMs >= timeoutMs) return this.#finish();
    return null;
  }

  #finish(): ReceivedEvent {
    const c = this.#current!;
    this.#current = null;
    this.#lastEndedTs = c.timestamp;
    return {
      digit: eventToDigit(c.event) ?? '?',
      event: c.event,
      timestamp: c.timestamp,
      durationMs: c.durationTs / this.#tsPerMs,
    };
  }
}
