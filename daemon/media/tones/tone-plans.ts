/**
 * Country tone plans: parsed from tone-plan-data.ts into segments the tone
 * generator plays and the classifier matches.
 */
import type { RingCadence } from '../../../drivers/line/types.ts';
import { LinegateError } from '../../../drivers/base/errors.ts';
import { TONE_PLAN_SOURCES } from './tone-plan-data.ts';

export const TONE_NAMES = [
  'dial',
  'busy',
  'ringback',
  'congestion',
  'callWaiting',
  'stutterDial',
  'recallDial',
  'sit',
  'record',
] as const;
export type ToneName = (typeof TONE_NAMES)[number];

export interface ToneSegment {
  /** Frequencies summed; empty = silence. */
  freqsHz: number[];
  /** When set, the single frequency is amplitude-modulated by this (90 % depth). */
  modulationHz?: number;
  /** null = continuous (the tone stays here). */
  durationMs: number | null;
  /** Played once at the start; the repeat starts at the first segment without it. */
  once: boolean;
}

export interface TonePlan {
  country: string;
  name: string;
  ringCadence: RingCadence;
  distinctiveRingCadences: RingCadence[];
  tones: Partial<Record<ToneName, ToneSegment[]>>;
}

const SEGMENT = /^(!?)(\d+(?:\.\d+)?(?:\+\d+(?:\.\d+)?)*|\d+x\d+)(?::(\d+))?$/;

/** Parses our segment notation (see tone-plan-data.ts). */
export function parseToneSegments(text: string): ToneSegment[] {
  const segments: ToneSegment[] = [];
  for (const part of text.trim().split(/\s+/)) {
    const m = SEGMENT.exec(part);
    if (!m) throw new LinegateError('BAD_REQUEST', `bad tone segment ${JSON.stringify(part)}`);
    const [, bang, body, ms] = m;
    const seg: ToneSegment = {
      freqsHz: [],
      durationMs: ms === undefined ? null : Number(ms),
      once: bang === '!',
    };
    if (body!.includes('x')) {
      const [carrier, mod] = body!.split('x').map(Number);
      seg.freqsHz = [carrier!];
      seg.modulationHz = mod!;
    } else {
      seg.freqsHz = body!
        .split('+')
        .map(Number)
        .filter((f) => f > 0);
    }
    segments.push(seg);
  }
  return segments;
}

let cache: Map<string, TonePlan> | null = null;

function plans(): Map<string, TonePlan> {
  if (cache) return cache;
  cache = new Map();
  for (const [country, src] of Object.entries(TONE_PLAN_SOURCES)) {
    const tones: Partial<Record<ToneName, ToneSegment[]>> = {};
    for (const [name, text] of Object.entries(src.tones)) {
      if (!(TONE_NAMES as readonly string[]).includes(name)) continue;
      tones[name as ToneName] = parseToneSegments(text);
    }
    cache.set(country, {
      country,
      name: src.name,
      ringCadence: { name: `${country}-ring`, patternMs: src.ringCadenceMs },
      distinctiveRingCadences: Object.entries(src.distinctiveRingCadencesMs ?? {}).map(
        ([name, patternMs]) => ({
          name,
          patternMs,
        }),
      ),
      tones,
    });
  }
  return cache;
}

/** Country codes with a plan (ISO 3166 alpha-2, lower case, plus `us-old`). */
export function toneCountries(): string[] {
  return [...plans().keys()];
}

export function tonePlan(country: string): TonePlan {
  const plan = plans().get(country.toLowerCase());
  if (!plan) throw new LinegateError('NOT_FOUND', `no tone plan for country ${JSON.stringify(country)}`);
  return plan;
}

/** Segments of one tone in one country; NOT_FOUND when the plan does not define it. */
export function toneSegments(name: ToneName, country: string): ToneSegment[] {
  const segs = tonePlan(country).tones[name];
  if (!segs) throw new LinegateError('NOT_FOUND', `country ${country} defines no ${name} tone`);
  return segs;
}

/** FXS ring cadence for a country, as the line drivers take it. */
export function ringCadence(country: string): RingCadence {
  return tonePlan(country).ringCadence;
}

export function isToneName(name: string): name is ToneName {
  return (TONE_NAMES as readonly string[]).includes(name);
}
