import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { loadBoard } from '../../drivers/board/board-profile.ts';
import { SimulatedLines } from '../../drivers/line/sim/simulated-lines.ts';
import { CallsRoom } from '../../daemon/calls/calls-room.ts';
import { parseConfigText } from '../../daemon/config/load.ts';
import { boardsDir } from '../../daemon/install-paths.ts';
import { createSignalKit } from '../../daemon/simulator/signal-kit.ts';
import { Store } from '../../daemon/store/database.ts';

async function boot() {
  const clock = new FakeClock();
  const logger = silentLogger();
  const { config } = parseConfigText('', { env: {}, sim: true });
  const store = Store.open({ dataDir: ':memory:', logger, clock });
  const board = loadBoard('sim', { boardsDir: boardsDir() });
  const lines = new SimulatedLines({
    board,
    signals: createSignalKit(),
    clock,
    logger,
    country: config.country,
  });
  const calls = new CallsRoom({
    config,
    clock,
    logger,
    store,
    fxsPorts: lines.fxsPorts,
    fxoPorts: lines.fxoPorts,
  });
  const abort = new AbortController();
  await lines.start(abort.signal);
  await calls.start();
  const phone = (id: string) => {
    const p = lines.phones.get(id);
    assert.ok(p, id);
    return p;
  };
  const pstn = lines.pstnLines.get('fxo1');
  assert.ok(pstn);
  return {
    clock,
    lines,
    calls,
    phone,
    pstn,
    stop: async () => {
      await calls.stop();
      await lines.stop();
      store.close();
    },
  };
}

describe('calls between simulated phones (real port logic, fake time)', () => {
  it('off hook hears dial tone; 202 rings fxs2 with caller ID 201; answered both hear each other; hang-up gives busy', async () => {
    const { clock, phone, calls, stop } = await boot();
    const p1 = phone('fxs1');
    const p2 = phone('fxs2');
    p1.setHook('off');
    await clock.advanceAsync(4000, 20);
    assert.equal(p1.status().heard.tone, 'dial');
    const dialing = p1.dial('202', 'dtmf');
    await clock.advanceAsync(2000, 20);
    await dialing;
    await clock.advanceAsync(6000, 20);
    assert.equal(p2.status().ringing, true);
    assert.equal(p2.status().callerId?.number, '201');
    await clock.advanceAsync(14_000, 20);
    assert.equal(p1.status().heard.tone, 'ringback');
    p2.setHook('off');
    await clock.advanceAsync(500, 20);
    assert.equal(calls.manager.active[0]?.state, 'answered');
    p2.setHook('on');
    await clock.advanceAsync(4000, 20);
    assert.equal(p1.status().heard.tone, 'busy');
    p1.setHook('on');
    await clock.advanceAsync(1000, 20);
    const cdr = calls.cdr.list().items;
    assert.equal(cdr.length, 1);
    assert.equal(cdr[0]?.disposition, 'answered');
    await stop();
  });

  it('a PSTN call on fxo1 rings extension 201 with the caller ID; the far end hanging up gives busy tone', async () => {
    const { clock, phone, pstn, calls, stop } = await boot();
    const p1 = phone('fxs1');
    void pstn.call('5551234');
    await clock.advanceAsync(16_000, 20);
    assert.equal(p1.status().ringing, true);
    await clock.advanceAsync(6_000, 20);
    assert.equal(p1.status().callerId?.number, '5551234');
    p1.setHook('off');
    await clock.advanceAsync(1000, 20);
    assert.equal(calls.manager.active[0]?.state, 'answered');
    assert.equal(pstn.status().offHook, true, 'the gateway seized the line');
    pstn.hangup();
    await clock.advanceAsync(6000, 20);
    assert.equal(calls.manager.active.length, 0);
    assert.equal(p1.status().heard.tone, 'busy');
    const cdr = calls.cdr.list().items[0];
    assert.equal(cdr?.source, 'fxo1');
    assert.equal(cdr?.callerNumber, '5551234');
    assert.equal(cdr?.direction, 'inbound');
    await stop();
  });

  it('fxs1 dials 9 + number: out through the PSTN line, which hears the digits', async () => {
    const { clock, phone, pstn, stop } = await boot();
    const p1 = phone('fxs1');
    p1.setHook('off');
    await clock.advanceAsync(500, 20);
    const dialing = p1.dial('95551234', 'dtmf');
    await clock.advanceAsync(3000, 20);
    await dialing;
    await clock.advanceAsync(15_000, 20);
    assert.equal(pstn.status().dialed, '5551234');
    await stop();
  });
});
