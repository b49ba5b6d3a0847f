import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayEventBus } from './events.ts';
import { type ComponentState, StateRegistry } from './state.ts';

const port: ComponentState = { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false };

test('set emits only on a real change and stores a copy', () => {
  const states = new StateRegistry();
  const changes: string[] = [];
  states.on('change', (c) => changes.push(c));
  const mine = { ...port };
  assert.equal(states.set('fxs1', mine), true);
  assert.equal(states.set('fxs1', { ...port }), false);
  mine.hook = 'off';
  const stored = states.get('fxs1');
  assert.equal(stored?.kind === 'fxs' && stored.hook, 'on');
  assert.equal(states.update('fxs1', 'fxs', { hook: 'off' }), true);
  assert.deepEqual(changes, ['fxs1', 'fxs1']);
  assert.equal(states.json('fxs1'), JSON.stringify({ ...port, hook: 'off' }));
  assert.throws(() => states.update('fxs1', 'modem', { smsQueueDepth: 1 }), /not modem/);
});

test('component ids must be topic segments; delete emits removed', () => {
  const states = new StateRegistry();
  assert.throws(() => states.set('fxs/1', port), /topic segment/);
  assert.throws(() => states.set('a+b', port), /topic segment/);
  const removed: string[] = [];
  states.on('removed', (c) => removed.push(c));
  states.set('fxs1', port);
  assert.equal(states.delete('fxs1'), true);
  assert.equal(states.delete('fxs1'), false);
  assert.deepEqual(removed, ['fxs1']);
  assert.deepEqual(states.snapshot(), {});
});

test('the event bus emits the typed event and the catch-all envelope; a throwing listener does not stop others', () => {
  const bus = new GatewayEventBus();
  const got: string[] = [];
  bus.on('sms_received', () => {
    throw new Error('broken consumer');
  });
  bus.on('sms_received', (e) => got.push(`typed:${e.from}`));
  bus.on('event', (e) => got.push(`any:${e.type}`));
  bus.publish('sms_received', { time: 1, id: 's1', modem: 'gsm1', from: '+1555', text: 'x', segments: 1 });
  assert.deepEqual(got, ['typed:+1555', 'any:sms_received']);
});
