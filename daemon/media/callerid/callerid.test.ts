import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isLinegateError } from '../../../drivers/base/errors.ts';
import type { CallerId } from '../../../drivers/line/types.ts';
import { generateDtmf } from '../dtmf/dtmf-generator.ts';
import { clampInt16, sineAmplitude } from '../tones/level.ts';
import { CallWaitingAckWatcher, type CallerIdEvent, demodulateCallerId } from './callerid-demodulator.ts';
import {
  callerIdChecksum,
  decodeCallerIdMessage,
  encodeMdmf,
  encodeMessageWaiting,
  encodeSdmf,
} from './callerid-message.ts';
import {
  callerIdTiming,
  dtmfClipDigits,
  generateAlertingSignal,
  modulateCallWaitingCallerId,
  modulateCallerId,
  modulateMessageWaiting,
} from './callerid-signals.ts';
import { frameBytes, modulateFsk } from './fsk.ts';

interface Vector {
  id: string;
  hex: string;
  appendHex?: string;
  checksumOk: boolean;
  format: string;
  number?: string;
  name?: string;
  absence?: string;
  time?: string;
}

const vectors = (
  JSON.parse(
    readFileSync(new URL('../../../test/fixtures/callerid/messages.json', import.meta.url), 'utf8'),
  ) as { vectors: Vector[] }
).vectors;

const CALLER: CallerId = {
  number: '5551234567',
  name: 'ADA LOVELACE',
  time: { month: 12, day: 10, hour: 18, minute: 15 },
};

function ids(events: CallerIdEvent[]) {
  return events.filter((e) => e.kind === 'callerId');
}

test('message vectors decode, and the two published wrong checksums are flagged', () => {
  for (const v of vectors) {
    const m = decodeCallerIdMessage(Buffer.from(v.hex + (v.appendHex ?? ''), 'hex'));
    assert.equal(m.checksumOk, v.checksumOk, v.id);
    assert.equal(m.format, v.format, v.id);
    assert.equal(m.callerId.number, v.number, v.id);
    assert.equal(m.callerId.name, v.name, v.id);
    if (v.absence) assert.equal(m.callerId.absence, v.absence, v.id);
    const t = m.callerId.time!;
    assert.equal(
      [t.month, t.day, t.hour, t.minute].map((n) => String(n).padStart(2, '0')).join(''),
      v.time,
      v.id,
    );
  }
  const wrong = decodeCallerIdMessage(Buffer.from(vectors[1]!.hex + '12', 'hex'));
  assert.equal(wrong.expectedChecksum, 0x0e);
});

test('encode → decode: SDMF, MDMF with name, private and unavailable, message waiting', () => {
  const sdmf = decodeCallerIdMessage(encodeSdmf(CALLER));
  assert.deepEqual(sdmf.callerId, { number: '5551234567', time: CALLER.time });
  assert.ok(sdmf.checksumOk);
  const mdmf = decodeCallerIdMessage(encodeMdmf(CALLER));
  assert.deepEqual(mdmf.callerId, CALLER);
  assert.equal(mdmf.format, 'mdmf');
  for (const absence of ['private', 'unavailable'] as const) {
    assert.equal(decodeCallerIdMessage(encodeMdmf({ absence, time: CALLER.time })).callerId.absence, absence);
    assert.equal(decodeCallerIdMessage(encodeSdmf({ absence, time: CALLER.time })).callerId.absence, absence);
  }
  for (const format of ['sdmf', 'mdmf'] as const) {
    for (const waiting of [true, false]) {
      const m = decodeCallerIdMessage(encodeMessageWaiting(waiting, format));
      assert.equal(m.kind, 'messageWaiting');
      assert.equal(m.messageWaiting, waiting);
      assert.ok(m.checksumOk);
    }
  }
  const all = encodeMdmf(CALLER);
  let sum = 0;
  for (const b of all) sum += b;
  assert.equal(sum & 0xff, 0);
  assert.equal(callerIdChecksum(Uint8Array.from([0x04, 0x01, 0x30])), 0xcb);
});

test('broken messages are MEDIA_INVALID errors, never crashes', () => {
  for (const hex of ['', '80', '8005010230', '800301053031', '99020000', '04ff00']) {
    assert.throws(
      () => decodeCallerIdMessage(Buffer.from(hex, 'hex')),
      (e) => isLinegateError(e, 'MEDIA_INVALID'),
      hex,
    );
  }
});

