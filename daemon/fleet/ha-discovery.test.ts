import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComponentState } from '../api/state.ts';
import { type HaPlatform, buildDiscovery, validateDiscoveryConfig } from './ha-discovery.ts';

const states: Record<string, ComponentState> = {
  fxs1: { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false },
  fxo1: { kind: 'fxo', hook: 'on', ringing: false, inCall: false, failed: true, failure: 'no loop current' },
  gsm1: { kind: 'modem', online: true, sim: 'ready', registration: 'home', signalDbm: -71, smsQueueDepth: 0 },
  'sip-trunk1': { kind: 'sip', registered: true },
  system: {
    kind: 'system',
    version: '0.1.0',
    uptimeS: 5,
    cpuPct: 3,
    memUsedPct: 20,
    diskUsedPct: 10,
    temperatureC: 48,
  },
  calls: { kind: 'calls', active: [] },
};

const opts = {
  prefix: 'homeassistant',
  baseTopic: 'linegate/box1',
  deviceId: 'box1',
  version: '0.1.0',
  smsRecipients: ['+15551234567'],
};

test('every discovery payload validates against the documented Home Assistant fields', () => {
  const messages = buildDiscovery(opts, states);
  const platforms = new Set<string>();
  for (const m of messages) {
    const match =
      /^homeassistant\/(sensor|binary_sensor|button|notify)\/linegate_box1\/[A-Za-z0-9_-]+\/config$/.exec(
        m.topic,
      );
    assert.ok(match, m.topic);
    const platform = match[1] as HaPlatform;
    platforms.add(platform);
    assert.deepEqual(validateDiscoveryConfig(platform, m.config), [], m.topic);
  }
  assert.deepEqual([...platforms].sort(), ['binary_sensor', 'button', 'notify', 'sensor']);
  const uniqueIds = messages.map((m) => m.config.unique_id);
  assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique ids are unique');
  const byTopic = Object.fromEntries(messages.map((m) => [m.topic.split('/')[3], m.config]));
  assert.equal(byTopic.gsm1_signal?.unit_of_measurement, 'dBm');
  assert.equal(byTopic.gsm1_signal?.device_class, 'signal_strength');
  assert.equal(byTopic.restart?.command_topic, 'linegate/box1/request/system/restart');
  assert.equal(byTopic.online?.availability, undefined, 'the online sensor itself has no availability');
  const notify = byTopic.sms__15551234567;
  assert.equal(notify?.command_topic, 'linegate/box1/request/sms/send');
  assert.match(String(notify?.command_template), /"to":"\+15551234567"/);
});

test('the validator catches unknown fields, missing required ones and bad classes', () => {
  const device = { identifiers: ['x'], name: 'x' };
  assert.deepEqual(validateDiscoveryConfig('sensor', { unique_id: 'a', state_topic: 't', device }), []);
  assert.match(validateDiscoveryConfig('sensor', { unique_id: 'a', device }).join(), /missing state_topic/);
  assert.match(
    validateDiscoveryConfig('sensor', { unique_id: 'a', state_topic: 't', stat_t: 'x', device }).join(),
    /unknown field stat_t/,
  );
  assert.match(
    validateDiscoveryConfig('button', {
      unique_id: 'a',
      command_topic: 't',
      device_class: 'reboot',
      device,
    }).join(),
    /device_class reboot/,
  );
  assert.match(
    validateDiscoveryConfig('sensor', {
      unique_id: 'a',
      state_topic: 't',
      device_class: 'enum',
      device,
    }).join(),
    /needs options/,
  );
  assert.match(
    validateDiscoveryConfig('notify', {
      unique_id: 'a',
      command_topic: 't',
      device: { name: 'x', colour: 1 },
    }).join(),
    /unknown device field colour/,
  );
});
