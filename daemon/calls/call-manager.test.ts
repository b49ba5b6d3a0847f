import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAudioLink } from '../../drivers/audio/memory-audio-link.ts';
import type { AudioStream } from '../../drivers/audio/types.ts';
import { FakeClock } from '../../drivers/base/clock.ts';
import { silentLogger } from '../../drivers/base/logger.ts';
import { TypedEmitter } from '../../drivers/base/typed-emitter.ts';
import type { CallerId, FxsPort, FxsPortEvents, PortState, RingCadence } from '../../drivers/line/types.ts';
import { Store } from '../store/database.ts';
import { CallManager } from './call-manager.ts';
import { CdrStore } from './cdr-store.ts';
import { parseDigitMap } from './digit-map.ts';
import { FxsEndpoint } from './endpoints/fxs-endpoint.ts';
import { Router } from './router.ts';
import { echoService, testToneService } from './services/built-in-services.ts';

class FakeFxsPort extends TypedEmitter<FxsPortEvents> implements FxsPort {
  hook: 'on' | 'off' = 'on';
  state: PortState = 'idle';
  rings: { cadence: RingCadence; callerId?: CallerId }[] = [];
  ringing = false;
  readonly link: MemoryAudioLink;
  constructor(
    readonly id: string,
    clock: FakeClock,
  ) {
    super();
    this.link = new MemoryAudioLink({ clock, names: [id, `${id}-phone`] });
  }
  get audio() {
    return this.link.a;
  }
  async ring(cadence: RingCadence, callerId?: CallerId) {
    this.ringing = true;
    this.rings.push(callerId ? { cadence, callerId } : { cadence });
  }
  async stopRinging() {
    this.ringing = false;
  }
  async reversePolarity() {}
  async setMessageWaiting() {}
  lift() {
    this.hook = 'off';
    this.emit('offHook');
  }
  hangUp() {
    this.hook = 'on';
    this.emit('onHook');
  }
}

/** Listens at the phone's earpiece: RMS of what arrived in the last frames. */
async function earpiece(port: FakeFxsPort) {
  const stream: AudioStream = await port.link.b.open();
  const frames: Int16Array[] = [];
  stream.onFrame((f) => frames.push(f));
  return {
    stream,
    rms(lastFrames = 10) {
      const recent = frames.slice(-lastFrames);
      let sum = 0;
      let n = 0;
      for (const f of recent) {
        for (const v of f) sum += v * v;
        n += f.length;
      }
      return n ? Math.sqrt(sum / n) : 0;
    },
  };
}

async function setup() {
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = Store.open({ dataDir: ':memory:', logger, clock });
  const cdr = new CdrStore(store);
  cdr.init();
  const ports = [new FakeFxsPort('fxs1', clock), new FakeFxsPort('fxs2', clock)];
  const endpoints = new Map();
  const extensions = new Map<string, string>();
  let manager: CallManager | undefined;
  const phones: FxsEndpoint[] = [];
  for (const [i, port] of ports.entries()) {
    const ext = String(201 + i);
    const phone = new FxsEndpoint({
      port,
      extension: ext,
      country: 'us',
      clock,
      logger,
      dialPlan: parseDigitMap('(*xx|[2-8]xx|9x.T)'),
      emergencyNumbers: ['911'],
      newCallId: () => manager?.newCallId() ?? 'x',
      onOriginate: (leg, outcome) => {
        if (outcome.kind === 'dial') manager?.place(leg, outcome.number);
      },
    });
    await phone.start();
    phones.push(phone);
    endpoints.set(port.id, phone);
    extensions.set(ext, port.id);
  }
  endpoints.set('service:echo', echoService());
  endpoints.set('service:tone', testToneService(clock));
  const router = new Router({
    endpoints,
    extensions,
    services: new Map([
      ['*43', 'service:echo'],
      ['*44', 'service:tone'],
    ]),
    outbound: [],
  });
  manager = new CallManager({ clock, logger, router, cdr, ringTimeoutMs: 30_000 });
  return { clock, ports, phones, manager, cdr };
}