test('FSK framing and phase continuity', () => {
  assert.deepEqual(frameBytes(Uint8Array.from([0x55])), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  const s = modulateFsk(Uint8Array.from([0x80, 0x00, 0xff]), 'bell202', { seizureBits: 10, markBits: 10 });
  // A phase jump would show as a step far larger than a 2200 Hz sine's slope allows.
  const amp = sineAmplitude(-13);
  const maxStep = amp * 2 * Math.sin((Math.PI * 2200) / 8000) * 1.01;
  for (let i = 1; i < s.length; i++) assert.ok(Math.abs(s[i]! - s[i - 1]!) <= maxStep, `step at ${i}`);
  // 300 + 180 + 30 + 8 bits at 1200 baud.
  assert.equal(modulateFsk(Uint8Array.from([1, 2, 3]), 'v23').length, Math.ceil((518 * 8000) / 1200));
});

test('Bell 202 and V.23 caller ID round-trip through the demodulator, each named right', () => {
  for (const standard of ['bell', 'etsi'] as const) {
    for (const format of ['sdmf', 'mdmf'] as const) {
      if (standard === 'etsi' && format === 'sdmf') continue;
      for (const offHook of [false, true]) {
        const audio = new Int16Array(12000);
        audio.set(modulateCallerId(CALLER, standard, { format, offHook }), 777);
        const events = ids(demodulateCallerId(audio));
        assert.equal(events.length, 1, `${standard} ${format} ${offHook}`);
        const e = events[0]!;
        assert.equal(e.kind === 'callerId' && e.standard, standard);
        assert.ok(e.kind === 'callerId' && e.checksumOk);
        assert.equal(e.kind === 'callerId' && e.callerId.number, '5551234567');
        if (format === 'mdmf') assert.equal(e.kind === 'callerId' && e.callerId.name, 'ADA LOVELACE');
      }
    }
  }
});

test('message waiting over FSK', () => {
  const events = demodulateCallerId(modulateMessageWaiting(true, 'bell'));
  assert.deepEqual(
    events.map((e) => e.kind === 'messageWaiting' && e.waiting),
    [true],
  );
});

test('Bell 202 at 10 dB SNR and at −45 dBm0: every message right', () => {
  let seed = 99;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const signal = modulateCallerId(CALLER, 'bell');
  const noiseStd = Math.sqrt(sineAmplitude(-13) ** 2 / 2 / 10);
  for (let rep = 0; rep < 10; rep++) {
    const noisy = Int16Array.from(signal, (v) => clampInt16(v + gauss() * noiseStd));
    const events = ids(demodulateCallerId(noisy, { standards: ['bell'] }));
    assert.equal(events.length, 1, `rep ${rep}`);
    assert.equal(events[0]!.kind === 'callerId' && events[0]!.callerId.number, '5551234567');
  }
  const quiet = ids(demodulateCallerId(modulateCallerId(CALLER, 'bell', { levelDbm0: -45 })));
  assert.equal(quiet.length, 1);
  assert.ok(quiet[0]!.kind === 'callerId' && quiet[0]!.checksumOk);
});

test('a corrupted byte on the line is shown with checksumOk false', () => {
  const bytes = encodeMdmf(CALLER);
  bytes[5] = bytes[5]! ^ 0x01;
  const audio = modulateFsk(bytes, 'bell202');
  const events = ids(demodulateCallerId(audio));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.kind === 'callerId' && events[0]!.checksumOk, false);
});

test('DTMF CLIP: A…C number, B…C withheld / unavailable', () => {
  assert.equal(dtmfClipDigits({ number: '+44 20 7946 0000' }), 'A442079460000C');
  assert.equal(dtmfClipDigits({ absence: 'private' }), 'B10C');
  assert.equal(dtmfClipDigits({ absence: 'unavailable' }), 'B00C');
  const events = ids(demodulateCallerId(modulateCallerId({ number: '0123456789' }, 'dtmf')));
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.kind === 'callerId' && e.standard, 'dtmf');
  assert.equal(e.kind === 'callerId' && e.callerId.number, '0123456789');
  const hidden = ids(demodulateCallerId(modulateCallerId({ absence: 'private' }, 'dtmf')));
  assert.equal(hidden[0]?.kind === 'callerId' && hidden[0].callerId.absence, 'private');
});

test('ETSI with DT-AS: the alerting signal, then the data', () => {
  const audio = modulateCallerId(CALLER, 'etsi', { withDtas: true });
  const events = demodulateCallerId(audio);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['alerting', 'callerId'],
  );
  const timing = callerIdTiming('etsi');
  assert.equal(timing.alerting, 'dtas');
  assert.ok(timing.polarityReversal && timing.dtas);
  assert.equal(callerIdTiming('bell').alerting, 'afterFirstRing');
  assert.equal(callerIdTiming('etsi', 'ringPulse').ringPulseMs > 0, true);
});

test('call-waiting caller ID: CAS detected (80 ms), 200 ms 2130+2750 is not CAS, and the ACK watcher', () => {
  const events = demodulateCallerId(modulateCallWaitingCallerId(CALLER));
  assert.equal(events[0]?.kind, 'alerting');
  assert.ok(events[0]?.kind === 'alerting' && Math.abs(events[0].durationMs - 80) <= 10);
  assert.equal(ids(events).length, 1);
  assert.deepEqual(demodulateCallerId(generateAlertingSignal({ durationMs: 200 })), []);

  const ack = new CallWaitingAckWatcher();
  const reply = new Int16Array(1600);
  reply.set(generateDtmf('D', { onMs: 60, offMs: 0 }), 400);
  let verdict: string | null = null;
  for (let i = 0; i < reply.length && !verdict; i += 160) verdict = ack.process(reply.subarray(i, i + 160));
  assert.equal(verdict, 'ack');
  const none = new CallWaitingAckWatcher();
  let v2: string | null = null;
  for (let i = 0; i < 20 && !v2; i++) v2 = none.process(new Int16Array(160));
  assert.equal(v2, 'timeout');
});

test('noise, tones and DTMF digits make no caller ID', () => {
  let seed = 3;
  const noise = Int16Array.from({ length: 80000 }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return clampInt16((seed / 2 ** 32 - 0.5) * 20000);
  });
  assert.deepEqual(demodulateCallerId(noise), []);
  const mark = Int16Array.from({ length: 16000 }, (_, i) => 5000 * Math.sin((2 * Math.PI * 1200 * i) / 8000));
  assert.deepEqual(demodulateCallerId(mark), []);
  assert.deepEqual(demodulateCallerId(generateDtmf('0123456789')), []);
});
