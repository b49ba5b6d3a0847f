/**
 * Talk-off: speech and music must not produce DTMF digits, call-progress
 * tones or caller ID. Real synthetic speech from espeak-ng in ten languages
 * and a range of pitches (skipped when espeak-ng is missing), plus our own
 * deterministic speech-like and music-like signals (always run).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { demodulateCallerId } from '../../daemon/media/callerid/callerid-demodulator.ts';
import { detectDtmf } from '../../daemon/media/dtmf/dtmf-detector.ts';
import { classifyTones } from '../../daemon/media/tones/tone-classifier.ts';
import { resample } from '../../daemon/media/wav/resample.ts';
import { decodeWav } from '../../daemon/media/wav/wav.ts';
import { musicLike, speechLike } from './synthetic-audio.ts';

const dir = mkdtempSync(join(tmpdir(), 'linegate-talkoff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SENTENCES: [string, string][] = [
  [
    'en-us',
    'Hello, this is Margaret from accounts. Could you call me back about the invoice from last month? My number is on the letter.',
  ],
  [
    'en-gb',
    'Good morning. I am ringing about the delivery that was due on Tuesday; nobody seems to know where it is.',
  ],
  ['de', 'Guten Tag, ich rufe wegen der Rechnung vom letzten Monat an. Können Sie mich bitte zurückrufen?'],
  [
    'fr-fr',
    'Bonjour, je vous appelle au sujet de la réunion de jeudi. Pourriez-vous me confirmer l’heure, s’il vous plaît?',
  ],
  ['es', 'Hola, llamo por el pedido que hicimos la semana pasada. ¿Me puede decir cuándo llega?'],
  ['it', 'Buongiorno, la chiamo per l’appuntamento di domani mattina alle nove e mezza.'],
  ['pt-br', 'Olá, estou ligando para confirmar a entrega de amanhã. Obrigado e até logo.'],
  ['nl', 'Goedemiddag, ik bel over de afspraak van volgende week. Kunt u mij terugbellen?'],
  ['pl', 'Dzień dobry, dzwonię w sprawie zamówienia z zeszłego tygodnia. Proszę o kontakt.'],
  ['ja', 'もしもし、先週の注文についてお電話しました。折り返しお願いします。'],
];

test('espeak-ng speech in ten languages: no DTMF, no tones, no caller ID', (t) => {
  if (spawnSync('sh', ['-c', 'command -v espeak-ng']).status !== 0) return t.skip('espeak-ng not installed');
  let seconds = 0;
  let falseDigits = 0;
  let falseTones = 0;
  let falseCid = 0;
  for (const [voice, text] of SENTENCES) {
    for (const pitch of [25, 75]) {
      const file = join(dir, `${voice}-${pitch}.wav`);
      const r = spawnSync('espeak-ng', ['-v', voice, '-p', String(pitch), '-s', '165', '-w', file, text]);
      if (r.status !== 0) continue;
      const wav = decodeWav(readFileSync(file));
      const samples = resample(wav.channels[0]!, wav.sampleRateHz, 8000);
      seconds += samples.length / 8000;
      falseDigits += detectDtmf(samples).length;
      falseTones += classifyTones(samples, { countries: ['us', 'uk', 'de', 'fr', 'jp'] }).length;
      falseCid += demodulateCallerId(samples).filter((e) => e.kind !== 'alerting').length;
    }
  }
  t.diagnostic(
    `${seconds.toFixed(0)} s of speech: ${falseDigits} digits, ${falseTones} tones, ${falseCid} caller IDs`,
  );
  assert.ok(seconds > 100, `only ${seconds} s of speech`);
  assert.equal(falseDigits, 0);
  assert.equal(falseTones, 0);
  assert.equal(falseCid, 0);
});

test('five minutes of speech-like and music-like audio: no DTMF digit, no caller ID', (t) => {
  let falseDigits = 0;
  let falseCid = 0;
  for (const [name, audio] of [
    ['speech-like', speechLike(150, 11)],
    ['music-like', musicLike(150, 12)],
  ] as const) {
    const digits = detectDtmf(audio);
    const cid = demodulateCallerId(audio.subarray(0, 8000 * 60)).filter((e) => e.kind !== 'alerting');
    t.diagnostic(
      `${name}: ${digits.length} digits ${digits.map((d) => d.digit).join('')}, ${cid.length} caller IDs`,
    );
    falseDigits += digits.length;
    falseCid += cid.length;
  }
  assert.equal(falseDigits, 0);
  assert.equal(falseCid, 0);
});
