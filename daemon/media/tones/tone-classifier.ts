/**
 * Streaming call-progress tone classifier: tells dial, busy, ringback,
 * congestion, call waiting, stutter/recall dial, SIT and record tone, and
 * which countries' plans match, from the cadence and the frequencies.
 *
 * Every 20 ms block is judged "tone" or "no tone" by how much of its energy
 * sits at the plan frequencies (so speech and noise rarely form segments).
 * Runs of blocks become segments; a change of frequency (SIT's 950 → 1400 →
 * 1800 Hz) starts a new one. Each tone segment's frequencies are measured
 * precisely (Hann DFT over up to 200 ms, refined to 1 Hz). The segment list
 * is matched against every candidate plan's cadence; a cadenced tone is
 * reported after one full cycle plus one segment (at most three cycles from
 * the first sound, the first segment may be cut), a continuous one when it
 * has lasted longer than any cadenced on-time it could be confused with.
 */
import { LinegateError } from '../../../drivers/base/errors.ts';
import { sineAmplitude } from './level.ts';
import { TONE_NAMES, type ToneName, type ToneSegment, toneCountries, tonePlan } from './tone-plans.ts';

export interface ToneClassifierOptions {
  /** Preferred country: reported first when several plans match. */
  country?: string;
  /** Plans to consider. Default: all. */
  countries?: string[];
  /** Weakest tone component considered, dBm0. Default −45. */
  minLevelDbm0?: number;
  sampleRateHz?: number;
}

export interface ToneEvent {
  name: ToneName;
  /** Best-matching country (the preferred one when it matches). */
  country: string;
  /** Every country whose plan matches, best first. */
  countries: string[];
  /** When the tone's first observed segment began, ms from the first sample fed. */
  startMs: number;
}

interface ObservedSegment {
  on: boolean;
  startBlock: number;
  blocks: number;
  /** Precise frequencies of a tone segment (strongest first). */
  freqsHz: number[];
  /** Frequency resolution of that measurement, Hz. */
  resolutionHz: number;
}

interface Candidate {
  country: string;
  name: ToneName;
  /** Segments played once first, then `cycle` repeated; `cycle` empty = ends after `lead`. */
  lead: ToneSegment[];
  cycle: ToneSegment[];
  /** A final continuous segment (dial tone, or silence after SIT), if any. */
  hold: ToneSegment | null;
}

const RATE_HZ = 8000;
const BLOCK = 160;
const BLOCK_MS = 20;
const HIRES_MAX = 1600;
const TONE_SHARE = 0.6;
const MAX_SEGMENTS = 40;

function sameSound(a: ToneSegment, b: ToneSegment): boolean {
  return (
    a.modulationHz === b.modulationHz &&
    a.freqsHz.length === b.freqsHz.length &&
    a.freqsHz.every((f, i) => f === b.freqsHz[i])
  );
}

/** Adjacent segments of the same sound are one segment to a listener. */
function mergeRuns(segs: ToneSegment[]): ToneSegment[] {
  const out: ToneSegment[] = [];
  for (const s of segs) {
    const last = out.at(-1);
    if (last && last.durationMs !== null && s.durationMs !== null && sameSound(last, s)) {
      out[out.length - 1] = { ...last, durationMs: last.durationMs + s.durationMs };
    } else out.push({ ...s });
  }
  return out;
}

function expand(country: string, name: ToneName, segs: ToneSegment[]): Candidate {
  const lead: ToneSegment[] = [];
  let cycle: ToneSegment[] = [];
  let hold: ToneSegment | null = null;
  for (const s of segs) {
    if (s.durationMs === null) {
      hold = s;
      break;
    }
    (s.once ? lead : cycle).push(s);
  }
  cycle = mergeRuns(cycle);
  // Merge across the repeat too (Thailand's call waiting ends and starts with 1000 Hz).
  while (cycle.length > 1 && sameSound(cycle[0]!, cycle.at(-1)!)) {
    const last = cycle.pop()!;
    cycle[0] = { ...cycle[0]!, durationMs: (cycle[0]!.durationMs ?? 0) + (last.durationMs ?? 0) };
  }
  // A list of once-only segments ends in silence.
  if (cycle.length === 0 && hold === null) hold = { freqsHz: [], durationMs: null, once: false };
  return { country, name, lead: mergeRuns(lead), cycle, hold };
}

function isTone(seg: ToneSegment): boolean {
  return seg.freqsHz.length > 0;
}

