/**
 * Our signals checked by tools nobody here wrote (Debian packages): multimon-ng
 * decodes our DTMF, minimodem and multimon-ng decode our caller-ID FSK, sox
 * measures our tone frequencies, and our detector decodes DTMF that sox
 * synthesises. Each test skips when its tool is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { modulateCallerId } from '../../daemon/media/callerid/callerid-signals.ts';
import { detectDtmf } from '../../daemon/media/dtmf/dtmf-detector.ts';
import { generateDtmf } from '../../daemon/media/dtmf/dtmf-generator.ts';
import { DTMF_HIGH_HZ, DTMF_KEYS, DTMF_LOW_HZ } from '../../daemon/media/dtmf/dtmf-keypad.ts';
import { renderTone } from '../../daemon/media/tones/tone-generator.ts';
import type { ToneName } from '../../daemon/media/tones/tone-plans.ts';
import { decodeWav, encodeWav } from '../../daemon/media/wav/wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'linegate-ext-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function have(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function writeWav(name: string, samples: Int16Array): string {
  const file = join(dir, name);
  writeFileSync(file, encodeWav({ sampleRateHz: 8000, channels: [samples] }));
  return file;
}

function run(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

const KEYS = '0123456789*#ABCD';

test('multimon-ng decodes every DTMF digit we generate (nominal, −30 dBm0, 50 ms bursts, 4 dB twist)', (t) => {
  if (!have('multimon-ng')) return t.skip('multimon-ng not installed');
  const cases: [string, Parameters<typeof generateDtmf>[1]][] = [
    ['nominal', {}],
    ['quiet', { levelDbm0: -30 }],
    ['fast', { onMs: 50, offMs: 50 }],
    ['twist', { twistDb: -4 }],
  ];
  for (const [name, opts] of cases) {
    const file = writeWav(`mm-${name}.wav`, generateDtmf(KEYS, { leadMs: 100, ...opts }));
    const digits = run('multimon-ng', ['-q', '-a', 'DTMF', '-t', 'wav', file])
      .split('\n')
      .filter((l) => l.startsWith('DTMF: '))
      .map((l) => l.slice(6).trim())
      .join('');
    assert.equal(digits, KEYS, `${name}: multimon-ng heard ${digits}`);
  }
});

test('minimodem decodes our Bell 202 caller ID (MDMF with name, SDMF)', (t) => {
  if (!have('minimodem')) return t.skip('minimodem not installed');
  const time = { month: 3, day: 14, hour: 15, minute: 9 };
  const pad = (x: Int16Array) => {
    const out = new Int16Array(x.length + 4000);
    out.set(x, 2000);
    return out;
  };
  const mdmf = run('minimodem', [
    '--rx',
    '-q',
    '-f',
    writeWav(
      'cid-mdmf.wav',
      pad(modulateCallerId({ number: '5551234567', name: 'ADA LOVELACE', time }, 'bell')),
    ),
    'callerid',
  ]);
  assert.match(mdmf, /Time:\s+03\/14 15:09/);
  assert.match(mdmf, /Phone:\s+555-123-4567/);
  assert.match(mdmf, /Name:\s+ADA LOVELACE/);
  const sdmf = run('minimodem', [
    '--rx',
    '-q',
    '-f',
    writeWav(
      'cid-sdmf.wav',
      pad(modulateCallerId({ number: '6095551212', time }, 'bell', { format: 'sdmf' })),
    ),
    'callerid',
  ]);
  assert.match(sdmf, /Phone:\s+609-555-1212/);
  // Raw 1200-baud bytes: the message bytes come through minimodem's own UART.
  const raw = spawnSync(
    'minimodem',
    ['--rx', '-q', '--binary-output', '-f', join(dir, 'cid-mdmf.wav'), '1200'],
    { timeout: 20_000 },
  );
  assert.ok(raw.stdout.length > 0);
});

test('multimon-ng decodes our ETSI V.23 caller ID', (t) => {
  if (!have('multimon-ng')) return t.skip('multimon-ng not installed');
  const audio = modulateCallerId(
    { number: '02079460000', name: 'GRACE', time: { month: 1, day: 2, hour: 3, minute: 4 } },
    'etsi',
  );
  const out = run('multimon-ng', ['-q', '-a', 'CLIPFSK', '-t', 'wav', writeWav('cid-etsi.wav', audio)]);
  assert.match(out, /CID=02079460000/);
  assert.match(out, /CNT=GRACE/);
  assert.match(out, /DATE=01020304/);
});

/** sox's 4096-point spectrum (summed over blocks); the peak near `freqHz`, interpolated. */
function soxPeakHz(file: string, freqHz: number): number {
  const spectrum = new Map<number, number>();
  const lines = run('sox', [file, '-n', 'stat', '-freq']).split('\n'); // sox writes it to stderr
  for (const line of lines) {
    const m = /^\s*([\d.]+)\s+([\d.eE+-]+)\s*$/.exec(line);
    if (!m) continue;
    const f = Number(m[1]);
    spectrum.set(f, (spectrum.get(f) ?? 0) + Number(m[2]));
  }
  const bins = [...spectrum.keys()].sort((a, b) => a - b);
  const step = bins[1]! - bins[0]!;
  let best = -1;
  for (let i = 0; i < bins.length; i++) {
    if (Math.abs(bins[i]! - freqHz) > 0.03 * freqHz) continue;
    if (best < 0 || spectrum.get(bins[i]!)! > spectrum.get(bins[best]!)!) best = i;
  }
  const a = Math.log(spectrum.get(bins[best - 1]!)! + 1e-9);
  const b = Math.log(spectrum.get(bins[best]!)! + 1e-9);
  const c = Math.log(spectrum.get(bins[best + 1]!)! + 1e-9);
  return bins[best]! + (0.5 * (a - c) * step) / (a - 2 * b + c);
}

