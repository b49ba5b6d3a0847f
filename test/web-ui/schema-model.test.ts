/** The config-form model: paths in the server's notation, merge patches, restart flags, new list items. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FieldSchema,
  buildPatch,
  choices,
  fieldKind,
  newItem,
  pathString,
  setAt,
} from '../../web-ui/src/config/schema-model.ts';

const schema: FieldSchema = {
  type: 'object',
  properties: {
    timezone: { type: 'string', title: 'Time zone', default: 'UTC' },
    deviceId: { type: 'string', title: 'Device id', requiresRestart: true },
    log: {
      type: 'object',
      properties: {
        level: {
          anyOf: [
            { const: 'info', type: 'string' },
            { const: 'debug', type: 'string' },
          ],
          title: 'Log level',
        },
      },
    },
    http: {
      type: 'object',
      properties: { port: { type: 'integer', title: 'HTTP port', requiresRestart: true, default: 8080 } },
    },
    sip: {
      type: 'object',
      properties: {
        trunks: {
          type: 'array',
          title: 'SIP trunks',
          items: {
            type: 'object',
            required: ['id', 'servers', 'username', 'password'],
            properties: {
              id: { type: 'string' },
              servers: { type: 'array', items: { type: 'string' } },
              username: { type: 'string' },
              password: { type: 'string', secret: true },
              register: { type: 'boolean', default: true },
              expiresS: { type: 'integer', minimum: 60, default: 600 },
              fromNumber: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

const running = {
  timezone: 'UTC',
  deviceId: 'box1',
  log: { level: 'info' },
  http: { port: 8080 },
  sip: { trunks: [{ id: 'itsp', servers: ['sip.example.net'], username: 'u', password: '********' }] },
};

test('paths use the server notation', () => {
  assert.equal(pathString(['sip', 'trunks', 0, 'password']), 'sip.trunks[0].password');
  assert.equal(pathString(['timezone']), 'timezone');
});

test('field kinds and choices come from the schema', () => {
  const props = schema.properties!;
  assert.equal(fieldKind(props.log!.properties!.level!), 'choice');
  assert.deepEqual(choices(props.log!.properties!.level!), ['info', 'debug']);
  assert.equal(fieldKind(props.sip!.properties!.trunks!), 'object-list');
  assert.equal(fieldKind(props.sip!.properties!.trunks!.items!.properties!.servers!), 'scalar-list');
  assert.equal(fieldKind(props.http!.properties!.port!), 'integer');
});

test('no change, no patch', () => {
  assert.deepEqual(buildPatch(schema, running, structuredClone(running)), { patch: {}, changes: [] });
});

test('only the changed leaves are sent, with their restart flags', () => {
  let draft = setAt(running, ['timezone'], 'Europe/Paris');
  draft = setAt(draft, ['http', 'port'], 8081);
  const { patch, changes } = buildPatch(schema, running, draft);
  assert.deepEqual(patch, { timezone: 'Europe/Paris', http: { port: 8081 } });
  assert.deepEqual(
    changes.map((c) => [c.path, c.title, c.requiresRestart]),
    [
      ['timezone', 'Time zone', false],
      ['http.port', 'HTTP port', true],
    ],
  );
});

test('clearing an optional field removes it (null); arrays go whole with the redacted secret kept', () => {
  let draft = setAt(running, ['deviceId'], undefined);
  draft = setAt(draft, ['sip', 'trunks', 0, 'username'], 'u2');
  const { patch } = buildPatch(schema, running, draft);
  assert.deepEqual(patch, {
    deviceId: null,
    sip: { trunks: [{ id: 'itsp', servers: ['sip.example.net'], username: 'u2', password: '********' }] },
  });
  // setAt copies: the running configuration is untouched.
  assert.equal(running.sip.trunks[0]?.username, 'u');
  assert.equal(running.deviceId, 'box1');
});

test('a new list item has the defaults and empty required fields', () => {
  assert.deepEqual(newItem(schema.properties!.sip!.properties!.trunks!.items!), {
    id: '',
    servers: [],
    username: '',
    password: '',
    register: true,
    expiresS: 600,
  });
});
