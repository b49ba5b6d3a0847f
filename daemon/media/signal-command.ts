/**
 * `linegate signal detect FILE.wav` and `linegate signal generate ...`: the
 * installer's line sniffer and our own check of the signal engine.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { errorMessage, isLinegateError } from '../../drivers/base/errors.ts';
import type { CallerId } from '../../drivers/line/types.ts';
import type { CliCommand, CliIo } from '../cli/command.ts';
import { demodulateCallerId } from './callerid/callerid-demodulator.ts';
import { type CallerIdStandard, modulateCallerId } from './callerid/callerid-signals.ts';
import { detectDtmf } from './dtmf/dtmf-detector.ts';
import { generateDtmf } from './dtmf/dtmf-generator.ts';
import { isDtmfDigit } from './dtmf/dtmf-keypad.ts';
import { classifyTones } from './tones/tone-classifier.ts';
import { renderTone } from './tones/tone-generator.ts';
import { isToneName, type ToneName, toneCountries, tonePlan } from './tones/tone-plans.ts';
import { resample } from './wav/resample.ts';
import { decodeWav, encodeWav, mixToMono } from './wav/wav.ts';

const USAGE = `Usage:
  linegate signal detect FILE.wav [--country CC]
  linegate signal generate --out FILE.wav (--dtmf DIGITS
                                          | --cid-number N [--cid-name NAME] [--cid-standard bell|etsi|dtmf]
                                          | --tone NAME --country CC [--duration-ms MS])

detect    prints what a recording of a line carries, as JSON:
          {"dtmf":"159#","tones":[{"name":"busy","country":"us","startMs":0}],
           "callerId":{"standard":"bell","number":"5551234567","name":"...","checksumOk":true}|null}
          Any PCM 16-bit or 8-bit G.711 WAV; stereo is mixed; other rates are resampled to 8 kHz.
          --country prefers that country's plan when several match (default us, the
          product's default country).
generate  writes an 8 kHz mono 16-bit WAV: DTMF digits (0-9 * # A-D, 70 ms on / 70 ms off,
          −10 dBm0), a caller ID (bell = Bell 202 FSK MDMF, etsi = V.23 FSK, dtmf = DTMF CLIP),
          or a call-progress tone of a country's plan.

Tone names: dial busy ringback congestion callWaiting stutterDial recallDial sit record
Countries:  ${toneCountries().join(' ')}`;

const TONE_ALIASES: Record<string, ToneName> = {
  ring: 'ringback',
  callwaiting: 'callWaiting',
  'call-waiting': 'callWaiting',
  stutter: 'stutterDial',
  stutterdial: 'stutterDial',
  recall: 'recallDial',
  recalldial: 'recallDial',
  info: 'sit',
};

class UsageError extends Error {}

function parseOptions(
  args: string[],
  known: string[],
): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      if (!known.includes(a)) throw new UsageError(`unknown option ${a}`);
      const value = args[i + 1];
      if (value === undefined) throw new UsageError(`${a} needs a value`);
      options.set(a, value);
      i++;
    } else positional.push(a);
  }
  return { positional, options };
}

async function detect(file: string, country: string | undefined, io: CliIo): Promise<number> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    io.stderr.write(`signal: cannot read ${file}: ${errorMessage(err)}\n`);
    return 1;
  }
  const wav = decodeWav(buf);
  let samples = mixToMono(wav);
  if (wav.sampleRateHz !== 8000) samples = resample(samples, wav.sampleRateHz, 8000);
  const dtmf = detectDtmf(samples)
    .map((e) => e.digit)
    .join('');
  const tones = classifyTones(samples, { country: country ?? 'us' }).map((t) => ({
    name: t.name,
    country: t.country,
    startMs: t.startMs,
  }));
  const cid = demodulateCallerId(samples).find((e) => e.kind === 'callerId');
  let callerId: Record<string, unknown> | null = null;
  if (cid && cid.kind === 'callerId') {
    callerId = { standard: cid.standard, ...cid.callerId, checksumOk: cid.checksumOk };
  }
  io.stdout.write(`${JSON.stringify({ dtmf, tones, callerId })}\n`);
  return 0;
}

async function generate(options: Map<string, string>, io: CliIo): Promise<number> {
  const out = options.get('--out');
  if (!out) throw new UsageError('--out FILE.wav is required');
  const modes = ['--dtmf', '--cid-number', '--tone'].filter((m) => options.has(m));
  if (modes.length !== 1) throw new UsageError('give exactly one of --dtmf, --cid-number, --tone');
  let samples: Int16Array;
  if (options.has('--dtmf')) {
    const digits = options.get('--dtmf')!.toUpperCase();
    const bad = [...digits].find((d) => !isDtmfDigit(d));
    if (digits.length === 0 || bad !== undefined) {
      io.stderr.write(`signal: not a DTMF digit: ${JSON.stringify(bad ?? '')} (use 0-9 * # A-D)\n`);
      return 1;
    }
    samples = generateDtmf(digits, { leadMs: 100, offMs: 70 });
  } else if (options.has('--cid-number')) {
    const standard = (options.get('--cid-standard') ?? 'bell') as CallerIdStandard;
    if (!['bell', 'etsi', 'dtmf'].includes(standard))
      throw new UsageError('--cid-standard is bell, etsi or dtmf');
    const number = options.get('--cid-number')!;
    const callerId: CallerId = {};
    if (/^(p|private)$/i.test(number)) callerId.absence = 'private';
    else if (/^(o|unavailable)$/i.test(number)) callerId.absence = 'unavailable';
    else if (/^\+?[0-9*#]{1,20}$/.test(number)) callerId.number = number;
    else {
      io.stderr.write(`signal: --cid-number must be digits (or P / O for private / unavailable)\n`);
      return 1;
    }
    const name = options.get('--cid-name');
    if (name) callerId.name = name;
    const body = modulateCallerId(callerId, standard);
    samples = new Int16Array(body.length + 1600);
    samples.set(body, 800);
  } else {
    const raw = options.get('--tone')!;
    const name = isToneName(raw) ? raw : TONE_ALIASES[raw.toLowerCase()];
    const country = options.get('--country')?.toLowerCase();
    if (!country) throw new UsageError('--tone needs --country CC');
    if (!name) {
      io.stderr.write(`signal: unknown tone ${JSON.stringify(raw)}\n`);
      return 1;
    }
    const segs = tonePlan(country).tones[name];
    if (!segs) {
      io.stderr.write(`signal: country ${country} defines no ${name} tone\n`);
      return 1;
    }
    const cycleMs = segs.reduce((sum, s) => sum + (s.durationMs ?? 0), 0);
    const durationMs = Number(options.get('--duration-ms') ?? Math.min(30_000, Math.max(4000, 3 * cycleMs)));
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > 600_000) {
      throw new UsageError('--duration-ms must be 1..600000');
    }
    samples = renderTone(name, country, durationMs);
  }
  await writeFile(out, encodeWav({ sampleRateHz: 8000, channels: [samples] }));
  return 0;
}

export const signalCommand: CliCommand = {
  name: 'signal',
  summary: 'detect DTMF, tones and caller ID in a WAV, or generate them',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${USAGE}\n`);
      return args.length === 0 ? 2 : 0;
    }
    const [sub, ...rest] = args;
    try {
      if (sub === 'detect') {
        const { positional, options } = parseOptions(rest, ['--country']);
        if (positional.length !== 1) throw new UsageError('detect takes one FILE.wav');
        const country = options.get('--country')?.toLowerCase();
        if (country) tonePlan(country); // unknown country → clear error now
        return await detect(positional[0]!, country, io);
      }
      if (sub === 'generate') {
        const { positional, options } = parseOptions(rest, [
          '--out',
          '--dtmf',
          '--cid-number',
          '--cid-name',
          '--cid-standard',
          '--tone',
          '--country',
          '--duration-ms',
        ]);
        if (positional.length > 0) throw new UsageError(`unexpected ${positional[0]}`);
        return await generate(options, io);
      }
      throw new UsageError(`unknown sub-command ${JSON.stringify(sub)}`);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`signal: ${err.message}\n\n${USAGE}\n`);
        return 2;
      }
      if (isLinegateError(err)) {
        io.stderr.write(`signal: ${err.message}\n`);
        return 1;
      }
      io.stderr.write(`signal: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};
