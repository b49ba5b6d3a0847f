import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSubmit, encodeDeliver, encodeStatusReport, encodeSubmit } from './sim-pdu.ts';

describe('simulator PDUs', () => {
  it('encodes the 23.040 "How are you?" DELIVER (zone 0)', () => {
    const [pdu] = encodeDeliver({
      from: '+31641600986',
      text: 'How are you?',
      smsc: '+31624000000',
      epochMs: Date.UTC(2002, 7, 26, 19, 37, 41),
    });
    assert.equal(pdu, '07911326040000F0040B911346610089F60000208062917314000CC8F71D14969741F977FD07');
  });

  it('decodes the classic "hellohello" SUBMIT', () => {
    const d = decodeSubmit('0011000B916407281553F80000AA0AE8329BFD4697D9EC37');
    assert.equal(d.to, '+46708251358');
    assert.equal(d.text, 'hellohello');
    assert.equal(d.statusReportRequested, false);
  });

  it('round-trips long GSM-7 and UCS-2 with emoji through SUBMIT', () => {
    const long = 'x'.repeat(150) + '{[]}€' + 'y'.repeat(150);
    const parts = encodeSubmit({ to: '+15551234', text: long, statusReport: true });
    assert.equal(parts.length, 3);
    const decoded = parts.map(decodeSubmit);
    assert.equal(decoded.map((d) => d.text).join(''), long);
    assert.deepEqual(
      decoded.map((d) => d.concat?.seq),
      [1, 2, 3],
    );
    assert.ok(decoded.every((d) => d.statusReportRequested));
    const emoji = 'Grüße 😀 '.repeat(12);
    const u = encodeSubmit({ to: '5551234', text: emoji }).map(decodeSubmit);
    assert.equal(u.map((d) => d.text).join(''), emoji);
    assert.equal(u[0]!.to, '5551234');
  });

  it('encodes a STATUS-REPORT with the message reference', () => {
    const pdu = encodeStatusReport({ mr: 0x2a, recipient: '+15551234', submittedMs: 0, dischargedMs: 0 });
    assert.match(pdu, /^07915155000000F0062A08915155214307101000000000/);
    assert.ok(pdu.endsWith('00'));
  });
});
