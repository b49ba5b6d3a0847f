import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerOffer, createOffer, PCMA, processAnswer } from './offer-answer.ts';
import { mediaDirection, parseSdp, rtcpPort, rtpMaps, serializeSdp } from './session-description.ts';

const SIPP_OFFER = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:30',
  'a=rtcp:6005',
  'm=video 6002 RTP/AVP 31',
  '',
].join('\r\n');

const local = { address: '192.0.2.10', rtpPort: 10000, sessionId: '1', sessionVersion: 1 };

test('parse → serialize keeps media, rtpmaps and unknown lines', () => {
  const r = parseSdp(SIPP_OFFER);
  assert.ok(r.ok);
  assert.equal(r.sdp.media.length, 2);
  const audio = r.sdp.media[0]!;
  assert.deepEqual(
    rtpMaps(audio).map((m) => `${m.payloadType}:${m.encoding}`),
    ['8:PCMA', '0:PCMU', '101:telephone-event'],
  );
  assert.equal(rtcpPort(audio), 6005);
  const again = parseSdp(serializeSdp(r.sdp));
  assert.ok(again.ok);
  assert.deepEqual(again.sdp, r.sdp);
});

test('answer picks the offerer-preferred common codec, telephone-event, ptime and rejects video', () => {
  const offer = parseSdp(SIPP_OFFER);
  assert.ok(offer.ok);
  const a = answerOffer(offer.sdp, local);
  assert.ok(a.ok);
  assert.equal(a.media.codec.encoding, 'PCMA');
  assert.equal(a.media.telephoneEventPayloadType, 101);
  assert.equal(a.media.ptimeMs, 30);
  assert.equal(a.media.remoteRtcpPort, 6005);
  assert.equal(a.answer.media.length, 2);
  assert.equal(a.answer.media[1]?.port, 0);
  const text = serializeSdp(a.answer);
  assert.match(text, /m=audio 10000 RTP\/AVP 8 101\r\n/);
  assert.match(text, /a=sendrecv/);
});

test('488 when no audio codec matches', () => {
  const offer = parseSdp(
    SIPP_OFFER.replace('8 0 101', '18').replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:18 G729/8000'),
  );
  assert.ok(offer.ok);
  const a = answerOffer(offer.sdp, local);
  assert.ok(!a.ok);
  assert.equal(a.status, 488);
});

test('hold and resume: sendonly offer gets recvonly, inactive stays inactive, 0.0.0.0 is hold', () => {
  for (const [offered, expected] of [
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
    ['sendrecv', 'sendrecv'],
  ] as const) {
    const offer = parseSdp(`${SIPP_OFFER.split('m=video')[0]}a=${offered}\r\n`);
    assert.ok(offer.ok);
    const a = answerOffer(offer.sdp, local);
    assert.ok(a.ok);
    assert.equal(a.media.direction, expected, offered);
    assert.equal(mediaDirection(a.answer, a.answer.media[0]!), expected);
    assert.equal(a.media.remoteHold, offered === 'sendonly' || offered === 'inactive');
  }
  const old = parseSdp(SIPP_OFFER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'));
  assert.ok(old.ok);
  const a = answerOffer(old.sdp, local);
  assert.ok(a.ok && a.media.remoteHold && a.media.direction === 'inactive');
});

test('IPv6 offer and answer round trip through processAnswer', () => {
  const offer = createOffer({
    ...local,
    address: '2001:db8::5',
    codecs: [PCMA],
    direction: 'sendonly',
    sessionVersion: 2,
  });
  const text = serializeSdp(offer);
  assert.match(text, /c=IN IP6 2001:db8::5/);
  assert.match(text, /a=rtcp:10001/);
  const parsedOffer = parseSdp(text);
  assert.ok(parsedOffer.ok);
  const answer = answerOffer(parsedOffer.sdp, { ...local, address: '2001:db8::6', rtpPort: 20000 });
  assert.ok(answer.ok);
  assert.equal(answer.media.direction, 'recvonly');
  const back = processAnswer(offer, answer.answer, { ...local, codecs: [PCMA], direction: 'sendonly' });
  assert.ok(back.ok);
  assert.equal(back.media.remoteAddress, '2001:db8::6');
  assert.equal(back.media.remoteRtpPort, 20000);
  assert.equal(back.media.direction, 'sendonly');
  assert.equal(back.media.codec.encoding, 'PCMA');
});

test('malformed SDP is a clear error, not a throw', () => {
  for (const bad of [
    '',
    'x=1',
    'v=0\r\no=bad',
    'v=0\r\no=a 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0',
    'v=0\r\no=a 1 1 IN IP4 h\r\nm=audio 5 RTP/AVP 0',
  ]) {
    const r = parseSdp(bad);
    assert.ok(!r.ok, bad);
    assert.ok(r.reason.length > 0);
  }
});
