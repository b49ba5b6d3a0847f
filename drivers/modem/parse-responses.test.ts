import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  csqToDbm,
  parseClip,
  parseCmgl,
  parseCmgr,
  parseCops,
  parseCpms,
  parseCreg,
  parseStorageIndex,
} from './parse-responses.ts';
import { PROFILES, parseAttempts, profileFor } from './profiles.ts';
import { parseCusd, ussdAlphabet } from './ussd.ts';

describe('27.007/27.005 response parsing', () => {
  it('CSQ → dBm (27.007 §8.5), 99 unknown', () => {
    assert.equal(csqToDbm(0), -113);
    assert.equal(csqToDbm(20), -73);
    assert.equal(csqToDbm(31), -51);
    assert.equal(csqToDbm(99), undefined);
  });

  it('+CREG in query and unsolicited forms, quoted or Huawei-style unquoted', () => {
    assert.deepEqual(parseCreg('+CREG: 2,1,"00A8","5355E8D",7', true), {
      registration: 'home',
      technology: 'lte',
    });
    assert.deepEqual(parseCreg('+CREG: 5,"00A8","5355E8D",2', false), {
      registration: 'roaming',
      technology: 'umts',
    });
    assert.deepEqual(parseCreg('+CREG: 1, E006B, ABE0016', false), { registration: 'home' });
    assert.deepEqual(parseCreg('+CREG: 0,3', true), { registration: 'denied' });
    assert.deepEqual(parseCreg('+CEREG: 2', false), { registration: 'searching' });
    // Mismatched quote: no crash, something sensible.
    assert.ok(parseCreg('+CREG: 2,1,"0B,"0100701",7', true));
    assert.equal(parseCreg('+CREG: x', true), undefined);
  });

  it('+COPS operator and technology', () => {
    assert.deepEqual(parseCops('+COPS: 0,0,"NOS",7'), { operator: 'NOS', technology: 'lte' });
    assert.deepEqual(parseCops('+COPS: 0'), {});
  });

  it('+CMTI/+CDSI storage and index, odd storage and trailing spaces kept', () => {
    assert.deepEqual(parseStorageIndex('"SM",8'), { storage: 'SM', index: 8 });
    assert.deepEqual(parseStorageIndex('"SL",1     '), { storage: 'SL', index: 1 });
    assert.equal(parseStorageIndex('"SM",'), undefined);
  });

  it('+CLIP with and without the optional fields; withheld caller', () => {
    assert.deepEqual(parseClip('"+1234567890",145,,,,0'), { number: '+1234567890' });
    assert.deepEqual(parseClip('"+27820001111",145'), { number: '+27820001111' });
    assert.deepEqual(parseClip('"",128,,,,1'), { absence: 'private' });
    assert.deepEqual(parseClip('"",128,,,"Alice",2'), { name: 'Alice', absence: 'unavailable' });
  });

  it('+CMGL/+CMGR PDU listings, tolerating an empty <stat> and a stray quote', () => {
    const listed = parseCmgl(['+CMGL: 1,0,,5', '0011AABBCC', '+CMGL: 4,1,"",5', '0011AABBDD"', 'garbage']);
    assert.deepEqual(listed, [
      { index: 1, stat: 0, pdu: '0011AABBCC' },
      { index: 4, stat: 1, pdu: '0011AABBDD' },
    ]);
    assert.deepEqual(parseCmgr(['+CMGR: ,,92', '07911326']), { stat: 1, pdu: '07911326' });
    assert.equal(parseCmgr([]), undefined);
    assert.equal(parseCmgr(['+CMGR: 0,,5', 'not hex']), undefined);
  });

  it('+CPMS in query and set forms', () => {
    assert.deepEqual(parseCpms('+CPMS: "SM",30,30,"SM",30,30,"SM",30,30'), { used: 30, total: 30 });
    assert.deepEqual(parseCpms('+CPMS: 0,50,0,50,0,50'), { used: 0, total: 50 });
  });
});

describe('USSD data coding', () => {
  it('picks the alphabet from the DCS (23.038 §5)', () => {
    assert.equal(ussdAlphabet(15), 'gsm7');
    assert.equal(ussdAlphabet(0x48), 'ucs2');
    assert.equal(ussdAlphabet(0x44), '8bit');
    assert.equal(ussdAlphabet(0x11), 'ucs2-lang');
  });

  it('decodes text, UCS-2 hex, packed GSM-7 (Huawei) and UCS-2 sent with DCS 15', () => {
    assert.deepEqual(parseCusd('0,"Balance: 5.00",15'), { status: 0, text: 'Balance: 5.00', dcs: 15 });
    assert.equal(parseCusd('0,"04110430043B0430043D0441",72').text, 'Баланс');
    // "*100#" packed as GSM-7 septets.
    assert.equal(parseCusd('0,"AA180C3602",15', { packedGsm7: true }).text, '*100#');
    assert.equal(parseCusd('2,"00480061007600690020",15').text, 'Havi ');
    assert.equal(parseCusd('4').status, 4);
    // A plain numeric answer stays text.
    assert.equal(parseCusd('0,"1234",15').text, '1234');
  });
});

describe('vendor profiles', () => {
  it('recognises modems from their identity', () => {
    assert.equal(profileFor('SIMCOM_Ltd SIMCOM_SIM800L').name, 'sim800');
    assert.equal(profileFor('SIMCOM INCORPORATED SIMCOM_SIM7600E-H').name, 'sim7600');
    assert.equal(profileFor('Quectel EG25').name, 'quectel');
    assert.equal(profileFor('huawei E1752').name, 'huawei');
    assert.equal(profileFor('Telit HE910').name, 'generic');
  });

  it('Quectel reads status reports from SR whatever +CDSI says', () => {
    assert.equal(PROFILES.quectel.trustCdsiStorage, false);
    assert.equal(PROFILES.quectel.statusReportStorage, 'SR');
  });

  it('parses vendor attempt counters', () => {
    assert.deepEqual(parseAttempts(['+SPIC: 3,10,3,10']), { pin: 3, puk: 10 });
    assert.deepEqual(parseAttempts(['+QPINC: "SC",1,10']), { pin: 1, puk: 10 });
    assert.deepEqual(parseAttempts(['^CPIN: SIM PIN,3,10,3,10,3']), { puk: 10, pin: 3 });
    assert.deepEqual(parseAttempts(['OK']), {});
  });
});
