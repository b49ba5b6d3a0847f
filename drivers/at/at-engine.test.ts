import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../base/clock.ts';
import { isLinegateError } from '../base/errors.ts';
import { silentLogger } from '../base/logger.ts';
import { MemoryByteStream } from '../serial/memory-stream.ts';
import { AtEngine, mask } from './at-engine.ts';
import type { AtUrc } from './types.ts';

function setup() {
  const clock = new FakeClock();
  const stream = new MemoryByteStream();
  const engine = new AtEngine({ clock, logger: silentLogger() });
  engine.attach(stream);
  const urcs: AtUrc[] = [];
  engine.onUrc('*', (u) => urcs.push(u));
  const tick = () => new Promise<void>((r) => setImmediate(r));
  return { clock, stream, engine, urcs, tick };
}

describe('AtEngine', () => {
  it('collects a response and its OK', async () => {
    const { stream, engine } = setup();
    const p = engine.command('AT+CSQ');
    assert.equal(stream.written, 'AT+CSQ\r');
    stream.emitData('\r\n+CSQ: 17,99\r\n\r\nOK\r\n');
    const r = await p;
    assert.deepEqual(r.lines, ['+CSQ: 17,99']);
    assert.equal(r.final, 'OK');
  });

  it('keeps one command in flight and sends the next after the final result', async () => {
    const { stream, engine, tick } = setup();
    const a = engine.command('AT');
    const b = engine.command('AT+CGSN');
    assert.equal(stream.written, 'AT\r');
    stream.emitData('OK\r\n');
    await a;
    await tick();
    assert.equal(stream.written, 'AT\rAT+CGSN\r');
    stream.emitData('867698040123456\r\nOK\r\n');
    assert.deepEqual((await b).lines, ['867698040123456']);
  });

  it('routes URCs that arrive inside a response, and drops echo', async () => {
    const { stream, engine, urcs } = setup();
    const p = engine.command('AT+CPMS?');
    stream.emitData('AT+CPMS?\r\r\n+CPMS: "SM",1,');
    stream.emitData('30,"SM",1,30\r\n^RSSI:14\r\n+CMTI: "SL",1     \r\nRING\r\n\r\nOK\r\n');
    const r = await p;
    assert.deepEqual(r.lines, ['+CPMS: "SM",1,30,"SM",1,30']);
    assert.deepEqual(
      urcs.map((u) => [u.name, u.args]),
      [
        ['^RSSI', '14'],
        ['+CMTI', '"SL",1'],
        ['RING', ''],
      ],
    );
  });

  it('answers AT+CREG? with +CREG lines but routes an unsolicited +CREG as a URC', async () => {
    const { stream, engine, urcs } = setup();
    const p = engine.command('AT+CREG?');
    stream.emitData('+CREG: 2,1,"00A8","5355E8D",7\r\nOK\r\n');
    assert.deepEqual((await p).lines, ['+CREG: 2,1,"00A8","5355E8D",7']);
    const q = engine.command('AT+CSQ');
    stream.emitData('+CREG: 1, E006B, ABE0016\r\n+CSQ: 10,99\r\nOK\r\n');
    assert.deepEqual((await q).lines, ['+CSQ: 10,99']);
    assert.deepEqual(
      urcs.map((u) => u.name),
      ['+CREG'],
    );
  });

  it('joins +CMT and +CDS with their PDU line', async () => {
    const { stream, urcs } = setup();
    stream.emitData(
      '\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n',
    );
    stream.emitData('+CDS: 25\r\n0006D60B911326880736F4111011719551401110117195714000\r\n');
    assert.equal(urcs.length, 2);
    assert.equal(urcs[0]!.name, '+CMT');
    assert.match(urcs[0]!.pdu!, /^07911326/);
    assert.equal(urcs[1]!.name, '+CDS');
    assert.match(urcs[1]!.pdu!, /^0006D6/);
  });

  it('sends the PDU after the "> " prompt and returns +CMGS', async () => {
    const { stream, engine } = setup();
    const p = engine.command('AT+CMGS=18', { promptData: '0011000B911326880736F40000AA05E8329BFD06' });
    stream.emitData('\r\n> ');
    assert.equal(stream.written, 'AT+CMGS=18\r0011000B911326880736F40000AA05E8329BFD06\x1a');
    stream.emitData('\r\n+CMGS: 57\r\n\r\nOK\r\n');
    assert.deepEqual((await p).lines, ['+CMGS: 57']);
  });

  it('aborts with ESC when the prompt never comes', async () => {
    const { stream, engine, clock } = setup();
    const p = engine.command('AT+CMGS=18', { promptData: '00', promptTimeoutMs: 5000 });
    clock.advance(5000);
    await assert.rejects(p, (e) => isLinegateError(e, 'AT_TIMEOUT'));
    assert.ok(stream.written.endsWith('\x1b'));
  });

  it('times out on the injected clock (AT+CMGS waits 120 s by default)', async () => {
    const { stream, engine, clock } = setup();
    let settled = false;
    const p = engine.command('AT+CMGS=18', { promptData: '00' });
    p.catch(() => {}).finally(() => {
      settled = true;
    });
    stream.emitData('> ');
    clock.advance(119_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    clock.advance(1);
    await assert.rejects(p, (e) => isLinegateError(e, 'AT_TIMEOUT'));
    assert.equal(engine.stats.timeouts, 1);
  });

  it('reports +CMS/+CME codes and vendor COMMAND NOT SUPPORT as AT_ERROR', async () => {
    const { stream, engine } = setup();
    const a = engine.command('AT+CMGS=18', { promptData: '00' });
    stream.emitData('> ');
    stream.emitData('+CMS ERROR: 500\r\n');
    await assert.rejects(a, (e) => isLinegateError(e, 'AT_ERROR') && e.details?.code === 500);
    const b = engine.command('AT^CVOICE?');
    stream.emitData('COMMAND NOT SUPPORT\r\n');
    await assert.rejects(b, (e) => isLinegateError(e, 'AT_ERROR') && e.details?.kind === 'unsupported');
    const c = engine.command('AT+CPIN="0000"', { allowError: true });
    stream.emitData('+CME ERROR: incorrect password\r\n');
    const r = await c;
    assert.equal(r.result.kind, 'cme');
    assert.equal(r.result.text, 'incorrect password');
  });

  it('takes +CPIN: READY with no OK as success after a silence', async () => {
    const { stream, engine, clock } = setup();
    const p = engine.command('AT+CPIN?');
    stream.emitData('+CPIN: READY\r\n');
    clock.advance(1000);
    assert.deepEqual((await p).lines, ['+CPIN: READY']);
  });

  it('treats NO CARRIER/BUSY as a final result of ATD and as a URC otherwise', async () => {
    const { stream, engine, urcs } = setup();
    const d = engine.command('ATD+15551234;');
    stream.emitData('BUSY\r\n');
    await assert.rejects(d, (e) => isLinegateError(e, 'AT_ERROR') && e.details?.kind === 'busy');
    const q = engine.command('AT+CSQ');
    stream.emitData('NO CARRIER\r\n+CSQ: 5,99\r\nOK\r\n');
    assert.deepEqual((await q).lines, ['+CSQ: 5,99']);
    assert.deepEqual(
      urcs.map((u) => u.name),
      ['NO CARRIER'],
    );
  });

  it('tolerates garbage bytes and stray finals', async () => {
    const { stream, engine, urcs } = setup();
    stream.emitData(Buffer.from([0xff, 0xfe, 0x02, 0x4f, 0x4b, 0x0d, 0x0a, 0x80, 0x81]));
    assert.equal(engine.stats.strayFinals, 1);
    assert.equal(engine.stats.garbageBytes, 5);
    const p = engine.command('AT');
    stream.emitData('\xff\xffOK\r\n');
    await p;
    stream.emitData('RDY\r\n+CPIN: READY\r\nCall Ready\r\nSMS Ready\r\n');
    assert.deepEqual(
      urcs.map((u) => u.name),
      ['RDY', '+CPIN', 'Call Ready', 'SMS Ready'],
    );
  });

  it('fails in-flight and queued commands when the port vanishes', async () => {
    const { stream, engine } = setup();
    const closed: string[] = [];
    engine.on('closed', (r) => closed.push(r));
    const a = engine.command('AT');
    const b = engine.command('AT+CSQ');
    stream.lose('unplugged');
    await assert.rejects(a, (e) => isLinegateError(e, 'DEVICE_MISSING'));
    await assert.rejects(b, (e) => isLinegateError(e, 'DEVICE_MISSING'));
    assert.deepEqual(closed, ['unplugged']);
    await assert.rejects(engine.command('AT'), (e) => isLinegateError(e, 'DEVICE_MISSING'));
  });

  it('masks PIN and PUK in traces', () => {
    assert.equal(mask('AT+CPIN="1234"'), 'AT+CPIN=***');
    assert.equal(mask('AT+CPIN="12345678","1234"'), 'AT+CPIN=***');
  });
});

describe('AtEngine traces', () => {
  it('logs « and » at trace level and masks the PIN', async () => {
    const { pino } = await import('pino');
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (l: string) => lines.push(l) });
    const stream = new MemoryByteStream();
    const engine = new AtEngine({ clock: new FakeClock(), logger });
    engine.attach(stream);
    const p = engine.command('AT+CPIN="4321"');
    stream.emitData('OK\r\n');
    await p;
    const msgs = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.deepEqual(
      msgs.map((m) => [m.level, m.msg]),
      [
        [10, '» AT+CPIN=***'],
        [10, '« OK'],
      ],
    );
    assert.ok(!lines.join('').includes('4321'));
  });
});

