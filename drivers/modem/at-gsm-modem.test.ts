import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError, LinegateError } from '../base/errors.ts';
import { silentLogger } from '../base/logger.ts';
import { MemoryByteStream } from '../serial/memory-stream.ts';
import { AtGsmModem, type AtGsmModemOptions } from './at-gsm-modem.ts';
import { encodeSubmit } from './sim/sim-pdu.ts';
import { SimulatedModem, type SimulatedModemOptions } from './sim/simulated-modem.ts';

/** The real modem driver against the simulated modem over an in-memory pair, on fake time. */
async function rig(
  simOptions: Partial<SimulatedModemOptions> = {},
  modemOptions: Partial<AtGsmModemOptions> = {},
) {
  const clock = new FakeClock();
  const sim = new SimulatedModem({ id: 'gsm1', clock, logger: silentLogger(), ...simOptions });
  let opens = 0;
  const modem = new AtGsmModem({
    id: 'gsm1',
    port: 'memory://gsm1',
    clock,
    logger: silentLogger(),
    openStream: async () => {
      opens++;
      const [near, far] = MemoryByteStream.pair();
      sim.startOnStream(far);
      return near;
    },
    ...modemOptions,
  });
  const events: string[] = [];
  modem.on('lost', (r) => events.push(`lost@${clock.now()}:${r}`));
  modem.on('recovered', () => events.push(`recovered@${clock.now()}`));
  modem.on('callEnded', (r) => events.push(`ended@${clock.now()}:${r}`));
  modem.on('ring', (c) => events.push(`ring:${c.number ?? c.absence}`));
  return { clock, sim, modem, events, opens: () => opens };
}

