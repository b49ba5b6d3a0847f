/**
 * Minimal WAV reading and writing for 16-bit PCM, enough for the simulator
 * API (WAV in, WAV out) and the file device. Drivers may not import the
 * media engine in daemon/, so this small codec lives here.
 */
import { LinegateError } from '../base/errors.ts';

export interface WavPcm {
  sampleRateHz: number;
  channels: number;
  samples: Int16Array;
}

/** Parses a RIFF/WAVE file with 16-bit PCM; throws WAV_INVALID with the reason. */
export function parseWav(data: Uint8Array): WavPcm {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new LinegateError('WAV_INVALID', 'not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length)
        throw new LinegateError('WAV_INVALID', 'fmt chunk is truncated');
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new LinegateError('WAV_INVALID', 'data chunk before fmt chunk');
      // WAVE_FORMAT_EXTENSIBLE (0xfffe) with 16 bits is PCM too.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) {
        throw new LinegateError(
          'WAV_INVALID',
          `only 16-bit PCM is supported (format ${fmt.format}, ${fmt.bits} bits)`,
        );
      }
      if (fmt.channels < 1) throw new LinegateError('WAV_INVALID', 'no channels');
      // A streamed WAV may carry a size of 0 or 0xffffffff: take what is there.
      const end = Math.min(buf.length, size === 0 || size === 0xffffffff ? buf.length : body + size);
      const frames = Math.floor((end - body) / (2 * fmt.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * fmt.channels);
      return { sampleRateHz: fmt.rate, channels: fmt.channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new LinegateError('WAV_INVALID', fmt ? 'no data chunk' : 'no fmt chunk');
}

/** Parses a WAV that must be 8 kHz mono 16-bit (what the lines carry). */
export function parseWav8kMono(data: Uint8Array): Int16Array {
  const wav = parseWav(data);
  if (wav.sampleRateHz !== 8000)
    throw new LinegateError('WAV_INVALID', `sample rate ${wav.sampleRateHz} Hz, expected 8000 Hz`);
  if (wav.channels !== 1) throw new LinegateError('WAV_INVALID', `${wav.channels} channels, expected mono`);
  return wav.samples;
}

/** Encodes mono 16-bit PCM as a WAV file. */
export function encodeWav(samples: Int16Array, sampleRateHz = 8000): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRateHz, 24);
  buf.writeUInt32LE(sampleRateHz * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return buf;
}