describe('AtEngine after a timeout', () => {
  it('a late answer lands on a throw-away AT, not on the next command', async () => {
    const { stream, engine, clock, tick } = setup();
    const first = engine.command('AT+COPS?', { timeoutMs: 1000 });
    clock.advance(1000);
    await assert.rejects(first, (e) => isLinegateError(e, 'AT_TIMEOUT'));
    const next = engine.command('AT+CSQ');
    await tick();
    assert.ok(stream.written.endsWith('AT+COPS?\rAT+CMEE?\r'), JSON.stringify(stream.written));
    stream.emitData('+COPS: 0,0,"Late",7\r\nOK\r\n');
    await tick();
    assert.ok(stream.written.endsWith('AT+CMEE?\r'), 'still waiting for the resync answer');
    stream.emitData('+CMEE: 1\r\nOK\r\n');
    await tick();
    assert.ok(stream.written.endsWith('AT+CMEE?\rAT+CSQ\r'));
    stream.emitData('+CSQ: 9,99\r\nOK\r\n');
    assert.deepEqual((await next).lines, ['+CSQ: 9,99']);
  });

  it('an OK before the "> " prompt is stale and never completes a send', async () => {
    const { stream, engine } = setup();
    const send = engine.command('AT+CMGS=18', { promptData: '0011' });
    stream.emitData('+CMGS: 45\r\nOK\r\n');
    stream.emitData('> ');
    assert.ok(stream.written.endsWith('0011\x1a'));
    stream.emitData('+CMGS: 46\r\nOK\r\n');
    assert.deepEqual((await send).lines, ['+CMGS: 46']);
    assert.equal(engine.stats.strayFinals, 1);
  });
});

describe('AtEngine prompt data and failures', () => {
  it('marks a failure after the PDU went out (the SMS may have been sent)', async () => {
    const { stream, engine } = setup();
    const before = engine.command('AT+CMGS=18', { promptData: '0011' });
    stream.lose('unplugged');
    await assert.rejects(
      before,
      (e) => isLinegateError(e, 'DEVICE_MISSING') && e.details?.promptDataSent === undefined,
    );
    const { stream: s2, engine: e2 } = setup();
    const after = e2.command('AT+CMGS=18', { promptData: '0011' });
    s2.emitData('> ');
    s2.lose('unplugged');
    await assert.rejects(
      after,
      (e) => isLinegateError(e, 'DEVICE_MISSING') && e.details?.promptDataSent === true,
    );
  });
});