describe('AtGsmModem on fake time', () => {
  it('detects a hung modem after two probe timeouts (30 s interval, 5 s timeout)', async () => {
    const { clock, sim, modem, events } = await rig();
    await modem.open(new AbortController().signal);
    await clock.advanceAsync(100, 10);
    sim.hang();
    const t0 = clock.now();
    await clock.advanceAsync(39_000, 500);
    assert.deepEqual(events, []);
    await clock.advanceAsync(1_000, 10);
    assert.equal(events.length, 1);
    // First probe at the next 30 s tick after open, then 5 s + 5 s.
    const lostAt = Number(/lost@(\d+)/.exec(events[0]!)![1]);
    assert.ok(lostAt - t0 <= 40_000 && lostAt - t0 > 35_000, `lost after ${lostAt - t0} ms`);
    assert.match(events[0]!, /modem does not answer/);
    assert.equal(modem.state, 'recovering');
    await modem.close();
  });

  it('a reboot shown by banners is re-initialised after the settle time', async () => {
    const { clock, sim, modem, events, opens } = await rig({ flavour: 'sim800', rebootMs: 2000 });
    await modem.open(new AbortController().signal);
    sim.reboot();
    await clock.advanceAsync(2_000, 10);
    assert.equal(events.length, 1);
    assert.match(events[0]!, /^lost@2000:modem rebooted/);
    await clock.advanceAsync(3_500, 10);
    assert.deepEqual(events.slice(1), ['recovered@5000']);
    assert.equal(modem.lastRecovery?.step, 'reinit');
    assert.equal(opens(), 1, 'no reopen needed');
    assert.equal(sim.cnmiMt, 1, 're-initialised');
    await modem.close();
  });

  it('sendSms waits for a recovering modem, then sends; gives up with MODEM_NOT_READY after readyWaitMs', async () => {
    const { clock, sim, modem } = await rig({ rebootMs: 1000 }, { readyWaitMs: 20_000 });
    await modem.open(new AbortController().signal);
    sim.reboot();
    await clock.advanceAsync(1_000, 10);
    assert.equal(modem.state, 'recovering');
    const sending = modem.sendSms(encodeSubmit({ to: '+15550001', text: 'waits' }));
    await clock.advanceAsync(5_000, 10);
    assert.deepEqual(await sending, [0]);
    sim.hang();
    sim.reboot = () => {}; // a modem that never comes back
    await clock.advanceAsync(45_000, 100);
    assert.equal(modem.state, 'recovering');
    const late = modem.sendSms(encodeSubmit({ to: '+15550001', text: 'never' }));
    const result = late.then(
      () => 'sent',
      (e: unknown) => (isLinegateError(e) ? e.code : 'other'),
    );
    await clock.advanceAsync(20_000, 100);
    assert.equal(await result, 'MODEM_NOT_READY');
    assert.equal(sim.sent().length, 1);
    await modem.close();
  });

  it('never enters a PUK when the attempts left are unknown', async () => {
    const { sim, modem } = await rig({ pin: '1111', puk: '12345678' }, { pin: '1111', puk: '12345678' });
    sim.sim = 'puk';
    await modem.open(new AbortController().signal);
    assert.equal(modem.network.sim, 'puk');
    assert.equal(sim.pukAttempts, 10);
    await modem.close();
  });

  it('enters the PUK when the vendor reports more than one attempt (SIMCom AT+SPIC)', async () => {
    const { sim, modem } = await rig(
      { pin: '1111', puk: '12345678', flavour: 'sim7600' },
      { pin: '1111', puk: '12345678' },
    );
    sim.sim = 'puk';
    await modem.open(new AbortController().signal);
    assert.equal(modem.network.sim, 'ready');
    await modem.close();
  });

  it('a ringing call with no more RINGs ends as missed', async () => {
    const { clock, sim, modem, events } = await rig({ ringIntervalMs: 4000 }, { callPollMs: 60_000 });
    await modem.open(new AbortController().signal);
    sim.incomingCall('+15550009');
    await clock.advanceAsync(10, 1);
    assert.deepEqual(events, ['ring:+15550009']);
    await clock.advanceAsync(4_000, 10);
    assert.deepEqual(events, ['ring:+15550009', 'ring:+15550009']);
    sim.call = { state: 'idle' };
    await clock.advanceAsync(10_000, 50);
    assert.equal(events[2], 'ended@14000:missed');
    assert.equal(modem.callState, 'idle');
    await modem.close();
  });

  it('close() is idempotent and leaves no timer behind', async () => {
    const { clock, modem } = await rig();
    await modem.open(new AbortController().signal);
    await modem.close();
    await modem.close();
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('AtGsmModem.openWithRetry', () => {
  it('keeps trying a port that is missing at start and comes up when it appears', async () => {
    const clock = new FakeClock();
    const sim = new SimulatedModem({ id: 'gsm1', clock, logger: silentLogger() });
    let present = false;
    let attempts = 0;
    const modem = new AtGsmModem({
      id: 'gsm1',
      port: 'by-id:EG25',
      clock,
      logger: silentLogger(),
      reopenRetryMs: 1000,
      openStream: async () => {
        attempts++;
        if (!present)
          throw new LinegateError('DEVICE_MISSING', 'no entry of /dev/serial/by-id matches "EG25"');
        const [near, far] = MemoryByteStream.pair();
        sim.startOnStream(far);
        return near;
      },
    });
    const events: string[] = [];
    modem.on('lost', (r) => events.push(`lost:${r}`));
    modem.on('recovered', () => events.push('recovered'));
    const opened = modem.openWithRetry(new AbortController().signal);
    await clock.advanceAsync(5_000, 100);
    assert.equal(events.length, 1);
    assert.match(events[0]!, /^lost:open failed: no entry/);
    assert.equal(modem.state, 'recovering');
    present = true;
    await clock.advanceAsync(1_000, 100);
    const info = await opened;
    assert.equal(info.imei, '867698040000001');
    assert.deepEqual(events.slice(1), ['recovered']);
    assert.ok(attempts >= 5);
    await modem.close();
  });
});

describe('AtGsmModem recovery with production defaults (fake time)', () => {
  it('a firmware hang: detected within 40 s, cured by the hard-reset step', async (t) => {
    const { clock, sim, modem, events } = await rig({ rebootMs: 5000 }, {});
    const withReset = new AtGsmModem({
      id: 'gsm2',
      port: 'memory://gsm2',
      clock,
      logger: silentLogger(),
      hardReset: async () => sim.reboot(),
      openStream: async () => {
        const [near, far] = MemoryByteStream.pair();
        sim.startOnStream(far);
        return near;
      },
    });
    void modem;
    withReset.on('lost', (r) => events.push(`lost@${clock.now()}:${r}`));
    withReset.on('recovered', () => events.push(`recovered@${clock.now()}`));
    await withReset.open(new AbortController().signal);
    const t0 = clock.now();
    sim.hang();
    for (let i = 0; i < 200 && !events.some((e) => e.startsWith('recovered')); i++)
      await clock.advanceAsync(1000, 50);
    const lostAt = Number(/lost@(\d+)/.exec(events.find((e) => e.startsWith('lost'))!)![1]);
    const rec = withReset.lastRecovery!;
    assert.equal(rec.step, 'hard-reset');
    assert.ok(lostAt - t0 <= 40_000);
    t.diagnostic(
      `defaults (t0=${t0}, lost=${lostAt}): hang detected after ${lostAt - t0} ms, recovered ${rec.durationMs} ms later (${rec.attempts} steps)`,
    );
    await withReset.close();
  });
});

describe('AtGsmModem.deleteSms and reused SIM slots', () => {
  it('a repeated delete never removes the newer message that took the slot', async () => {
    const { clock, sim, modem } = await rig();
    const got: string[] = [];
    modem.on('sms', (s) => got.push(`${s.storage}:${s.index}:${s.pdu.slice(-6)}`));
    await modem.open(new AbortController().signal);
    sim.deliverSms('+15550001', 'first');
    await clock.advanceAsync(10, 1);
    const a = sim.storage('SM').get(1)!.pdu;
    await modem.deleteSms('SM', 1, a);
    sim.deliverSms('+15550002', 'second');
    await clock.advanceAsync(10, 1);
    assert.equal(got.length, 2);
    // The stale delete of "first" (e.g. it was announced twice around a recovery).
    await modem.deleteSms('SM', 1, a);
    assert.equal(sim.storage('SM').size, 1, 'second survived');
    await modem.deleteSms('SM', 1);
    assert.equal(sim.storage('SM').size, 0);
    // Without a PDU, a slot nobody announced is left alone.
    sim.storage('SM').set(3, { stat: 0, pdu: a });
    await modem.deleteSms('SM', 3);
    assert.equal(sim.storage('SM').size, 1);
    await modem.close();
  });
});

describe('AtGsmModem network state', () => {
  it('follows +CREG and ^RSSI URCs and refreshes signal on each probe', async () => {
    const { clock, sim, modem } = await rig({ flavour: 'huawei' });
    const seen: string[] = [];
    modem.on('network', (n) => seen.push(`${n.registration}/${n.signalDbm}`));
    await modem.open(new AbortController().signal);
    assert.equal(modem.profile.name, 'huawei');
    sim.setRegistration('roaming');
    await clock.advanceAsync(10, 1);
    assert.equal(modem.network.registration, 'roaming');
    sim.setSignal(5);
    await clock.advanceAsync(10, 1);
    assert.equal(modem.network.signalDbm, -103);
    sim.signalCsq = 99;
    await clock.advanceAsync(30_000, 1000);
    assert.equal(modem.network.signalDbm, undefined, 'CSQ 99 = unknown');
    assert.deepEqual(seen.slice(-3), ['roaming/-73', 'roaming/-103', 'roaming/undefined']);
    await modem.close();
  });
});
