import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodePdu } from '../../daemon/sms/pdu/decode.ts';
import { encodeSubmit } from '../../daemon/sms/pdu/encode.ts';
import { packSeptets, septetOctets, textToSeptets } from '../../daemon/sms/pdu/gsm7-alphabet.ts';
import { hex } from '../../daemon/sms/pdu/hex.ts';

interface Case {
  id: string;
  pdu: string;
  expected: Record<string, unknown> & {
    udh?: { concat_ref: number; concat_parts: number; concat_seq: number }[];
  };
}
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/sms-pdu/node-pdu-vectors.json', import.meta.url), 'utf8'),
) as {
  decode: Case[];
  encode_submit: { id: string; input: { number: string; text: string }; pdu: string }[];
  gsm7_packing: { text: string; septets_hex: string; align_fill_bits?: number }[];
};
const plain = (s: unknown) => (typeof s === 'string' ? s.replace(/^\+/, '') : s);

describe('node-pdu (MIT) vectors', () => {
  for (const c of vectors.decode) {
    test(`decode ${c.id}`, () => {
      const d = decodePdu(c.pdu);
      const e = c.expected;
      assert.equal(d.fatal, false);
      if (e.type) assert.equal(d.type, e.type);
      if ('number' in e) assert.equal(plain(d.number), plain(e.number));
      if ('smsc' in e) assert.equal(plain(d.smsc), plain(e.smsc));
      if ('text' in e) assert.equal(d.text, e.text);
      if ('time' in e) assert.equal(d.time, e.time);
      if ('dcs' in e) assert.equal(d.dcs, e.dcs);
      if (e.udh) {
        const u = e.udh[0]!;
        assert.deepEqual(
          { ref: d.concat?.ref, parts: d.concat?.parts, seq: d.concat?.seq },
          { ref: u.concat_ref, parts: u.concat_parts, seq: u.concat_seq },
        );
      }
    });
  }
  for (const c of vectors.encode_submit) {
    test(`encode ${c.id}`, () => {
      assert.deepEqual(encodeSubmit({ to: c.input.number, text: c.input.text }).pdus, [c.pdu]);
    });
  }
  test('GSM-7 packing', () => {
    for (const c of vectors.gsm7_packing) {
      const septets = textToSeptets(c.text);
      assert.ok(septets, c.text);
      const fill = c.align_fill_bits ?? 0;
      const out = new Uint8Array(septetOctets(septets.length) + (fill ? 1 : 0));
      packSeptets(septets, out, fill);
      assert.equal(hex(out).slice(0, c.septets_hex.length), c.septets_hex, c.text);
    }
  });
});