test('sox measures our tone and DTMF frequencies within ±0.5 %', (t) => {
  if (!have('sox')) return t.skip('sox not installed');
  const tones: [ToneName, string, number[]][] = [
    ['dial', 'us', [350, 440]],
    ['busy', 'us', [480, 620]],
    ['ringback', 'us', [440, 480]],
    ['dial', 'de', [425]],
    ['ringback', 'uk', [400, 450]],
    ['dial', 'au', [413, 438]],
    ['dial', 'cn', [450]],
    ['record', 'us', [1400]],
  ];
  const report: string[] = [];
  for (const [name, cc, freqs] of tones) {
    const file = writeWav(`tone-${cc}-${name}.wav`, renderTone(name, cc, 2000));
    for (const f of freqs) {
      const measured = soxPeakHz(file, f);
      report.push(`${cc} ${name} ${f} → ${measured.toFixed(2)}`);
      assert.ok(Math.abs(measured - f) / f < 0.005, `${cc} ${name}: ${f} Hz measured ${measured}`);
    }
  }
  for (const digit of ['1', '5', '9', 'D']) {
    const file = writeWav(`dtmf-${digit}.wav`, generateDtmf(digit, { onMs: 500, offMs: 0 }));
    const row = DTMF_KEYS.findIndex((r) => r.includes(digit));
    const col = DTMF_KEYS[row]!.indexOf(digit);
    for (const f of [DTMF_LOW_HZ[row]!, DTMF_HIGH_HZ[col]!]) {
      const measured = soxPeakHz(file, f);
      assert.ok(Math.abs(measured - f) / f < 0.005, `DTMF ${digit}: ${f} Hz measured ${measured}`);
    }
  }
  t.diagnostic(report.join('; '));
});

/** A 70 ms sine synthesised by sox, read back as samples. */
function soxSine(freqHz: number, name: string): Int16Array {
  const file = join(dir, `${name}.wav`);
  execFileSync('sox', [
    '-n',
    '-r',
    '8000',
    '-b',
    '16',
    '-c',
    '1',
    file,
    'synth',
    '0.07',
    'sine',
    freqHz.toFixed(3),
    'vol',
    '0.2',
  ]);
  return decodeWav(readFileSync(file)).channels[0]!;
}

test('our detector decodes DTMF synthesised by sox: ±1.5 % accepted, ±3.5 % rejected, twist 8/4 dB accepted', (t) => {
  if (!have('sox')) return t.skip('sox not installed');
  const sines = new Map<string, Int16Array>();
  const sine = (f: number) => {
    const key = f.toFixed(3);
    if (!sines.has(key)) sines.set(key, soxSine(f, `sine-${key}`));
    return sines.get(key)!;
  };
  const sequence = (offsetPct: number, twistDb: number) => {
    const gap = 560; // 70 ms
    const out = new Int16Array(KEYS.length * (560 + gap) + gap);
    const hiGain = 10 ** (twistDb / 20);
    let pos = gap;
    for (const key of KEYS) {
      const row = DTMF_KEYS.findIndex((r) => r.includes(key));
      const col = DTMF_KEYS[row]!.indexOf(key);
      const lo = sine(DTMF_LOW_HZ[row]! * (1 + offsetPct / 100));
      const hi = sine(DTMF_HIGH_HZ[col]! * (1 + offsetPct / 100));
      for (let i = 0; i < lo.length; i++) out[pos + i] = Math.round(lo[i]! + hiGain * hi[i]!);
      pos += lo.length + gap;
    }
    return out;
  };
  const digits = (x: Int16Array) =>
    detectDtmf(x)
      .map((e) => e.digit)
      .join('');
  for (const pct of [0, 1.5, -1.5]) assert.equal(digits(sequence(pct, 0)), KEYS, `offset ${pct} %`);
  for (const pct of [3.5, -3.5]) assert.equal(digits(sequence(pct, 0)), '', `offset ${pct} %`);
  for (const tw of [-8, 4]) assert.equal(digits(sequence(0, tw)), KEYS, `twist ${tw} dB`);
});
