import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { encodeSubmit } from '../../drivers/modem/sim/sim-pdu.ts';
import { HAVE_SOCAT, nextEvent, SKIP_REASON, startRig, waitFor } from './harness.ts';

describe('AtGsmModem over a socat PTY: supervisor and recovery', {
  skip: HAVE_SOCAT ? false : SKIP_REASON,
}, () => {
  it('a hung modem is declared lost and brought back by the escalation ladder', async (t) => {
    let hardResets = 0;
    const rig = await startRig(
      {},
      {
        hardReset: async () => {
          hardResets++;
          rig.sim.reboot();
        },
      },
    );
    try {
      const lost = nextEvent(rig.modem, 'lost', 5000);
      const hungAt = Date.now();
      rig.sim.hang();
      const [reason] = await lost;
      assert.equal(reason, 'modem does not answer');
      await nextEvent(rig.modem, 'recovered', 20_000);
      const recovery = rig.modem.lastRecovery!;
      // Only a power cycle cures a firmware hang: re-init, CFUN and reopen cannot.
      assert.equal(recovery.step, 'hard-reset');
      assert.equal(hardResets, 1);
      t.diagnostic(
        `hang: detected after ${Date.now() - hungAt - recovery.durationMs} ms, recovered in ${recovery.durationMs} ms (${recovery.attempts} steps)`,
      );
      // It works again: receive and send.
      rig.sim.deliverSms('+15550100', 'after the hang');
      await waitFor(() => rig.received.length === 1, 3000, 'sms after recovery');
      assert.deepEqual(await rig.modem.sendSms(encodeSubmit({ to: '+1555', text: 'ok' })), [0]);
    } finally {
      await rig.stop();
    }
  });

  it('a hang cured by AT+CFUN=1,1 stops at that step', async (t) => {
    const rig = await startRig();
    try {
      // This firmware ignores everything but a functionality reset.
      let deaf = true;
      const remove = rig.sim.addBehaviour((cmd, m) => {
        if (!deaf) return undefined;
        if (/^\+CFUN=1,1/i.test(cmd)) {
          deaf = false;
          m.clock.setTimer(20, () => m.reboot());
          return { final: 'OK' };
        }
        return { final: '' };
      });
      const [reason] = await nextEvent(rig.modem, 'lost', 5000);
      assert.equal(reason, 'modem does not answer');
      await nextEvent(rig.modem, 'recovered', 20_000);
      remove();
      assert.equal(rig.modem.lastRecovery!.step, 'cfun-reset');
      t.diagnostic(`hang cured by CFUN: recovered in ${rig.modem.lastRecovery!.durationMs} ms`);
    } finally {
      await rig.stop();
    }
  });

  it('the port vanishing mid-send fails the send as retryable, recovers, and loses nothing', async (t) => {
    const rig = await startRig();
    try {
      rig.sim.cmgsDelayMs = 800;
      const sending = rig.modem.sendSms(encodeSubmit({ to: '+15553333', text: 'in flight' }));
      const sendError = sending.then(
        () => undefined,
        (e: unknown) => e,
      );
      const lost = nextEvent(rig.modem, 'lost', 5000);
      await waitFor(() => rig.sim.status().sentCount === 0 && rig.sim.portGeneration === 0, 100);
      await new Promise((r) => setTimeout(r, 200));
      const vanishedAt = Date.now();
      await rig.sim.vanish();
      const err = await sendError;
      assert.ok(isLinegateError(err) && err.details?.retryable === true, String(err));
      const [reason] = await lost;
      assert.match(reason, /^port lost/);
      // While the port is gone the SIM still receives (the URC is lost with the port).
      rig.sim.deliverSms('+15554444', 'arrived while unplugged');
      await new Promise((r) => setTimeout(r, 500));
      rig.sim.cmgsDelayMs = 0;
      await rig.sim.comeBack();
      await nextEvent(rig.modem, 'recovered', 10_000);
      const recoveredAfterMs = Date.now() - vanishedAt;
      t.diagnostic(
        `port vanished for 500 ms: recovered ${recoveredAfterMs} ms after it vanished (step ${rig.modem.lastRecovery!.step})`,
      );
      assert.equal(rig.modem.lastRecovery!.step, 'reopen');
      // The SMS layer's retry: sent exactly once in total.
      await rig.modem.sendSms(encodeSubmit({ to: '+15553333', text: 'in flight' }));
      assert.equal(rig.sim.sent().filter((s) => s.text === 'in flight').length, 1);
      // The message that arrived while the port was gone is found by the post-recovery scan.
      await waitFor(() => rig.received.length === 1, 3000, 'message stored during the outage');
    } finally {
      await rig.stop();
    }
  });

  it('a send waiting for a recovering modem goes out once it is back', async () => {
    const rig = await startRig();
    try {
      const lost = nextEvent(rig.modem, 'lost', 5000);
      await rig.sim.vanish();
      await lost;
      const sending = rig.modem.sendSms(encodeSubmit({ to: '+15556666', text: 'queued' }));
      await new Promise((r) => setTimeout(r, 300));
      await rig.sim.comeBack();
      assert.equal((await sending).length, 1);
      assert.equal(rig.sim.sent().length, 1);
    } finally {
      await rig.stop();
    }
  });

  for (const flavour of ['sim800', 'quectel'] as const) {
    it(`a spontaneous reboot (${flavour} banners) is detected and the modem re-initialised`, async (t) => {
      const rig = await startRig({ flavour });
      try {
        const lost = nextEvent(rig.modem, 'lost', 5000);
        const at = Date.now();
        rig.sim.reboot();
        assert.equal((await lost)[0], 'modem rebooted (boot banner)');
        await nextEvent(rig.modem, 'recovered', 10_000);
        t.diagnostic(
          `${flavour} reboot: back ${Date.now() - at} ms after it started (boot 300 ms + settle 200 ms)`,
        );
        assert.equal(rig.modem.lastRecovery!.step, 'reinit');
        // Settings lost in the reboot are back: echo off, SMS notifications on.
        assert.equal(rig.sim.echo, false);
        assert.equal(rig.sim.cnmiMt, 1);
        rig.sim.deliverSms('+15550200', 'after reboot');
        await waitFor(() => rig.received.length === 1, 3000, 'sms after reboot');
      } finally {
        await rig.stop();
      }
    });
  }
});
