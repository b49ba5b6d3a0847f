import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { encodeSubmit } from '../../drivers/modem/sim/sim-pdu.ts';
import { HAVE_SOCAT, SKIP_REASON, startRig, waitFor } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AtGsmModem over a socat PTY: traffic while the port vanishes and the modem reboots', {
  skip: HAVE_SOCAT ? false : SKIP_REASON,
}, () => {
  it('loses no inbound SMS; every outbound SMS goes out, any duplicate was flagged maybeSent', async (t) => {
    const N = 80;
    const rig = await startRig({ storageSize: 10 }, { readyWaitMs: 30_000 });
    try {
      rig.sim.cmgsDelayMs = 20;
      const seen = new Set<string>();
      rig.modem.on('sms', (s) => {
        seen.add(s.pdu);
        // The SMS layer: persist (here: the set), then delete with the PDU it stored.
        rig.modem.deleteSms(s.storage!, s.index!, s.pdu).catch(() => {});
      });
      const faults = (async () => {
        for (const f of ['vanish', 'reboot', 'vanish']) {
          await sleep(700);
          if (f === 'reboot') rig.sim.reboot();
          else {
            await rig.sim.vanish();
            await sleep(300);
            await rig.sim.comeBack();
          }
        }
      })();
      const sending = (async () => {
        let maybeSent = 0;
        for (let i = 0; i < N; i++) {
          for (let attempt = 0; ; attempt++) {
            try {
              await rig.modem.sendSms(encodeSubmit({ to: '+15557654', text: `out ${i}` }));
              break;
            } catch (e) {
              assert.ok(isLinegateError(e) && e.details?.retryable === true && attempt < 20, String(e));
              if (e.details?.maybeSent) maybeSent++;
              await sleep(100);
            }
          }
        }
        return maybeSent;
      })();
      for (let i = 0; i < N; i++) {
        rig.sim.deliverSms('+15551234', `in ${i}`);
        await sleep(30);
      }
      const maybeSent = await sending;
      await faults;
      await waitFor(() => seen.size === N && rig.sim.storage('SM').size === 0, 15_000, 'every inbound SMS');
      const texts = rig.sim.sent().map((s) => s.text);
      const distinct = new Set(texts);
      assert.equal(distinct.size, N);
      const duplicates = texts.length - distinct.size;
      assert.ok(duplicates <= maybeSent, `${duplicates} duplicates but only ${maybeSent} flagged`);
      t.diagnostic(
        `${N} in / ${N} out, 2 port losses + 1 reboot: inbound lost 0; outbound duplicates ${duplicates} (flagged maybeSent ${maybeSent})`,
      );
    } finally {
      await rig.stop();
    }
  });
});