export class ToneClassifier {
  readonly #preferred: string | undefined;
  readonly #candidates: Candidate[];
  readonly #gridHz: number[];
  readonly #gridCos: Float64Array[];
  readonly #gridSin: Float64Array[];
  readonly #minPower: number;
  readonly #block = new Int16Array(BLOCK);
  readonly #holdCache = new Map<Candidate, number>();
  #blockFill = 0;
  #blockIndex = 0;
  #segments: ObservedSegment[] = [];
  #hires = new Float64Array(HIRES_MAX);
  #hiresFill = 0;
  #weakRun = 0;
  #current: { key: string; event: ToneEvent } | null = null;

  constructor(opts: ToneClassifierOptions = {}) {
    const rate = opts.sampleRateHz ?? RATE_HZ;
    if (rate !== RATE_HZ)
      throw new LinegateError('MEDIA_INVALID', `tone classifier runs at 8000 Hz, not ${rate}`);
    this.#preferred = opts.country?.toLowerCase();
    const countries = (opts.countries ?? toneCountries()).map((c) => c.toLowerCase());
    this.#candidates = [];
    const grid = new Set<number>();
    for (const country of countries) {
      const plan = tonePlan(country);
      for (const [name, segs] of Object.entries(plan.tones) as [ToneName, ToneSegment[]][]) {
        this.#candidates.push(expand(country, name, segs));
        for (const s of segs) for (const f of s.freqsHz) grid.add(f);
      }
    }
    this.#gridHz = [...grid].filter((f) => f >= 200 && f < RATE_HZ / 2).sort((a, b) => a - b);
    this.#gridCos = this.#gridHz.map((f) =>
      Float64Array.from({ length: BLOCK }, (_, n) => Math.cos((2 * Math.PI * f * n) / RATE_HZ)),
    );
    this.#gridSin = this.#gridHz.map((f) =>
      Float64Array.from({ length: BLOCK }, (_, n) => Math.sin((2 * Math.PI * f * n) / RATE_HZ)),
    );
    const amp = sineAmplitude(opts.minLevelDbm0 ?? -45);
    this.#minPower = (amp * amp) / 2;
  }

  /** The tone currently recognised, if any. */
  get current(): ToneEvent | null {
    return this.#current?.event ?? null;
  }

  /** Feeds samples (any frame size); returns newly recognised tones. */
  process(samples: Int16Array): ToneEvent[] {
    const events: ToneEvent[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.#block[this.#blockFill++] = samples[i]!;
      if (this.#blockFill === BLOCK) {
        this.#blockFill = 0;
        this.#onBlock(events);
        this.#blockIndex++;
      }
    }
    return events;
  }

  #onBlock(events: ToneEvent[]): void {
    const x = this.#block;
    let energy = 0;
    let mean = 0;
    for (let n = 0; n < BLOCK; n++) mean += x[n]!;
    mean /= BLOCK;
    for (let n = 0; n < BLOCK; n++) energy += (x[n]! - mean) ** 2;
    let on = false;
    let top = -1;
    let second = -1;
    let powers: number[] = [];
    if (energy / BLOCK >= this.#minPower) {
      powers = this.#gridHz.map((_, k) => {
        const c = this.#gridCos[k]!;
        const s = this.#gridSin[k]!;
        let re = 0;
        let im = 0;
        for (let n = 0; n < BLOCK; n++) {
          re += x[n]! * c[n]!;
          im += x[n]! * s[n]!;
        }
        return (2 * (re * re + im * im)) / BLOCK;
      });
      for (let k = 0; k < powers.length; k++) if (top < 0 || powers[k]! > powers[top]!) top = k;
      for (let k = 0; k < powers.length; k++) {
        if (Math.abs(this.#gridHz[k]! - this.#gridHz[top]!) < 40) continue;
        if (second < 0 || powers[k]! > powers[second]!) second = k;
      }
      const share =
        powers[top]! + (second >= 0 && powers[second]! > 0.1 * powers[top]! ? powers[second]! : 0);
      on = share >= TONE_SHARE * energy && powers[top]! / BLOCK >= this.#minPower;
      if (second >= 0 && powers[second]! < 0.1 * powers[top]!) second = -1;
    }
    const last = this.#segments.at(-1);
    // A loud block that fails the tone test inside a tone (the trough of a modulated
    // tone, a click) does not end it; two in a row do.
    if (!on && last?.on && powers.length > 0 && this.#weakRun < 2 && this.#keepsTone(last, powers, energy)) {
      this.#weakRun++;
      last.blocks++;
      return;
    }
    this.#weakRun = 0;
    const roughSet = on ? [this.#gridHz[top]!, ...(second >= 0 ? [this.#gridHz[second]!] : [])] : [];
    const sameTone =
      last?.on === true &&
      on &&
      (last.freqsHz.length === 0 || roughSet.some((f) => last.freqsHz.some((g) => Math.abs(f - g) < 60)));
    if (last && last.on === on && (!on || sameTone)) {
      last.blocks++;
    } else {
      if (last?.on) this.#measure(last);
      this.#segments.push({
        on,
        startBlock: this.#blockIndex,
        blocks: 1,
        freqsHz: on ? roughSet : [],
        resolutionHz: 60,
      });
      this.#hiresFill = 0;
      if (this.#segments.length > MAX_SEGMENTS) this.#segments.shift();
      this.#classify(events, true);
    }
    const cur = this.#segments.at(-1)!;
    if (on && this.#hiresFill < HIRES_MAX) {
      const take = Math.min(BLOCK, HIRES_MAX - this.#hiresFill);
      for (let n = 0; n < take; n++) this.#hires[this.#hiresFill++] = x[n]! - mean;
      if (this.#hiresFill === HIRES_MAX) this.#measure(cur);
    }
    // A continuous tone can be recognised while it lasts.
    if (cur.blocks % (cur.on ? 5 : 25) === 0) this.#classify(events, false);
  }

  /** Whether a block that failed the tone test still carries the segment's main frequency. */
  #keepsTone(seg: ObservedSegment, powers: number[], energy: number): boolean {
    const f = seg.freqsHz[0];
    if (f === undefined) return false;
    let k = 0;
    for (let j = 1; j < this.#gridHz.length; j++) {
      if (Math.abs(this.#gridHz[j]! - f) < Math.abs(this.#gridHz[k]! - f)) k = j;
    }
    return powers[k]! >= 0.2 * energy;
  }

  /** Precise frequencies of the current tone segment from the samples collected so far. */
  #measure(seg: ObservedSegment): void {
    const m = this.#hiresFill;
    if (m < BLOCK) return;
    const xw = new Float64Array(m);
    for (let n = 0; n < m; n++)
      xw[n] = (0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / m)) * this.#hires[n]!;
    const power = (f: number) => {
      // Goertzel: one multiply-add per sample.
      const coeff = 2 * Math.cos((2 * Math.PI * f) / RATE_HZ);
      let s1 = 0;
      let s2 = 0;
      for (let n = 0; n < m; n++) {
        const s0 = xw[n]! + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    };
    const grid = this.#gridHz.map((f) => ({ f, p: power(f) }));
    grid.sort((a, b) => b.p - a.p);
    const best = grid[0]!;
    const peaks = [best];
    const resolutionHz = Math.max(2, (2 * RATE_HZ) / m);
    const other = grid.find(
      (g) => Math.abs(g.f - best.f) >= Math.max(20, 1.5 * resolutionHz) && g.p >= 0.1 * best.p,
    );
    if (other) peaks.push(other);
    // Refine each peak to 1 Hz by scanning around it.
    const span = Math.ceil(resolutionHz);
    seg.freqsHz = peaks.map(({ f }) => {
      let bestF = f;
      let bestP = -1;
      for (let d = -span; d <= span; d++) {
        const p = power(f + d);
        if (p > bestP) {
          bestP = p;
          bestF = f + d;
        }
      }
      return bestF;
    });
    seg.resolutionHz = resolutionHz;
  }

  #freqMatch(seg: ObservedSegment, exp: ToneSegment): boolean {
    const tol = (f: number) => Math.max(0.02 * f, seg.resolutionHz * 0.6, 6);
    const expected = exp.freqsHz;
    const extras =
      exp.modulationHz !== undefined
        ? [expected[0]! - exp.modulationHz, expected[0]! + exp.modulationHz]
        : [];
    const near = (f: number, list: number[]) => list.some((g) => Math.abs(f - g) <= tol(g));
    if (!near(seg.freqsHz[0]!, expected)) {
      // The strongest component of a modulated tone is its carrier; of a sum, one of its parts.
      return false;
    }
    const second = seg.freqsHz[1];
    if (second !== undefined && !near(second, [...expected, ...extras])) return false;
    if (expected.length >= 2 && exp.modulationHz === undefined) {
      const found = expected.filter((f) => seg.freqsHz.some((g) => Math.abs(f - g) <= tol(f))).length;
      if (found < 2) return false;
    }
    return true;
  }

  #durationMatch(observedMs: number, expectedMs: number, truncated: boolean): boolean {
    const tolMs = Math.max(35, 0.1 * expectedMs);
    if (truncated) return observedMs <= expectedMs + tolMs;
    return Math.abs(observedMs - expectedMs) <= tolMs;
  }

  /** Expected segment at position p of a candidate's sequence (lead, then the cycle repeated, or the hold). */
  #expectedAt(c: Candidate, p: number): ToneSegment | null {
    if (p < c.lead.length) return c.lead[p]!;
    if (c.cycle.length === 0) return p === c.lead.length ? c.hold : null;
    return c.cycle[(p - c.lead.length) % c.cycle.length]!;
  }

  /** Position before p when walking back in time, or -1 at the start of the sequence. */
  #previous(c: Candidate, p: number): number {
    if (p > c.lead.length) return p - 1;
    if (p === c.lead.length && c.cycle.length > 0 && c.lead.length === 0) return c.cycle.length - 1;
    return p - 1;
  }

  /**
   * How many of the latest complete observed segments a candidate explains, ending
   * at the newest complete one. The oldest may be cut short (we started listening
   * mid-tone) and then ends the chain.
   */
  #chain(
    c: Candidate,
    complete: ObservedSegment[],
  ): { length: number; full: number; fullMs: number; startIndex: number } {
    let best = { length: 0, full: 0, fullMs: 0, startIndex: -1 };
    const positions = c.lead.length + Math.max(c.cycle.length, 1);
    for (let pEnd = 0; pEnd < positions; pEnd++) {
      let length = 0;
      let full = 0;
      let fullMs = 0;
      let p = pEnd;
      for (let i = complete.length - 1; i >= 0 && p >= 0; i--) {
        const obs = complete[i]!;
        const exp = this.#expectedAt(c, p);
        if (!exp || exp.durationMs === null) break;
        if (obs.on !== isTone(exp)) break;
        if (obs.on && !this.#freqMatch(obs, exp)) break;
        const observedMs = obs.blocks * BLOCK_MS;
        // The newest "complete" one may be a silence still running but already long enough.
        const running = i === complete.length - 1 && obs === this.#segments.at(-1);
        const fits = running
          ? observedMs >= exp.durationMs - Math.max(35, 0.1 * exp.durationMs) &&
            this.#durationMatch(observedMs, exp.durationMs, true)
          : this.#durationMatch(observedMs, exp.durationMs, false);
        if (!fits) {
          if (length > 0 && this.#durationMatch(observedMs, exp.durationMs, true)) length++;
          break;
        }
        length++;
        full++;
        fullMs += observedMs;
        p = this.#previous(c, p);
      }
      if (full > best.full) best = { length, full, fullMs, startIndex: complete.length - length };
    }
    return best;
  }

  #classify(events: ToneEvent[], segmentClosed: boolean): void {
    const segs = this.#segments;
    const inProgress = segs.at(-1)!;
    // A silence still running counts once it is long enough (long call-waiting gaps).
    const complete = !inProgress.on && !segmentClosed ? segs : segs.slice(0, -1);
    type Match = { c: Candidate; score: number; startBlock: number };
    const matches: Match[] = [];
    for (const c of this.#candidates) {
      if (complete.length >= 2 && (c.cycle.length > 0 || (c.lead.length > 0 && c.hold && !isTone(c.hold)))) {
        const { full, fullMs, startIndex } = this.#chain(c, complete);
        // One full cycle and one more segment (three for the simplest on/off), not counting a cut first one.
        const needed =
          c.cycle.length > 0
            ? c.lead.length + (c.cycle.length >= 4 ? c.cycle.length : Math.max(3, c.cycle.length + 1))
            : c.lead.length;
        // Fast cadences (stutter, 100 ms bursts) also need a second of evidence: speech can mimic three.
        if (full >= needed && (fullMs >= 1000 || c.cycle.length === 0))
          matches.push({ c, score: full, startBlock: complete[startIndex]!.startBlock });
      }
      // Continuous tones (dial), possibly after a lead-in (stutter or recall dial).
      // A recall/stutter tone without a lead-in is just that country's dial tone: say "dial".
      if (c.hold && isTone(c.hold) && c.cycle.length === 0 && inProgress.on && !this.#sameAsDial(c)) {
        const heldMs = inProgress.blocks * BLOCK_MS;
        if (heldMs < this.#holdThresholdMs(c) || !this.#freqMatch(inProgress, c.hold)) continue;
        let lead = 0;
        for (let i = complete.length - 1, p = c.lead.length - 1; i >= 0 && p >= 0; i--, p--) {
          const obs = complete[i]!;
          const exp = c.lead[p]!;
          if (
            obs.on !== isTone(exp) ||
            !this.#durationMatch(obs.blocks * BLOCK_MS, exp.durationMs ?? 0, false)
          )
            break;
          if (obs.on && !this.#freqMatch(obs, exp)) break;
          lead++;
        }
        // A lead-in must be seen to name a stutter/recall tone; plain dial tone has none.
        if (c.lead.length > 0 && lead < Math.min(3, c.lead.length)) continue;
        const startBlock = lead > 0 ? complete[complete.length - lead]!.startBlock : inProgress.startBlock;
        matches.push({ c, score: 1 + lead, startBlock });
      }
    }
    if (matches.length === 0) {
      // A tone segment nothing explains ends the current verdict.
      if (segmentClosed && complete.at(-1)?.on) this.#current = null;
      return;
    }
    // With a preferred country that matches, its plan decides the name.
    const own = this.#preferred ? matches.filter((m) => m.c.country === this.#preferred) : [];
    const deciding = own.length > 0 ? own : matches;
    const bestScore = Math.max(...deciding.map((m) => m.score));
    const byName = new Map<ToneName, Match[]>();
    for (const m of deciding) {
      if (m.score < bestScore) continue;
      byName.set(m.c.name, [...(byName.get(m.c.name) ?? []), m]);
    }
    if (own.length > 0) {
      // …and every other country with the same tone is listed after it.
      for (const m of matches) {
        const list = byName.get(m.c.name);
        if (list && m.c.country !== this.#preferred && !list.includes(m)) list.push(m);
      }
    }
    const current = this.#current;
    let chosen: Match[] | undefined;
    if (current) chosen = byName.get(current.event.name);
    if (!chosen && this.#preferred) {
      chosen = [...byName.values()].find((ms) => ms.some((m) => m.c.country === this.#preferred));
    }
    chosen ??= [...byName.entries()]
      .sort((a, b) => b[1].length - a[1].length || TONE_NAMES.indexOf(a[0]) - TONE_NAMES.indexOf(b[0]))
      .map(([, ms]) => ms)[0]!;
    const countries = [...new Set(chosen.map((m) => m.c.country))];
    if (this.#preferred && countries.includes(this.#preferred)) {
      countries.splice(countries.indexOf(this.#preferred), 1);
      countries.unshift(this.#preferred);
    }
    const name = chosen[0]!.c.name;
    if (current && current.event.name === name) {
      current.event.countries = countries;
      current.event.country = countries[0]!;
      return;
    }
    const startBlock = Math.min(...chosen.map((m) => m.startBlock));
    const event: ToneEvent = { name, country: countries[0]!, countries, startMs: startBlock * BLOCK_MS };
    this.#current = { key: name, event };
    events.push(event);
  }

  /** A recall/stutter tone without lead-in that sounds like the country's dial tone is reported as dial. */
  #sameAsDial(c: Candidate): boolean {
    if (c.name === 'dial' || c.lead.length > 0 || !c.hold) return false;
    const dial = this.#candidates.find((d) => d.country === c.country && d.name === 'dial');
    return dial?.hold != null && dial.cycle.length === 0 && sameSound(dial.hold, c.hold);
  }

  /**
   * A continuous tone is told from cadenced ones once it outlasts every on-time
   * of the same frequencies in the plans considered (ringback's 1–2.5 s).
   */
  #holdThresholdMs(c: Candidate): number {
    const cached = this.#holdCache.get(c);
    if (cached !== undefined) return cached;
    const freqs = c.hold?.freqsHz ?? [];
    const overlaps = (s: ToneSegment) =>
      s.freqsHz.some((f) => freqs.some((g) => Math.abs(f - g) <= 0.03 * g));
    let longest = 0;
    for (const other of this.#candidates) {
      for (const s of [...other.lead, ...other.cycle]) {
        if (isTone(s) && s.durationMs !== null && overlaps(s)) longest = Math.max(longest, s.durationMs);
      }
    }
    const threshold = Math.max(1000, longest * 1.12 + 300);
    this.#holdCache.set(c, threshold);
    return threshold;
  }
}

/** Classifies a whole recording: every tone recognised, in order. */
export function classifyTones(samples: Int16Array, opts: ToneClassifierOptions = {}): ToneEvent[] {
  return new ToneClassifier(opts).process(samples);
}
