import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { ConfigError, parseConfigText } from './load.ts';
import { REDACTED, redactConfig } from './redact.ts';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}) {
  try {
    parseConfigText(text, { file: 'linegate.yaml', env });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(isLinegateError(err, 'CONFIG_INVALID'));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('fills every default from an empty file', () => {
    const { config } = parseConfigText('', { env: {} });
    assert.equal(config.http.port, 8080);
    assert.equal(config.sip.udpPort, 5060);
    assert.equal(config.rtp.portMin, 10000);
    assert.equal(config.rtp.portMax, 20000);
    assert.equal(config.country, 'us');
    assert.equal(config.mqtt.enabled, false);
    assert.equal(config.dataDir, '/var/lib/linegate');
  });

  it('reports every problem with its field path and line', () => {
    const text = [
      'version: 1',
      'http:',
      '  port: "eighty"',
      '  colour: blue',
      'rtp:',
      '  portMin: 20000',
      '  portMax: 10000',
      'log:',
      '  level: loud',
      '',
    ].join('\n');
    const problems = problemsOf(text);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.equal(byPath.get('http.port')?.line, 3);
    assert.equal(byPath.get('http.colour')?.line, 4);
    assert.match(byPath.get('http.colour')?.message ?? '', /unknown field/);
    assert.equal(byPath.get('log.level')?.line, 9);
    assert.match(byPath.get('log.level')?.message ?? '', /expected one of/);
  });

  it('reports a bad port range after the types are right', () => {
    const problems = problemsOf('rtp:\n  portMin: 20000\n  portMax: 10000\n');
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [['rtp.portMin', 2]],
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('http:\n  port: 80\n bad: [\n');
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((p) => p.message.startsWith('YAML syntax')));
    assert.ok(problems[0]?.line);
  });

  it('applies environment overrides over the file and names the variable in errors', () => {
    const { config } = parseConfigText('http:\n  port: 9000\n', {
      env: { LINEGATE_HTTP_PORT: '8181', LINEGATE_RTP_PORTS: '30000-30100', LINEGATE_LOG_LEVEL: 'debug' },
    });
    assert.equal(config.http.port, 8181);
    assert.equal(config.rtp.portMin, 30000);
    assert.equal(config.rtp.portMax, 30100);
    assert.equal(config.log.level, 'debug');
    const problems = problemsOf('', { LINEGATE_HTTP_PORT: 'abc', LINEGATE_RTP_PORTS: '5' });
    assert.deepEqual(problems.map((p) => p.env).sort(), ['LINEGATE_HTTP_PORT', 'LINEGATE_RTP_PORTS']);
  });

  it('refuses duplicate extensions', () => {
    const problems = problemsOf(
      'lines:\n  fxs:\n    - id: fxs1\n      extension: "201"\n    - id: fxs2\n      extension: "201"\n',
    );
    assert.equal(problems[0]?.path, 'lines.fxs[1].extension');
    assert.equal(problems[0]?.line, 6);
  });

  it('names the dial plan rule that does not parse, with its line', () => {
    const problems = problemsOf('country: us\ncalls:\n  dialPlan: "(*xx|[9-2]xx)"\n');
    assert.equal(problems[0]?.path, 'calls.dialPlan');
    assert.equal(problems[0]?.line, 3);
    assert.match(problems[0]?.message ?? '', /pattern 2 "\[9-2\]xx"/);
  });

  it('redacts secrets in read-back', () => {
    const { config } = parseConfigText(
      'sip:\n  trunks:\n    - id: itsp\n      servers: [sip.example.net]\n      username: alice\n      password: hunter22\n',
      { env: {} },
    );
    const redacted = redactConfig(config);
    assert.equal(redacted.sip.trunks[0]?.password, REDACTED);
    assert.equal(redacted.sip.trunks[0]?.username, 'alice');
    assert.equal(config.sip.trunks[0]?.password, 'hunter22');
  });

  it('puts everything on loopback under --sim', () => {
    const { config } = parseConfigText('', { env: {}, sim: true });
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.sip.host, '127.0.0.1');
    assert.equal(config.dataDir, './var');
    assert.ok(config.sip.trustedPeers.includes('127.0.0.0/8'));
  });
});
