import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMediaCalls } from '../../daemon/media/bench/media-bench.ts';

// A tiny run of the bench path; the real figures come from `linegate bench media`.
test('bench media path: 2 bridged calls over loopback carry media both ways', async () => {
  const minPort = 42000 + (process.pid % 400) * 20;
  const r = await runMediaCalls(2, { warmupMs: 300, measureMs: 400, minPort, maxPort: minPort + 19 });
  assert.equal(r.calls, 2);
  assert.ok(r.peerPacketsSent > 0);
  // Both directions of both calls reach the far ends (PCMU in → PCMA out and back).
  assert.ok(r.peerPacketsReceived >= r.peerPacketsSent * 0.5, JSON.stringify(r));
  assert.ok(r.packetsRelayed > 0);
  assert.ok(r.cpuCores > 0);
});
