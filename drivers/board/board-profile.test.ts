import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLinegateError, type LinegateError } from '../base/errors.ts';
import { type BoardProblem, loadBoard, parseBoard } from './board-profile.ts';

function problemsOf(fn: () => unknown): BoardProblem[] {
  try {
    fn();
  } catch (err) {
    assert.ok(isLinegateError(err, 'BOARD_INVALID'), String(err));
    return ((err as LinegateError).details?.problems ?? []) as BoardProblem[];
  }
  assert.fail('expected BOARD_INVALID');
}

const GOOD = `name: t
gpio:
  chips:
    main: { device: /dev/gpiochip0, lines: 58 }
fxs:
  - id: fxs1
    signals:
      shk: { chip: main, line: 17, active: low, debounceMs: 12 }
      rm: { chip: main, line: 27 }
      fr: { chip: main, line: 22 }
    audio: { capture: "hw:1", playback: "hw:1", txGainDb: -3 }
fxo:
  - id: fxo1
    signals:
      ringDetect: { chip: main, line: 23 }
      seize: { chip: main, line: 24 }
    audio: { capture: "hw:2", playback: "hw:2" }
modems:
  - { id: gsm1, model: sim7600, usbPath: "1-1.3:1.2" }
`;

test('the sim board has fxs1, fxs2, fxo1 and gsm1, all simulated', () => {
  const board = loadBoard('sim');
  assert.equal(board.simulated, true);
  assert.deepEqual(
    board.fxs.map((p) => p.id),
    ['fxs1', 'fxs2'],
  );
  assert.deepEqual(
    board.fxo.map((p) => p.id),
    ['fxo1'],
  );
  assert.deepEqual(
    board.modems.map((p) => [p.id, p.model, p.simulated]),
    [['gsm1', 'sim', true]],
  );
  assert.ok(board.fxs.every((p) => p.simulated && p.audio.capture === 'sim'));
});

test('the shipped real boards load', () => {
  const hat = loadBoard('linegate-hat-v1');
  assert.equal(hat.fxs[0]?.ring.mode, 'rmfr');
  assert.equal(hat.fxo[0]?.loopCurrent?.line, 25);
  assert.equal(hat.modems[0]?.usbPath, '1-1.3:1.2');
  const slic = loadBoard('ringing-slic-example');
  assert.equal(slic.fxs[0]?.ring.mode, 'enable');
  assert.equal(slic.fxs[0]?.shk.activeLevel, 'low');
});

test('a valid profile parses with defaults and levels', () => {
  const board = parseBoard(GOOD, 'good.yaml');
  const fxs = board.fxs[0];
  assert.ok(fxs);
  assert.deepEqual(fxs.shk, { chip: 'main', line: 17, activeLevel: 'low', debounceMs: 12 });
  assert.equal(fxs.audio.txGainDb, -3);
  assert.equal(fxs.audio.rxGainDb, 0);
  assert.equal(board.fxo[0]?.ringDetect.debounceMs, 5);
});

test('a line used twice is rejected at the second use, with its file line', () => {
  const text = GOOD.replace('seize: { chip: main, line: 24 }', 'seize: { chip: main, line: 17 }');
  const problems = problemsOf(() => parseBoard(text, 'dup.yaml'));
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.field, 'fxo[0].signals.seize.line');
  assert.equal(problems[0]?.line, 16);
  assert.match(problems[0]?.message ?? '', /already used by fxs\[0\]\.signals\.shk/);
});

test('an unknown chip, a missing audio device and a bad level are each named', () => {
  const text = GOOD.replace('rm: { chip: main, line: 27 }', 'rm: { chip: aux, line: 27 }')
    .replace('    audio: { capture: "hw:2", playback: "hw:2" }\n', '')
    .replace('active: low', 'active: sideways');
  const problems = problemsOf(() => parseBoard(text, 'bad.yaml'));
  const byField = new Map(problems.map((p) => [p.field, p]));
  assert.match(byField.get('fxs[0].signals.rm.chip')?.message ?? '', /unknown GPIO chip "aux"/);
  assert.equal(byField.get('fxs[0].signals.rm.chip')?.line, 9);
  assert.match(byField.get('fxo[0].audio')?.message ?? '', /missing audio device/);
  assert.equal(byField.get('fxo[0].audio')?.line, 13, 'a missing field points at its parent');
  assert.match(byField.get('fxs[0].signals.shk.active')?.message ?? '', /high" or "low/);
});

test('system probes reject an ALSA device or GPIO chip that is not there', () => {
  const problems = problemsOf(() =>
    parseBoard(GOOD, 'probe.yaml', {
      audioDeviceExists: (dev) => dev === 'hw:1',
      gpioChipExists: () => false,
    }),
  );
  const fields = problems.map((p) => p.field).sort();
  assert.deepEqual(fields, ['fxo[0].audio.capture', 'fxo[0].audio.playback', 'gpio.chips.main.device']);
});

test('line beyond the chip, duplicate ids, bad modem and YAML syntax errors', () => {
  const text = GOOD.replace('line: 22', 'line: 99')
    .replace('id: fxo1', 'id: fxs1')
    .replace('model: sim7600, usbPath: "1-1.3:1.2"', 'model: nokia');
  const problems = problemsOf(() => parseBoard(text, 'x.yaml'));
  const messages = problems.map((p) => `${p.field}: ${p.message}`).join('\n');
  assert.match(messages, /fxs\[0\]\.signals\.fr\.line: line 99 is beyond chip main/);
  assert.match(messages, /fxo\[0\]\.id: port id "fxs1" is used twice/);
  assert.match(messages, /modems\[0\]\.model: unknown modem model "nokia"/);
  assert.match(messages, /modems\[0\]: a real modem needs `usbPath`/);
  const syntax = problemsOf(() => parseBoard('name: [unclosed\nfxs: 1\n', 's.yaml'));
  assert.equal(syntax[0]?.field, '(yaml)');
});

test('a simulated port must use the sim audio device and a missing file is BOARD_INVALID', () => {
  const text =
    'name: s\nsimulated: true\ngpio: { chips: { s: { lines: 4 } } }\nfxo:\n  - id: fxo1\n    signals: { ringDetect: { chip: s, line: 0 }, seize: { chip: s, line: 1 } }\n    audio: { capture: hw:0, playback: sim }\n';
  const problems = problemsOf(() => parseBoard(text, 's.yaml'));
  assert.equal(problems[0]?.field, 'fxo[0].audio.capture');
  assert.equal(problems[0]?.line, 7);
  problemsOf(() => loadBoard('no-such-board'));
});
