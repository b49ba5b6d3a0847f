import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HAVE_SOCAT, nextEvent, SKIP_REASON, startRig, waitFor } from './harness.ts';

describe('AtGsmModem over a socat PTY: calls and USSD', { skip: HAVE_SOCAT ? false : SKIP_REASON }, () => {
  it('incoming call: ring with CLIP, answer, the far end hangs up', async () => {
    const rig = await startRig({ ringIntervalMs: 300 });
    try {
      const ring = nextEvent(rig.modem, 'ring', 3000);
      rig.sim.incomingCall('+15559876');
      assert.deepEqual((await ring)[0], { number: '+15559876' });
      await rig.modem.answer();
      assert.equal(rig.sim.status().call.state, 'active');
      await rig.modem.sendDtmf('12#');
      assert.equal(rig.sim.dtmf, '12#');
      const ended = nextEvent(rig.modem, 'callEnded', 3000);
      rig.sim.remoteHangup();
      assert.equal((await ended)[0], 'NO CARRIER');
      assert.equal(rig.modem.callState, 'idle');
    } finally {
      await rig.stop();
    }
  });

  it('incoming call with +CRING (Huawei flavour) and a caller who gives up', async () => {
    const rig = await startRig({ flavour: 'huawei', ringIntervalMs: 300 });
    try {
      const ring = nextEvent(rig.modem, 'ring', 3000);
      rig.sim.incomingCall('5550000');
      assert.equal((await ring)[0].number, '5550000');
      assert.equal(rig.modem.profile.name, 'huawei');
      await waitFor(() => rig.events.filter((e) => e.startsWith('ring')).length >= 2, 3000, 'second ring');
      const ended = nextEvent(rig.modem, 'callEnded', 3000);
      rig.sim.remoteHangup();
      assert.equal((await ended)[0], 'missed');
    } finally {
      await rig.stop();
    }
  });

  it('outgoing call: dial, answered (CLCC polling), local hangup', async () => {
    const rig = await startRig();
    try {
      await rig.modem.dial('+15551212');
      assert.equal(rig.sim.status().call.number, '+15551212');
      const answered = nextEvent(rig.modem, 'callAnswered', 3000);
      rig.sim.remoteAnswer();
      await answered;
      const ended = nextEvent(rig.modem, 'callEnded', 3000);
      await rig.modem.hangup();
      assert.equal((await ended)[0], 'local hangup');
      assert.equal(rig.sim.status().call.state, 'idle');
    } finally {
      await rig.stop();
    }
  });

  it('USSD packed GSM-7 both ways on Huawei', async () => {
    const rig = await startRig({ flavour: 'huawei' });
    try {
      assert.equal(await rig.modem.ussd('*100#'), 'Your balance is 10.00');
    } finally {
      await rig.stop();
    }
  });

  it('USSD request and answer; an unknown code reports not supported', async () => {
    const rig = await startRig();
    try {
      assert.equal(await rig.modem.ussd('*100#'), 'Your balance is 10.00');
      rig.sim.ussdReplies.set('*101#', 'Menu: 1 Balance 2 Bundles');
      assert.equal(await rig.modem.ussd('*101#'), 'Menu: 1 Balance 2 Bundles');
      await assert.rejects(
        rig.modem.ussd('*999#'),
        (e: unknown) => (e as { code: string }).code === 'AT_ERROR',
      );
    } finally {
      await rig.stop();
    }
  });
});
