/** Vectors written by hand from 3GPP TS 23.040 / TS 23.038 (see test/fixtures/sms-pdu/SOURCE.md). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodePdu } from './decode.ts';
import { encodeDeliver, encodeStatusReport, encodeSubmit, previewSms } from './encode.ts';
import { encodeTimestamp, relativeValidityToSeconds, secondsToRelativeValidity } from './fields.ts';
import { hex } from './hex.ts';

describe('decode, hand-made vectors', () => {
  test('SUBMIT "Hi" to an international number (TS 23.040 9.2.2.2)', () => {
    // 00 SMSC absent | 01 SUBMIT | 00 MR | 0D 91 94 51 11 32 54 76 F8 (13 digits, filler F) | PID 00 | DCS 00 | UDL 02 | C8 34
    const d = decodePdu('0001000D91945111325476F80000' + '02C834');
    assert.deepEqual(
      { type: d.type, number: d.number, text: d.text, encoding: d.encoding, errors: d.errors },
      { type: 'SMS-SUBMIT', number: '+4915112345678', text: 'Hi', encoding: 'gsm7', errors: [] },
    );
  });

  test('STATUS-REPORT with reference, times and status', () => {
    const d = decodePdu('00062A0B919471214365F7' + '62105101030040' + '62105101035040' + '00');
    assert.equal(d.type, 'SMS-STATUS-REPORT');
    assert.equal(d.reference, 42);
    assert.equal(d.number, '+49171234567');
    assert.equal(d.time, '2026-01-15T10:30:00+01:00');
    assert.equal(d.discharge, '2026-01-15T10:30:05+01:00');
    assert.equal(d.status, 0);
    assert.equal(d.statusCategory, 'delivered');
    assert.deepEqual(d.errors, []);
  });

  test('status categories: 0x20-0x3F still trying, 0x40 and up failed', () => {
    const base = '00062A0B919471214365F76210510103004062105101035040';
    assert.equal(decodePdu(base + '30').statusCategory, 'pending');
    assert.equal(decodePdu(base + '41').statusCategory, 'failed');
    assert.equal(decodePdu(base + '62').statusCategory, 'failed');
  });

  test('reserved MTI and non-hex are fatal, never thrown', () => {
    assert.equal(decodePdu('0003').fatal, true);
    assert.equal(decodePdu('zz').fatal, true);
    assert.equal(decodePdu('').fatal, true);
    assert.match(decodePdu('0003').errors.join(), /reserved message type/);
  });

  test('truncated PDU: every prefix decodes without throwing and is flagged', () => {
    const full = encodeDeliver({ from: '+441234567890', text: 'Truncate me, please', timeMs: 0 }).pdus[0]!;
    for (let n = 2; n < full.length; n += 2) {
      const d = decodePdu(full.slice(0, n));
      assert.ok(d.errors.length > 0, `prefix of ${n / 2} octets must be flagged`);
    }
    assert.deepEqual(decodePdu(full).errors, []);
  });

  test('wrong UDL: decoded as far as present and flagged', () => {
    const pdu = encodeDeliver({ from: '+441234567890', text: 'Hello', timeMs: 0 }).pdus[0]!;
    // UDL is the octet before the 5 packed septets (5 octets): announce 20 septets.
    const broken = pdu.slice(0, -12) + '14' + pdu.slice(-10);
    const d = decodePdu(broken);
    assert.equal(d.text.slice(0, 5), 'Hello');
    assert.match(d.errors.join(), /wrong UDL/);
  });

  test('bad BCD in the timestamp and a filler inside the number are flagged', () => {
    const d = decodePdu('00000B91F47121436587' + '0000' + 'A2105101030040' + '01' + '41');
    assert.equal(d.time, null);
    assert.match(d.errors.join(), /bad BCD in TP-SCTS/);
    assert.match(d.errors.join(), /filler F/);
  });

  test('unknown DCS (reserved group 0x8x) is read as GSM-7 and flagged', () => {
    const d = decodePdu('00000B919471214365F70084' + '62105101030040' + '02C834');
    assert.equal(d.text, 'Hi');
    assert.match(d.errors.join(), /unknown DCS 0x84/);
  });

  test('class 0 and 8-bit data via DCS group F', () => {
    const d = decodePdu('00000B919471214365F700F4' + '62105101030040' + '03010203');
    assert.equal(d.encoding, '8bit');
    assert.equal(d.messageClass, 0);
    assert.equal(d.data, '010203');
  });

  test('fuzz: random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = decodePdu(hex(bytes));
        assert.ok(Array.isArray(d.errors));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encode', () => {
  test('single GSM-7 SUBMIT with status report, validity and SMSC', () => {
    const { pdus, encoding } = encodeSubmit({
      to: '+49171234567',
      text: 'Hi',
      smsc: '+491710760000',
      statusReport: true,
      validitySeconds: 86_400,
    });
    assert.equal(encoding, 'gsm7');
    // 07 91 9471 0167 0000 (12 digits, no filler) | 31 = SUBMIT+VPF relative+SRR | 00 | DA | 00 00 | A7 = 1 day | 02 C834
    assert.deepEqual(pdus, ['0791947101670000' + '3100' + '0B919471214365F7' + '0000A7' + '02C834']);
    const d = decodePdu(pdus[0]!);
    assert.equal(d.statusReportRequested, true);
    assert.equal(d.validityRelativeSeconds, 86_400);
    assert.equal(d.smsc, '+491710760000');
  });

  test('relative validity steps (TS 23.040 9.2.3.12.1)', () => {
    assert.equal(secondsToRelativeValidity(300), 0);
    assert.equal(secondsToRelativeValidity(43_200), 143);
    assert.equal(secondsToRelativeValidity(2 * 86_400), 168);
    assert.equal(relativeValidityToSeconds(255), 63 * 7 * 86_400);
  });

  test('flash SMS sets class 0 in the DCS', () => {
    const d = decodePdu(encodeSubmit({ to: '123', text: 'x', flash: true }).pdus[0]!);
    assert.equal(d.dcs, 0x10);
    assert.equal(d.messageClass, 0);
  });

  test('extension characters cost two septets and survive a round trip', () => {
    const text = 'Price: 5€ [a|b] {c} ~\\^';
    const d = decodePdu(encodeSubmit({ to: '+1555', text }).pdus[0]!);
    assert.equal(d.text, text);
    assert.deepEqual(previewSms('€'), { encoding: 'gsm7', segments: 1, charsLeft: 158 });
  });

  test('segment boundaries: 160/161 GSM-7, 70/71 UCS-2', () => {
    assert.deepEqual(previewSms('a'.repeat(160)), { encoding: 'gsm7', segments: 1, charsLeft: 0 });
    assert.deepEqual(previewSms('a'.repeat(161)), { encoding: 'gsm7', segments: 2, charsLeft: 145 });
    assert.deepEqual(previewSms('я'.repeat(70)), { encoding: 'ucs2', segments: 1, charsLeft: 0 });
    assert.deepEqual(previewSms('я'.repeat(71)), { encoding: 'ucs2', segments: 2, charsLeft: 63 });
    assert.deepEqual(previewSms(''), { encoding: 'gsm7', segments: 1, charsLeft: 160 });
  });

  test('an escape pair is never split across segments', () => {
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    const { pdus } = encodeSubmit({ to: '+1555', text, concatRef: 7 });
    const parts = pdus.map((p) => decodePdu(p));
    assert.equal(parts[0]!.text, 'a'.repeat(152));
    assert.equal(parts.map((p) => p.text).join(''), text);
  });

  test('a surrogate pair is never split across UCS-2 segments', () => {
    const text = 'я'.repeat(66) + '😀' + 'я'.repeat(5);
    const { pdus, encoding } = encodeSubmit({ to: '+1555', text, concatRef: 9 });
    assert.equal(encoding, 'ucs2');
    const parts = pdus.map((p) => decodePdu(p));
    assert.equal(parts[0]!.text, 'я'.repeat(66));
    assert.equal(parts[1]!.text.codePointAt(0), 0x1f600);
    assert.equal(parts.map((p) => p.text).join(''), text);
  });

  test('8- and 16-bit concatenation headers round-trip', () => {
    const text = 'x'.repeat(400);
    for (const refBits of [8, 16] as const) {
      const { pdus } = encodeSubmit({ to: '+1555', text, concatRef: 300, concatRefBits: refBits });
      assert.equal(pdus.length, refBits === 8 ? 3 : 3);
      const parts = pdus.map((p) => decodePdu(p));
      parts.forEach((p, i) => {
        assert.deepEqual(p.concat, { ref: refBits === 8 ? 300 & 0xff : 300, parts: 3, seq: i + 1, refBits });
        assert.deepEqual(p.errors, []);
      });
      assert.equal(parts.map((p) => p.text).join(''), text);
    }
  });

  test('national single shift (Turkish) keeps GSM-7 when allowed', () => {
    const text = 'Güle güle, ışık ve şeker';
    assert.equal(previewSms(text).encoding, 'ucs2');
    const preview = previewSms(text, { allowNationalShift: true });
    assert.equal(preview.encoding, 'gsm7');
    assert.equal(preview.language, 1);
    const d = decodePdu(encodeSubmit({ to: '+90555', text, allowNationalShift: true }).pdus[0]!);
    assert.equal(d.text, text);
    assert.deepEqual(
      d.udh.map((u) => [u.iei, u.language]),
      [[0x24, 1]],
    );
  });

  test('alphanumeric originator in a DELIVER', () => {
    const d = decodePdu(
      encodeDeliver({ from: 'Linegate', text: 'hi', timeMs: Date.UTC(2026, 0, 2, 3, 4, 5) }).pdus[0]!,
    );
    assert.equal(d.number, 'Linegate');
    assert.equal(d.time, '2026-01-02T03:04:05+00:00');
  });

  test('timestamp with a negative zone', () => {
    assert.equal(hex(encodeTimestamp(Date.UTC(2007, 3, 13, 7, 25, 42), -480)), '7040213252242B');
  });

  test('status report encoder matches the hand vector', () => {
    const pdu = encodeStatusReport({
      recipient: '+49171234567',
      reference: 42,
      status: 0,
      timeMs: Date.UTC(2026, 0, 15, 10, 30, 0),
      dischargeMs: Date.UTC(2026, 0, 15, 10, 30, 5),
    });
    assert.equal(pdu, '00062A0B919471214365F7' + '62105101030000' + '62105101035000' + '00');
  });

  test('bad number is refused', () => {
    assert.throws(() => encodeSubmit({ to: 'not a number', text: 'x' }));
  });
});
