/**
 * RIFF/WAVE read and write for the media engine: 16-bit PCM in and out, and
 * 8-bit G.711 (µ-law, A-law) in, because line recordings often come that way.
 * Everything else is a clear WAV_INVALID error rather than a guess.
 */
import { LinegateError } from '../../../drivers/base/errors.ts';

/** Decoded audio: one Int16Array per channel, all the same length. */
export interface WavAudio {
  sampleRateHz: number;
  channels: Int16Array[];
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

function invalid(reason: string): LinegateError {
  return new LinegateError('WAV_INVALID', `invalid WAV: ${reason}`);
}

/** ITU-T G.711 µ-law expansion of one code to linear 16-bit. */
function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** ITU-T G.711 A-law expansion of one code to linear 16-bit. */
function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (!(a & 0x80)) magnitude = -magnitude;
  return magnitude;
}

/**
 * Decodes a WAV file. Accepts PCM 16-bit (any channel count, WAVE_FORMAT_EXTENSIBLE
 * included) and 8-bit µ-law/A-law. Throws LinegateError('WAV_INVALID') otherwise.
 */
export function decodeWav(buf: Buffer): WavAudio {
  if (buf.length < 12) throw invalid('file shorter than a RIFF header');
  if (buf.toString('ascii', 0, 4) !== 'RIFF') throw invalid('missing RIFF tag');
  if (buf.toString('ascii', 8, 12) !== 'WAVE') throw invalid('missing WAVE tag');

  let format: { tag: number; channelCount: number; sampleRateHz: number; bitsPerSample: number } | null =
    null;
  let data: Buffer | null = null;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const declared = buf.readUInt32LE(offset + 4);
    const bodyStart = offset + 8;
    // Recorders that stream (and were cut off) leave a size that runs past the end:
    // accept what is there for the data chunk, reject it for the format chunk.
    const bodyEnd = Math.min(bodyStart + declared, buf.length);
    if (id === 'fmt ') {
      if (declared < 16 || bodyStart + 16 > buf.length) throw invalid('fmt chunk too short');
      let tag = buf.readUInt16LE(bodyStart);
      const channelCount = buf.readUInt16LE(bodyStart + 2);
      const sampleRateHz = buf.readUInt32LE(bodyStart + 4);
      const bitsPerSample = buf.readUInt16LE(bodyStart + 14);
      if (tag === FORMAT_EXTENSIBLE) {
        if (declared < 40 || bodyStart + 26 > buf.length) throw invalid('extensible fmt chunk too short');
        tag = buf.readUInt16LE(bodyStart + 24); // first two bytes of the sub-format GUID
      }
      format = { tag, channelCount, sampleRateHz, bitsPerSample };
    } else if (id === 'data') {
      data = buf.subarray(bodyStart, bodyEnd);
    }
    if (declared > buf.length) break;
    offset = bodyStart + declared + (declared & 1); // chunks are padded to even length
  }
  if (!format) throw invalid('no fmt chunk');
  if (!data) throw invalid('no data chunk');
  const { tag, channelCount, sampleRateHz, bitsPerSample } = format;
  if (channelCount < 1 || channelCount > 64) throw invalid(`unsupported channel count ${channelCount}`);
  if (sampleRateHz < 1000 || sampleRateHz > 384_000) throw invalid(`unsupported sample rate ${sampleRateHz}`);

  let bytesPerSample: number;
  let read: (pos: number) => number;
  if (tag === FORMAT_PCM && bitsPerSample === 16) {
    bytesPerSample = 2;
    read = (pos) => data.readInt16LE(pos);
  } else if (tag === FORMAT_MULAW && bitsPerSample === 8) {
    bytesPerSample = 1;
    read = (pos) => mulawToLinear(data[pos]!);
  } else if (tag === FORMAT_ALAW && bitsPerSample === 8) {
    bytesPerSample = 1;
    read = (pos) => alawToLinear(data[pos]!);
  } else {
    throw invalid(`unsupported format tag ${tag} with ${bitsPerSample} bits per sample`);
  }
  const frameBytes = bytesPerSample * channelCount;
  const frameCount = Math.floor(data.length / frameBytes);
  const channels: Int16Array[] = [];
  for (let c = 0; c < channelCount; c++) channels.push(new Int16Array(frameCount));
  for (let i = 0; i < frameCount; i++) {
    const base = i * frameBytes;
    for (let c = 0; c < channelCount; c++) channels[c]![i] = read(base + c * bytesPerSample);
  }
  return { sampleRateHz, channels };
}

/** Encodes 16-bit PCM WAV (interleaving the channels). */
export function encodeWav(audio: WavAudio): Buffer {
  const channelCount = audio.channels.length;
  if (channelCount < 1) throw invalid('no channels to encode');
  const frameCount = audio.channels[0]!.length;
  for (const ch of audio.channels) {
    if (ch.length !== frameCount) throw invalid('channels differ in length');
  }
  if (!Number.isInteger(audio.sampleRateHz) || audio.sampleRateHz <= 0) {
    throw invalid(`bad sample rate ${audio.sampleRateHz}`);
  }
  const dataBytes = frameCount * channelCount * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(channelCount, 22);
  out.writeUInt32LE(audio.sampleRateHz, 24);
  out.writeUInt32LE(audio.sampleRateHz * channelCount * 2, 28);
  out.writeUInt16LE(channelCount * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let pos = 44;
  for (let i = 0; i < frameCount; i++) {
    for (let c = 0; c < channelCount; c++) {
      out.writeInt16LE(audio.channels[c]![i]!, pos);
      pos += 2;
    }
  }
  return out;
}

/** Averages all channels into one (for detection on a stereo recording). */
export function mixToMono(audio: WavAudio): Int16Array {
  const first = audio.channels[0];
  if (!first) return new Int16Array(0);
  if (audio.channels.length === 1) return first;
  const out = new Int16Array(first.length);
  const n = audio.channels.length;
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (const ch of audio.channels) sum += ch[i]!;
    out[i] = Math.round(sum / n);
  }
  return out;
}
