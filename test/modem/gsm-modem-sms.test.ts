import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSubmit, encodeSubmit } from '../../drivers/modem/sim/sim-pdu.ts';
import { HAVE_SOCAT, SKIP_REASON, startRig, waitFor } from './harness.ts';

/** Sender digits of a DELIVER / recipient of a STATUS-REPORT, read straight from the hex (test-side check). */
function statusReportReference(pdu: string): number {
  const smscLen = Number.parseInt(pdu.slice(0, 2), 16);
  return Number.parseInt(pdu.slice(4 + smscLen * 2, 6 + smscLen * 2), 16);
}

describe('AtGsmModem over a socat PTY: SMS', { skip: HAVE_SOCAT ? false : SKIP_REASON }, () => {
  it('opens: identity, SIM, network state', async () => {
    const rig = await startRig({ flavour: 'sim800', imei: '867698040000042', iccid: '89014103211118510720' });
    try {
      const info = rig.modem.info!;
      assert.equal(info.imei, '867698040000042');
      assert.equal(info.iccid, '89014103211118510720');
      assert.equal(info.profile, 'sim800');
      assert.deepEqual(rig.modem.network, {
        sim: 'ready',
        registration: 'home',
        operator: 'Linegate Sim',
        technology: 'gsm',
        signalDbm: -73,
      });
      // Echo was on at power-up and is now off; notifications are on.
      assert.equal(rig.sim.echo, false);
      assert.equal(rig.sim.cnmiMt, 1);
    } finally {
      await rig.stop();
    }
  });

  it('receives: +CMTI → read → sms event → deleted only when the SMS layer says so', async () => {
    const rig = await startRig();
    try {
      rig.sim.deliverSms('+15551234', 'hello from the network');
      await waitFor(() => rig.received.length === 1, 3000, 'sms event');
      const sms = rig.received[0]!;
      assert.equal(sms.storage, 'SM');
      assert.equal(sms.statusReport, false);
      assert.match(sms.pdu, /^07915155000000F0040B915155214300F4|^07915155000000F004089151552143/);
      // Still on the SIM until the SMS layer has persisted it.
      assert.equal(rig.sim.storage('SM').size, 1);
      await rig.modem.deleteSms(sms.storage!, sms.index!);
      assert.equal(rig.sim.storage('SM').size, 0);
    } finally {
      await rig.stop();
    }
  });

  it('lists messages stored before start, including a multipart UCS-2 one, and tolerates "SL" storage', async () => {
    const rig = await startRig({}, {}, false);
    try {
      rig.sim.storage('SM');
      rig.sim.deliverSms('+15550002', 'Привет 😀 '.repeat(10));
      rig.sim.deliverSms('+15550003', 'stored while we were down');
      await rig.modem.open(new AbortController().signal);
      await waitFor(() => rig.received.length === 3, 3000, 'stored messages');
      assert.deepEqual(
        rig.received.map((r) => r.index),
        [1, 2, 3],
      );
      // SIM800L has announced a corrupted storage name; the modem scans instead of guessing.
      rig.sim.storage('SM').set(7, { stat: 0, pdu: rig.received[2]!.pdu.replace(/..$/, '00') });
      rig.sim.urc('+CMTI: "SL",7     ');
      await waitFor(() => rig.received.length === 4, 3000, 'scan after odd storage');
      assert.equal(rig.received[3]!.index, 7);
    } finally {
      await rig.stop();
    }
  });

  it('storage full: reads everything out, and held messages arrive after deletion', async () => {
    const rig = await startRig({ storageSize: 5 });
    try {
      rig.sim.fillStorage();
      rig.sim.deliverSms('+15559999', 'arrives once there is room');
      assert.equal(rig.sim.status().storage.pending, 1);
      // The health probe sees used == total and lists the storage.
      await waitFor(() => rig.received.length === 5, 3000, 'full storage read');
      for (const s of [...rig.received]) await rig.modem.deleteSms(s.storage!, s.index!);
      await waitFor(() => rig.received.length === 6, 3000, 'held message');
      assert.equal(rig.sim.status().storage.pending, 0);
    } finally {
      await rig.stop();
    }
  });

  it('sends PDUs with the prompt and returns message references', async () => {
    const rig = await startRig();
    try {
      const pdus = encodeSubmit({ to: '+15557654', text: `long ${'x'.repeat(200)}` });
      const refs = await rig.modem.sendSms(pdus);
      assert.deepEqual(refs, [0, 1]);
      const sent = rig.sim.sent();
      assert.equal(sent.length, 2);
      assert.equal(sent[0]!.to, '+15557654');
      assert.equal(sent.map((s) => s.text).join(''), `long ${'x'.repeat(200)}`);
    } finally {
      await rig.stop();
    }
  });

  it('maps a +CMS ERROR to AT_ERROR with the code and retryable flag', async () => {
    const rig = await startRig();
    try {
      rig.sim.cmgsFailure = '+CMS ERROR: 38';
      await assert.rejects(rig.modem.sendSms(encodeSubmit({ to: '+1555', text: 'x' })), (e: unknown) => {
        const err = e as { code: string; details: Record<string, unknown> };
        return err.code === 'AT_ERROR' && err.details.code === 38 && err.details.retryable === true;
      });
      rig.sim.cmgsFailure = '+CMS ERROR: 304';
      await assert.rejects(rig.modem.sendSms(encodeSubmit({ to: '+1555', text: 'x' })), (e: unknown) => {
        const err = e as { code: string; details: Record<string, unknown> };
        return err.details.code === 304 && err.details.retryable === false;
      });
    } finally {
      await rig.stop();
    }
  });

  for (const flavour of ['generic', 'quectel'] as const) {
    it(`status report reaches the right reference (${flavour}${flavour === 'quectel' ? ': +CDSI "SM" but stored in "SR"' : ''})`, async () => {
      const rig = await startRig({ flavour });
      try {
        await rig.modem.sendSms(encodeSubmit({ to: '+15551111', text: 'first' }));
        const [ref] = await rig.modem.sendSms(
          encodeSubmit({ to: '+15552222', text: 'report me', statusReport: true }),
        );
        await waitFor(() => rig.received.some((r) => r.statusReport), 3000, 'status report');
        const report = rig.received.find((r) => r.statusReport)!;
        assert.equal(report.storage, 'SR');
        assert.equal(statusReportReference(report.pdu), ref);
        assert.equal(decodeSubmit(rig.sim.sent()[1]!.pdu).statusReportRequested, true);
        await rig.modem.deleteSms('SR', report.index!);
        assert.equal(rig.sim.storage('SR').size, 0);
      } finally {
        await rig.stop();
      }
    });
  }

  it('enters the configured PIN; never spends the last attempt', async () => {
    const ok = await startRig({ pin: '1234' }, { pin: '1234' });
    try {
      assert.equal(ok.modem.network.sim, 'ready');
    } finally {
      await ok.stop();
    }
    const last = await startRig({ pin: '1234', flavour: 'sim800' }, { pin: '9999' }, false);
    try {
      last.sim.pinAttempts = 1;
      await last.modem.open(new AbortController().signal);
      assert.equal(last.modem.network.sim, 'pin');
      assert.equal(last.sim.pinAttempts, 1);
      assert.ok(!last.sim.sent().length);
    } finally {
      await last.stop();
    }
    const wrong = await startRig({ pin: '1234', flavour: 'quectel' }, { pin: '9999' });
    try {
      assert.equal(wrong.modem.network.sim, 'pin');
      assert.equal(wrong.sim.pinAttempts, 2, 'one attempt spent, then never again');
    } finally {
      await wrong.stop();
    }
  });
});
