import type { CliCommand } from './command.ts';

export interface Bench {
  name: string;
  summary: string;
  /** Runs the benchmark with the arguments after its name; resolves to the JSON result. */
  run(args: string[]): Promise<Record<string, unknown>>;
}

/** Benchmarks are loaded lazily so `linegate run` never pays for them. */
const BENCHES: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Bench> }> = [
  {
    name: 'startup',
    summary: 'start to READY, idle RSS and idle data-dir writes of `run --sim`',
    load: async () => (await import('../system/startup-bench.ts')).startupBench,
  },
  {
    name: 'jitter',
    summary:
      'score the jitter buffer against the hindsight oracle (--trace FILE.csv, or the built-in traces)',
    load: async () => {
      const m = await import('../media/bench/jitter-bench.ts');
      return {
        name: 'jitter',
        summary: '',
        run: async (args: string[]) => {
          const i = args.indexOf('--trace');
          if (i >= 0) {
            const file = args[i + 1];
            if (!file) throw new Error('--trace needs a CSV file (seq,rtp_ts,arrival_ms)');
            return { ...(await m.runJitterBenchFile(file)) };
          }
          return { ...(await m.runJitterBenchSuite()) };
        },
      };
    },
  },
  {
    name: 'media',
    summary: 'bridged G.711 calls over loopback: calls per core, send-interval p99, RSS per call',
    load: async () => {
      const m = await import('../media/bench/media-bench.ts');
      return { name: 'media', summary: '', run: async () => ({ ...(await m.runMediaBench()) }) };
    },
  },
];

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'run a benchmark and print JSON',
  usage: `linegate bench <name> [options]

Benchmarks (each prints one JSON object):
${BENCHES.map((b) => `  ${b.name.padEnd(8)}  ${b.summary}`).join('\n')}`,
  async run(args, io) {
    const [name, ...rest] = args;
    const entry = BENCHES.find((b) => b.name === name);
    if (!entry) {
      io.stderr.write(`${this.usage}\n`);
      return 2;
    }
    try {
      const bench = await entry.load();
      const result = await bench.run(rest);
      io.stdout.write(`${JSON.stringify({ bench: name, ...result })}\n`);
      return 0;
    } catch (err) {
      io.stderr.write(`linegate bench ${name}: ${(err as Error).message}\n`);
      return 1;
    }
  },
};
