import type { CliCommand, CliIo } from '../cli/command.ts';
import { type G711Law, g711Decode, g711Encode } from './g711/g711.ts';

const USAGE = `Usage: linegate codec encode|decode --law ulaw|alaw

  encode   16-bit little-endian PCM on stdin -> G.711 codes on stdout
  decode   G.711 codes on stdin -> 16-bit little-endian PCM on stdout

Bit-exact with ITU-T G.191 (STL g711).`;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function write(stream: NodeJS.WritableStream, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Converts one whole buffer; exported for tests and for `signal` tooling. */
export function convertG711(mode: 'encode' | 'decode', law: G711Law, input: Buffer): Buffer {
  if (mode === 'encode') {
    const samples = new Int16Array(input.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = input.readInt16LE(i * 2);
    return Buffer.from(g711Encode(law, samples));
  }
  const pcm = g711Decode(law, input);
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

export const codecCommand: CliCommand = {
  name: 'codec',
  summary: 'G.711 µ-law/A-law encode or decode raw audio (stdin -> stdout)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const mode = args[0];
    const lawIndex = args.indexOf('--law');
    const law = lawIndex >= 0 ? args[lawIndex + 1] : undefined;
    const extra = args.filter((_arg, i) => i !== 0 && i !== lawIndex && i !== lawIndex + 1);
    if ((mode !== 'encode' && mode !== 'decode') || (law !== 'ulaw' && law !== 'alaw') || extra.length > 0) {
      io.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const input = await readAll(io.stdin);
    if (mode === 'encode' && input.length % 2 !== 0) {
      io.stderr.write(
        `codec: PCM input has an odd number of bytes (${input.length}); expected 16-bit samples\n`,
      );
      return 1;
    }
    await write(io.stdout, convertG711(mode, law, input));
    return 0;
  },
};
