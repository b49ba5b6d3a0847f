/**
 * Call recording to WAV (PCM 16-bit, 8 kHz): mono, or stereo with one leg
 * per channel (left = leg A, right = leg B) so either side can be listened
 * to alone. Written as it goes (a call can be long): a header with zero
 * sizes first, the sizes patched on close. Recording stops at `maxBytes`
 * (the file stays valid); `applyRetention` deletes the oldest recordings
 * beyond a count or age.
 */
import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LinegateError } from '../../../drivers/base/errors.ts';

export interface CallRecorderOptions {
  path: string;
  channels: 1 | 2;
  sampleRateHz?: number;
  /** Stop writing once the file would exceed this size (header included). */
  maxBytes?: number;
}

const HEADER_BYTES = 44;

function wavHeader(channels: number, sampleRateHz: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRateHz, 24);
  h.writeUInt32LE(sampleRateHz * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export class CallRecorder {
  readonly #o: Required<CallRecorderOptions>;
  #file: FileHandle | null = null;
  #dataBytes = 0;
  #writes: Promise<void> = Promise.resolve();
  #closed = false;
  /** True once `maxBytes` was reached and later frames were dropped. */
  truncated = false;

  constructor(options: CallRecorderOptions) {
    this.#o = { sampleRateHz: 8000, maxBytes: 100 * 1024 * 1024, ...options };
  }

  get dataBytes(): number {
    return this.#dataBytes;
  }

  async start(): Promise<void> {
    try {
      this.#file = await open(this.#o.path, 'w');
      await this.#file.write(wavHeader(this.#o.channels, this.#o.sampleRateHz, 0), 0, HEADER_BYTES, 0);
    } catch (err) {
      throw new LinegateError('INTERNAL', `cannot record to ${this.#o.path}`, { cause: err });
    }
  }

  /**
   * Appends one tick: `a` (and `b` for stereo), same length. A missing leg
   * frame is written as silence so both channels stay aligned.
   */
  write(a: Int16Array | null, b: Int16Array | null = null): void {
    if (!this.#file || this.#closed || this.truncated) return;
    const samples = Math.max(a?.length ?? 0, b?.length ?? 0);
    if (samples === 0) return;
    const channels = this.#o.channels;
    const bytes = samples * channels * 2;
    if (HEADER_BYTES + this.#dataBytes + bytes > this.#o.maxBytes) {
      this.truncated = true;
      return;
    }
    const buf = Buffer.allocUnsafe(bytes);
    for (let i = 0; i < samples; i++) {
      buf.writeInt16LE(a?.[i] ?? 0, i * channels * 2);
      if (channels === 2) buf.writeInt16LE(b?.[i] ?? 0, i * 4 + 2);
    }
    const at = HEADER_BYTES + this.#dataBytes;
    this.#dataBytes += bytes;
    const file = this.#file;
    this.#writes = this.#writes.then(async () => {
      await file.write(buf, 0, bytes, at);
    });
  }

  /** Patches the header sizes and closes; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    if (!file) return;
    try {
      await this.#writes;
      await file.write(
        wavHeader(this.#o.channels, this.#o.sampleRateHz, this.#dataBytes),
        0,
        HEADER_BYTES,
        0,
      );
    } finally {
      await file.close();
    }
  }
}

/** Deletes the oldest `.wav` files in `dir` beyond `maxFiles`, and any older than `maxAgeMs`. Returns the deleted names. */
export async function applyRetention(
  dir: string,
  policy: { maxFiles?: number; maxAgeMs?: number; nowMs?: number },
): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.wav'));
  const files = await Promise.all(
    names.map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })),
  );
  files.sort((x, y) => y.mtimeMs - x.mtimeMs); // newest first
  const now = policy.nowMs ?? Date.now();
  const doomed = files.filter(
    (f, i) =>
      (policy.maxFiles !== undefined && i >= policy.maxFiles) ||
      (policy.maxAgeMs !== undefined && now - f.mtimeMs > policy.maxAgeMs),
  );
  for (const f of doomed) await unlink(join(dir, f.name));
  return doomed.map((f) => f.name);
}
