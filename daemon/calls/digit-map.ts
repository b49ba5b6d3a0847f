import type { Clock, Timer } from '../../drivers/base/clock.ts';
import { LinegateError } from '../../drivers/base/errors.ts';

/**
 * Digit maps as on common ATAs (RFC 3435 style with the Linksys/Cisco SPA
 * extensions), deciding when a caller has finished dialing:
 *
 *   x        any digit 0-9           [2-9], [#*], [13-5]   one of a set
 *   .        the element before repeats zero or more times
 *   T        the pattern matches only once the inter-digit timer runs out
 *   <a:b>    dialed "a" is replaced by "b" (either may be empty: <9:> strips, <:1> prepends)
 *   !        at the end: a barred pattern (the call is refused)
 *   |        separates patterns; the whole map may be wrapped in ( )
 *
 * e.g. `(<9:>1[2-9]xx[2-9]xxxxxx|911|*xx|[2-4]xx|1900x.!|x.T)`.
 */

interface Element {
  /** Characters this element accepts from the dialed digits. */
  accepts: string;
  /** Zero or more repetitions (the `.` suffix). */
  repeat: boolean;
  /** What this element contributes to the number sent on: the digit itself, or fixed text. */
  literalOut?: string;
  /** For substitutions: the exact input text consumed (no `accepts`). */
  literalIn?: string;
}

export interface DigitPattern {
  source: string;
  elements: Element[];
  /** Needs the timer to expire before it matches (`T`). */
  timer: boolean;
  /** Barred (`!`). */
  barred: boolean;
}

export type MatchState = 'none' | 'partial' | 'full' | 'timer';

const DIGITS = '0123456789';
const ALL = '0123456789*#ABCD';

/** Parses a digit map; the error names the pattern and the position. */
export function parseDigitMap(map: string): DigitPattern[] {
  let text = map.replace(/\s+/g, '');
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  if (text === '') throw new LinegateError('CONFIG_INVALID', 'the digit map is empty');
  return text.split('|').map((p, i) => parsePattern(p, i + 1));
}

function parsePattern(source: string, index: number): DigitPattern {
  const fail = (pos: number, why: string): never => {
    throw new LinegateError(
      'CONFIG_INVALID',
      `digit map pattern ${index} "${source}", position ${pos + 1}: ${why}`,
    );
  };
  if (source === '') fail(0, 'empty pattern');
  const elements: Element[] = [];
  let timer = false;
  let barred = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (timer || barred) fail(i, '"T" and "!" may only end a pattern');
    if (c === 'x' || c === 'X') elements.push({ accepts: DIGITS, repeat: false });
    else if (DIGITS.includes(c) || c === '*' || c === '#' || 'ABCD'.includes(c))
      elements.push({ accepts: c, repeat: false });
    else if (c === '[') {
      const end = source.indexOf(']', i);
      if (end < 0) fail(i, 'unclosed "["');
      const body = source.slice(i + 1, end);
      let set = '';
      for (let j = 0; j < body.length; j++) {
        const a = body[j] as string;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          const b = body[j + 2] as string;
          if (!DIGITS.includes(a) || !DIGITS.includes(b) || a > b) fail(i + 1 + j, `bad range ${a}-${b}`);
          for (let d = Number(a); d <= Number(b); d++) set += String(d);
          j += 2;
        } else if (ALL.includes(a) || a === 'x') set += a === 'x' ? DIGITS : a;
        else fail(i + 1 + j, `"${a}" cannot be dialed`);
      }
      if (set === '') fail(i, 'empty set');
      elements.push({ accepts: set, repeat: false });
      i = end;
    } else if (c === '.') {
      const prev = elements[elements.length - 1];
      if (!prev || prev.literalIn !== undefined) fail(i, '"." must follow a digit, x or a set');
      else prev.repeat = true;
    } else if (c === '<') {
      const end = source.indexOf('>', i);
      if (end < 0) fail(i, 'unclosed "<"');
      const body = source.slice(i + 1, end);
      const colon = body.indexOf(':');
      if (colon < 0) fail(i, 'a substitution needs ":" as in <9:> or <:1>');
      const input = body.slice(0, colon);
      const output = body.slice(colon + 1);
      if (![...input, ...output].every((ch) => ALL.includes(ch)))
        fail(i, 'substitutions take digits, * and # only');
      elements.push({ accepts: '', repeat: false, literalIn: input, literalOut: output });
      i = end;
    } else if (c === 'T' || c === 't') timer = true;
    else if (c === '!') barred = true;
    else fail(i, `unexpected "${c}"`);
  }
  return { source, elements, timer, barred };
}

/**
 * How `dialed` matches one pattern, and the number to send on when it matches.
 * `full` needs nothing more; `timer` matches once the timer expires; `partial`
 * could still match with more digits.
 */
