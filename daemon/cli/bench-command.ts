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
