import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLinegateError } from '../../../drivers/base/errors.ts';
import { resample } from './resample.ts';
import { decodeWav, encodeWav, mixToMono } from './wav.ts';

function header(tag: number, channels: number, rateHz: number, bits: number, data: Buffer): Buffer {
  const out = Buffer.alloc(44);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data.length, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(tag, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(rateHz, 24);
  out.writeUInt32LE((rateHz * channels * bits) / 8, 28);
  out.writeUInt16LE((channels * bits) / 8, 32);
  out.writeUInt16LE(bits, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data.length, 40);
  return Buffer.concat([out, data]);
}

test('encode then decode round-trips stereo 16-bit PCM', () => {
  const left = Int16Array.from([0, 1, -1, 32767, -32768]);
  const right = Int16Array.from([5, 4, 3, 2, 1]);
  const buf = encodeWav({ sampleRateHz: 8000, channels: [left, right] });
  assert.equal(buf.length, 44 + 20);
  const back = decodeWav(buf);
  assert.equal(back.sampleRateHz, 8000);
  assert.deepEqual(back.channels, [left, right]);
  assert.deepEqual(mixToMono(back), Int16Array.from([3, 3, 1, 16385, -16383]));
});

test('decodes 8-bit µ-law and A-law with the G.711 expansion', () => {
  const mu = decodeWav(header(7, 1, 8000, 8, Buffer.from([0xff, 0x7f, 0x80, 0x00])));
  assert.deepEqual(mu.channels[0], Int16Array.from([0, 0, 32124, -32124]));
  const a = decodeWav(header(6, 1, 8000, 8, Buffer.from([0xd5, 0x55, 0xaa, 0x2a])));
  assert.deepEqual(a.channels[0], Int16Array.from([8, -8, 32256, -32256]));
});

test('skips unknown chunks and tolerates a data size running past the end', () => {
  const pcm = Buffer.alloc(8);
  pcm.writeInt16LE(1234, 0);
  const wav = header(1, 1, 16000, 16, pcm);
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
  const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
  assert.equal(decodeWav(withList).channels[0]![0], 1234);
  const truncated = Buffer.from(wav.subarray(0, 48));
  truncated.writeUInt32LE(10_000, 40);
  assert.equal(decodeWav(truncated).channels[0]!.length, 2);
});

test('malformed files are WAV_INVALID errors', () => {
  const cases: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from('RIFF\0\0\0\0WAVX'),
    Buffer.from('RIFF\0\0\0\0WAVE'),
    header(3, 1, 8000, 32, Buffer.alloc(8)),
    header(1, 0, 8000, 16, Buffer.alloc(8)),
    header(1, 1, 8000, 16, Buffer.alloc(4)).subarray(0, 36),
  ];
  for (const c of cases) {
    assert.throws(
      () => decodeWav(c),
      (e) => isLinegateError(e, 'WAV_INVALID'),
    );
  }
  assert.throws(
    () => encodeWav({ sampleRateHz: 8000, channels: [new Int16Array(2), new Int16Array(3)] }),
    (e) => isLinegateError(e, 'WAV_INVALID'),
  );
});

test('resample keeps a tone at its frequency and level', () => {
  const fromHz = 44_100;
  const freqHz = 1633;
  const input = new Int16Array(fromHz / 2);
  for (let i = 0; i < input.length; i++)
    input[i] = Math.round(10000 * Math.sin((2 * Math.PI * freqHz * i) / fromHz));
  const out = resample(input, fromHz, 8000);
  assert.equal(out.length, 4000);
  // Count zero crossings in the steady middle to estimate the frequency.
  let crossings = 0;
  let first = -1;
  let last = -1;
  for (let i = 500; i < 3500; i++) {
    if (out[i - 1]! < 0 && out[i]! >= 0) {
      crossings++;
      if (first < 0) first = i;
      last = i;
    }
  }
  const measuredHz = ((crossings - 1) * 8000) / (last - first);
  assert.ok(Math.abs(measuredHz - freqHz) / freqHz < 0.002, `measured ${measuredHz}`);
  let peak = 0;
  for (let i = 500; i < 3500; i++) peak = Math.max(peak, Math.abs(out[i]!));
  assert.ok(peak > 9700 && peak < 10300, `peak ${peak}`);
});