export function matchPattern(
  pattern: DigitPattern,
  dialed: string,
): { state: MatchState; output?: string; canGrow: boolean } {
  let best: { state: MatchState; output?: string; canGrow: boolean } = { state: 'none', canGrow: false };
  const rank: Record<MatchState, number> = { none: 0, partial: 1, timer: 2, full: 3 };
  const consider = (state: MatchState, output: string | undefined, canGrow: boolean) => {
    if (rank[state] > rank[best.state] || (rank[state] === rank[best.state] && canGrow && !best.canGrow)) {
      best = output === undefined ? { state, canGrow } : { state, output, canGrow };
    } else if (state === best.state && canGrow) best.canGrow = true;
  };
  const walk = (ei: number, di: number, out: string): void => {
    const el = pattern.elements[ei];
    if (di === dialed.length) {
      // All digits consumed: complete if the rest can match nothing; otherwise more digits are expected.
      const restOptional = pattern.elements.slice(ei).every((e) => e.repeat || e.literalIn === '');
      const tail = pattern.elements
        .slice(ei)
        .filter((e) => e.literalIn === '')
        .map((e) => e.literalOut ?? '')
        .join('');
      const moreCouldFollow = pattern.elements
        .slice(ei)
        .some((e) => e.accepts !== '' || (e.literalIn ?? '') !== '');
      if (restOptional) consider(pattern.timer ? 'timer' : 'full', out + tail, moreCouldFollow);
      else consider('partial', undefined, true);
      if (!el) return;
    }
    if (!el) return;
    if (el.literalIn !== undefined) {
      const rest = dialed.slice(di);
      if (rest.startsWith(el.literalIn)) walk(ei + 1, di + el.literalIn.length, out + (el.literalOut ?? ''));
      else if (el.literalIn.startsWith(rest)) consider('partial', undefined, true);
      return;
    }
    const ch = dialed[di];
    if (el.repeat) {
      walk(ei + 1, di, out); // zero more repetitions
      if (ch !== undefined && el.accepts.includes(ch)) walk(ei, di + 1, out + ch);
      return;
    }
    if (ch !== undefined && el.accepts.includes(ch)) walk(ei + 1, di + 1, out + ch);
  };
  walk(0, 0, '');
  return best;
}

export type DialOutcome =
  | { kind: 'dial'; number: string; pattern: string }
  | { kind: 'barred'; dialed: string; pattern: string }
  | { kind: 'invalid'; dialed: string };

export interface DigitCollectorOptions {
  clock: Clock;
  patterns: DigitPattern[];
  /** Wait after a complete number that could still grow (e.g. 911 vs 9111). Default 3000 ms. */
  shortTimerMs?: number;
  /** Wait for the next digit while the number is incomplete. Default 10000 ms. */
  longTimerMs?: number;
  /** Numbers that dial at once whatever the map says (emergency). */
  emergencyNumbers?: readonly string[];
  onOutcome: (outcome: DialOutcome) => void;
}

/**
 * Collects digits as a caller dials and decides, with the short and long
 * inter-digit timers on the injected clock, when the number is complete.
 */
export class DigitCollector {
  readonly #o: DigitCollectorOptions;
  #dialed = '';
  #timer: Timer | undefined;
  #done = false;

  constructor(options: DigitCollectorOptions) {
    this.#o = options;
  }

  get dialed(): string {
    return this.#dialed;
  }

  /** Starts the long timer (an off-hook caller who never dials gets an outcome too). */
  start(): void {
    this.#arm(this.#o.longTimerMs ?? 10_000, () => this.#finish({ kind: 'invalid', dialed: '' }));
  }

  digit(d: string): void {
    if (this.#done) return;
    this.#dialed += d;
    this.#evaluate(false);
  }

  cancel(): void {
    this.#done = true;
    this.#timer?.cancel();
  }

  #evaluate(timerExpired: boolean): void {
    const dialed = this.#dialed;
    if (this.#o.emergencyNumbers?.includes(dialed)) {
      this.#finish({ kind: 'dial', number: dialed, pattern: 'emergency' });
      return;
    }
    let full: { output: string; pattern: DigitPattern; canGrow: boolean } | undefined;
    let timerMatch: { output: string; pattern: DigitPattern } | undefined;
    let partial = this.#o.emergencyNumbers?.some((n) => n.startsWith(dialed)) ?? false;
    for (const pattern of this.#o.patterns) {
      const m = matchPattern(pattern, dialed);
      if (m.state === 'full' && !full) full = { output: m.output ?? dialed, pattern, canGrow: m.canGrow };
      else if (m.state === 'full' && full && m.canGrow) full.canGrow = true;
      if (m.state === 'timer' && !timerMatch) timerMatch = { output: m.output ?? dialed, pattern };
      if (m.state === 'partial' || m.canGrow) partial = true;
    }
    const take = (out: { output: string; pattern: DigitPattern }) =>
      this.#finish(
        out.pattern.barred
          ? { kind: 'barred', dialed, pattern: out.pattern.source }
          : { kind: 'dial', number: out.output, pattern: out.pattern.source },
      );
    if (timerExpired) {
      if (full) take(full);
      else if (timerMatch) take(timerMatch);
      else this.#finish({ kind: 'invalid', dialed });
      return;
    }
    if (full && !partial && !timerMatch) {
      take(full);
      return;
    }
    if (full || timerMatch) {
      this.#arm(full ? (this.#o.shortTimerMs ?? 3000) : (this.#o.longTimerMs ?? 10_000), () =>
        this.#evaluate(true),
      );
      return;
    }
    if (partial) {
      this.#arm(this.#o.longTimerMs ?? 10_000, () => this.#evaluate(true));
      return;
    }
    this.#finish({ kind: 'invalid', dialed });
  }

  #arm(ms: number, fn: () => void): void {
    this.#timer?.cancel();
    this.#timer = this.#o.clock.setTimer(ms, fn);
  }

  #finish(outcome: DialOutcome): void {
    if (this.#done) return;
    this.#done = true;
    this.#timer?.cancel();
    this.#o.onOutcome(outcome);
  }
}
