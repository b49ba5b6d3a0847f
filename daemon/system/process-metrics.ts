import { readdirSync } from 'node:fs';
import type { EventLoopMonitor } from './liveness.ts';

/** Prometheus text for the process itself (used by /metrics until rooms add theirs). */
export function processMetricsText(loop: EventLoopMonitor, startedAtMs: number): string {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  let fds = -1;
  try {
    fds = readdirSync('/proc/self/fd').length;
  } catch {
    // not on Linux
  }
  const lines = [
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${mem.rss}`,
    '# HELP nodejs_heap_used_bytes V8 heap in use in bytes.',
    '# TYPE nodejs_heap_used_bytes gauge',
    `nodejs_heap_used_bytes ${mem.heapUsed}`,
    '# HELP process_cpu_seconds_total Total user and system CPU time in seconds.',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
    '# HELP process_open_fds Open file descriptors.',
    '# TYPE process_open_fds gauge',
    `process_open_fds ${fds}`,
    '# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${Math.floor(startedAtMs / 1000)}`,
    '# HELP nodejs_eventloop_delay_max_seconds Largest event-loop delay in the last watchdog window.',
    '# TYPE nodejs_eventloop_delay_max_seconds gauge',
    `nodejs_eventloop_delay_max_seconds ${loop.lastMaxMs / 1000}`,
    '# HELP nodejs_eventloop_delay_p99_seconds 99th percentile event-loop delay in the last window.',
    '# TYPE nodejs_eventloop_delay_p99_seconds gauge',
    `nodejs_eventloop_delay_p99_seconds ${loop.lastP99Ms / 1000}`,
  ];
  return `${lines.join('\n')}\n`;
}