const tick = async (clock: FakeClock, ms: number) => clock.advanceAsync(ms, 20);

describe('calls between the analog phones', () => {
  it('fxs1 dials 202: dial tone, ringing with caller ID, ringback, two-way audio, busy tone after hang-up, one CDR', async () => {
    const { clock, ports, manager, cdr } = await setup();
    const [p1, p2] = ports as [FakeFxsPort, FakeFxsPort];
    const ear1 = await earpiece(p1);
    const ear2 = await earpiece(p2);
    p1.lift();
    await tick(clock, 200);
    assert.ok(ear1.rms() > 500, `dial tone heard (rms ${ear1.rms()})`);
    for (const d of '202') {
      p1.emit('digit', d);
      await tick(clock, 100);
    }
    await tick(clock, 200);
    assert.equal(p2.ringing, true);
    assert.equal(p2.rings[0]?.callerId?.number, '201');
    assert.equal(manager.active.length, 1);
    await tick(clock, 100);
    assert.ok(ear1.rms() > 300, 'ringback heard');
    p2.lift();
    await tick(clock, 100);
    assert.equal(p2.ringing, false);
    assert.equal(manager.active[0]?.state, 'answered');
    // Speak into phone 2's mouthpiece: phone 1 hears it.
    const speech = new Int16Array(160).fill(3000);
    for (let i = 0; i < 10; i++) {
      ear2.stream.write(speech);
      await tick(clock, 20);
    }
    assert.ok(ear1.rms(5) > 2000, `phone 1 hears phone 2 (rms ${ear1.rms(5)})`);
    p2.hangUp();
    await tick(clock, 200);
    assert.equal(manager.active.length, 0);
    assert.ok(ear1.rms() > 500, 'busy tone after the far end hung up');
    p1.hangUp();
    const records = cdr.list().items;
    assert.equal(records.length, 1);
    assert.equal(records[0]?.disposition, 'answered');
    assert.equal(records[0]?.source, 'fxs1');
    assert.equal(records[0]?.destination, 'fxs2');
    assert.equal(records[0]?.dialedNumber, '202');
  });

  it('calling a busy phone gives busy tone and a busy CDR', async () => {
    const { clock, ports, cdr } = await setup();
    const [p1, p2] = ports as [FakeFxsPort, FakeFxsPort];
    p2.lift(); // phone 2 is off hook
    const ear1 = await earpiece(p1);
    p1.lift();
    for (const d of '202') p1.emit('digit', d);
    await tick(clock, 300);
    assert.equal(p2.rings.length, 0);
    assert.ok(ear1.rms() > 500, 'busy tone');
    assert.equal(cdr.list().items[0]?.disposition, 'busy');
  });

  it('*43 echoes and *44 plays the 1004 Hz test tone', async () => {
    const { clock, ports } = await setup();
    const p1 = ports[0] as FakeFxsPort;
    const ear = await earpiece(p1);
    p1.lift();
    for (const d of '*44') p1.emit('digit', d);
    await tick(clock, 400);
    assert.ok(ear.rms(5) > 1000, `test tone (rms ${ear.rms(5)})`);
    p1.hangUp();
    await tick(clock, 100);
    p1.lift();
    for (const d of '*43') p1.emit('digit', d);
    await tick(clock, 100);
    const voice = new Int16Array(160).fill(-2500);
    for (let i = 0; i < 10; i++) {
      ear.stream.write(voice);
      await tick(clock, 20);
    }
    assert.ok(ear.rms(5) > 2000, `echo heard (rms ${ear.rms(5)})`);
  });

  it('an invalid number gives a tone, never silence', async () => {
    const { clock, ports, cdr } = await setup();
    const p1 = ports[0] as FakeFxsPort;
    const ear = await earpiece(p1);
    p1.lift();
    for (const d of '299') p1.emit('digit', d);
    await tick(clock, 400);
    assert.ok(ear.rms() > 300, 'SIT or congestion tone');
    assert.equal(cdr.list().items[0]?.disposition, 'failed');
  });
});
