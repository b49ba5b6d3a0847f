/**
 * A small Prometheus registry rendering the text exposition format 0.0.4
 * for `GET /metrics`. Rooms create counters, gauges and histograms (with
 * labels) or register a collector that reports figures at scrape time.
 * Names follow Prometheus conventions: `linegate_` prefix, base units
 * (`_seconds`, `_bytes`), counters end in `_total`.
 */
import { readdirSync } from 'node:fs';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { LinegateError } from '../../drivers/base/errors.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One figure reported by a collector at scrape time. */
export interface MetricSample {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels?: Labels;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function assertName(name: string, type: MetricType): void {
  if (!NAME.test(name)) throw new LinegateError('INTERNAL', `metric name ${name} is not a Prometheus name`);
  if (type === 'counter' && !name.endsWith('_total'))
    throw new LinegateError('INTERNAL', `counter ${name} must end in _total`);
  if (type !== 'counter' && name.endsWith('_total'))
    throw new LinegateError('INTERNAL', `${type} ${name} must not end in _total`);
}

function assertLabels(labelNames: readonly string[]): void {
  for (const l of labelNames)
    if (!LABEL.test(l) || l.startsWith('__') || l === 'le')
      throw new LinegateError('INTERNAL', `label name ${l} is not allowed`);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function seriesKey(labelNames: readonly string[], labels: Labels | undefined): string {
  const given = Object.keys(labels ?? {});
  for (const k of given)
    if (!labelNames.includes(k))
      throw new LinegateError('INTERNAL', `unknown label ${k} (known: ${labelNames.join(', ')})`);
  return JSON.stringify(labelNames.map((n) => labels?.[n] ?? ''));
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  abstract lines(): string[];
}

export class Counter extends Metric {
  readonly type = 'counter';
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new LinegateError('INTERNAL', `counter ${this.name} cannot decrease`);
    const key = seriesKey(this.labelNames, labels);
    const s = this.#series.get(key);
    if (s) s.value += by;
    else this.#series.set(key, { labels: { ...labels }, value: by });
  }

  get(labels?: Labels): number {
    return this.#series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  lines(): string[] {
    return [...this.#series.values()].map(
      (s) => `${this.name}${labelText(s.labels)} ${formatValue(s.value)}`,
    );
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  set(value: number, labels?: Labels): void {
    const key = seriesKey(this.labelNames, labels);
    this.#series.set(key, { labels: { ...labels }, value });
  }

  inc(labels?: Labels, by = 1): void {
    this.set(this.get(labels) + by, labels);
  }

  dec(labels?: Labels, by = 1): void {
    this.set(this.get(labels) - by, labels);
  }

  get(labels?: Labels): number {
    return this.#series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  /** Drops one labelled series (a port or modem that went away). */
  remove(labels: Labels): void {
    this.#series.delete(seriesKey(this.labelNames, labels));
  }

  lines(): string[] {
    return [...this.#series.values()].map(
      (s) => `${this.name}${labelText(s.labels)} ${formatValue(s.value)}`,
    );
  }
}

export class Histogram extends Metric {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || new Set(sorted).size !== sorted.length)
      throw new LinegateError('INTERNAL', `histogram ${name} needs distinct buckets`);
    this.buckets = sorted;
  }

  observe(value: number, labels?: Labels): void {
    const key = seriesKey(this.labelNames, labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels: { ...labels }, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => {
        out.push(`${this.name}_bucket${labelText(s.labels, ['le', formatValue(b)])} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Default buckets for durations in seconds (5 ms … 10 s). */
export const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors = new Map<string, () => MetricSample[]>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(name, 'counter', () => new Counter(name, help, labelNames), labelNames) as Counter;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(name, 'gauge', () => new Gauge(name, help, labelNames), labelNames) as Gauge;
  }

  histogram(
    name: string,
    help: string,
    options: { labelNames?: readonly string[]; buckets?: readonly number[] } = {},
  ): Histogram {
    const labelNames = options.labelNames ?? [];
    return this.#add(
      name,
      'histogram',
      () => new Histogram(name, help, labelNames, options.buckets ?? DEFAULT_SECONDS_BUCKETS),
      labelNames,
    ) as Histogram;
  }

  /** Adds a scrape-time collector under `id` (replacing one with the same id). */
  collect(id: string, fn: () => MetricSample[]): void {
    this.#collectors.set(id, fn);
  }

  removeCollector(id: string): void {
    this.#collectors.delete(id);
  }

  /** The exposition text. A collector that throws is skipped, so one broken room never empties /metrics. */
  render(): string {
    const out: string[] = [];
    for (const m of [...this.#metrics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    const grouped = new Map<string, MetricSample[]>();
    for (const [id, fn] of this.#collectors) {
      let samples: MetricSample[];
      try {
        samples = fn();
      } catch {
        samples = [
          {
            name: 'linegate_metrics_collector_errors',
            help: 'Collectors that failed at this scrape',
            type: 'gauge',
            labels: { collector: id },
            value: 1,
          },
        ];
      }
      for (const s of samples) {
        if (!NAME.test(s.name) || this.#metrics.has(s.name)) continue;
        const list = grouped.get(s.name) ?? [];
        list.push(s);
        grouped.set(s.name, list);
      }
    }
    for (const [name, samples] of grouped) {
      const first = samples[0]!;
      out.push(`# HELP ${name} ${escapeHelp(first.help)}`, `# TYPE ${name} ${first.type}`);
      for (const s of samples) out.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
    return `${out.join('\n')}\n`;
  }

  #add(name: string, type: MetricType, make: () => Metric, labelNames: readonly string[]): Metric {
    assertName(name, type);
    assertLabels(labelNames);
    const existing = this.#metrics.get(name);
    if (existing) {
      if (existing.type !== type || existing.labelNames.join() !== labelNames.join())
        throw new LinegateError(
          'CONFLICT',
          `metric ${name} already registered as a different ${existing.type}`,
        );
      return existing;
    }
    const m = make();
    this.#metrics.set(name, m);
    return m;
  }
}

/**
 * Process figures under the conventional names (`process_*`, `nodejs_*`):
 * resident memory, heap, open file descriptors, CPU seconds, start time and
 * event-loop lag (perf_hooks). Returns a function that stops the lag monitor.
 */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const startTimeS = Math.round(Date.now() / 1000 - process.uptime());
  registry.collect('process', () => {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const samples: MetricSample[] = [
      {
        name: 'process_resident_memory_bytes',
        help: 'Resident memory size in bytes',
        type: 'gauge',
        value: mem.rss,
      },
      {
        name: 'nodejs_heap_size_used_bytes',
        help: 'V8 heap in use in bytes',
        type: 'gauge',
        value: mem.heapUsed,
      },
      {
        name: 'nodejs_heap_size_total_bytes',
        help: 'V8 heap size in bytes',
        type: 'gauge',
        value: mem.heapTotal,
      },
      {
        name: 'nodejs_external_memory_bytes',
        help: 'Memory of C++ objects bound to JS in bytes',
        type: 'gauge',
        value: mem.external,
      },
      {
        name: 'process_cpu_seconds_total',
        help: 'User and system CPU time in seconds',
        type: 'counter',
        value: (cpu.user + cpu.system) / 1e6,
      },
      {
        name: 'process_start_time_seconds',
        help: 'Start time of the process since the Unix epoch in seconds',
        type: 'gauge',
        value: startTimeS,
      },
      {
        name: 'nodejs_eventloop_lag_p50_seconds',
        help: 'Event-loop delay median in seconds',
        type: 'gauge',
        value: loop.percentile(50) / 1e9,
      },
      {
        name: 'nodejs_eventloop_lag_p99_seconds',
        help: 'Event-loop delay 99th percentile in seconds',
        type: 'gauge',
        value: loop.percentile(99) / 1e9,
      },
      {
        name: 'nodejs_eventloop_lag_max_seconds',
        help: 'Event-loop delay maximum in seconds',
        type: 'gauge',
        value: loop.max / 1e9,
      },
    ];
    const fds = openFds();
    if (fds !== undefined)
      samples.push({
        name: 'process_open_fds',
        help: 'Number of open file descriptors',
        type: 'gauge',
        value: fds,
      });
    loop.reset();
    return samples;
  });
  return () => {
    loop.disable();
    registry.removeCollector('process');
  };
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
