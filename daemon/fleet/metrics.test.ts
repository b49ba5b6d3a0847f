import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry, registerProcessMetrics } from './metrics.ts';

test('counters, gauges and histograms render in the Prometheus text format', () => {
  const m = new MetricsRegistry();
  const sms = m.counter('linegate_sms_sent_total', 'SMS sent', ['modem']);
  sms.inc({ modem: 'gsm1' });
  sms.inc({ modem: 'gsm1' }, 2);
  sms.inc({ modem: 'g"2\\\n' });
  const signal = m.gauge('linegate_modem_signal_dbm', 'Modem signal in dBm', ['modem']);
  signal.set(-71, { modem: 'gsm1' });
  const setup = m.histogram('linegate_call_setup_seconds', 'Call setup time', { buckets: [0.5, 1, 0.1] });
  setup.observe(0.05);
  setup.observe(0.7);
  setup.observe(3);
  const text = m.render();
  assert.match(text, /# HELP linegate_sms_sent_total SMS sent\n# TYPE linegate_sms_sent_total counter\n/);
  assert.match(text, /linegate_sms_sent_total\{modem="gsm1"\} 3\n/);
  assert.match(text, /linegate_sms_sent_total\{modem="g\\"2\\\\\\n"\} 1\n/);
  assert.match(text, /linegate_modem_signal_dbm\{modem="gsm1"\} -71\n/);
  assert.match(text, /linegate_call_setup_seconds_bucket\{le="0.1"\} 1\n/);
  assert.match(text, /linegate_call_setup_seconds_bucket\{le="0.5"\} 1\n/);
  assert.match(text, /linegate_call_setup_seconds_bucket\{le="1"\} 2\n/);
  assert.match(text, /linegate_call_setup_seconds_bucket\{le="\+Inf"\} 3\n/);
  assert.match(text, /linegate_call_setup_seconds_sum 3.75\n/);
  assert.match(text, /linegate_call_setup_seconds_count 3\n/);
  assert.ok(text.endsWith('\n'));
});

test('names and labels follow Prometheus conventions', () => {
  const m = new MetricsRegistry();
  assert.throws(() => m.counter('linegate_calls', 'no _total'), /_total/);
  assert.throws(() => m.gauge('linegate_x_total', 'gauge with _total'), /_total/);
  assert.throws(() => m.gauge('linegate-x', 'dash'), /Prometheus name/);
  assert.throws(() => m.gauge('linegate_y', 'le label', ['le']), /not allowed/);
  const g = m.gauge('linegate_z', 'z', ['port']);
  assert.throws(() => g.set(1, { modem: 'x' }), /unknown label/);
  assert.equal(m.gauge('linegate_z', 'z', ['port']), g, 'same metric returned on re-registration');
  assert.throws(() => m.counter('linegate_z_total', 'ok').inc(undefined, -1), /cannot decrease/);
});

test('collectors report at scrape time; a throwing collector is contained', () => {
  const m = new MetricsRegistry();
  let calls = 0;
  m.collect('calls', () => [
    { name: 'linegate_calls_active', help: 'Calls in progress', type: 'gauge', value: ++calls },
  ]);
  m.collect('broken', () => {
    throw new Error('room is mid-restart');
  });
  assert.match(m.render(), /linegate_calls_active 1\n/);
  const text = m.render();
  assert.match(text, /linegate_calls_active 2\n/);
  assert.match(text, /linegate_metrics_collector_errors\{collector="broken"\} 1/);
});

test('process metrics include rss, heap, fds and event-loop lag', () => {
  const m = new MetricsRegistry();
  const stop = registerProcessMetrics(m);
  const text = m.render();
  stop();
  for (const name of [
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
    'process_open_fds',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_p99_seconds',
  ])
    assert.match(text, new RegExp(`\\n${name} [0-9.e+-]+\\n`), name);
  assert.doesNotMatch(m.render(), /process_resident_memory_bytes/);
});
