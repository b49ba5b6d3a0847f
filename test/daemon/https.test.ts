import assert from 'node:assert/strict';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ADMIN_PASSWORD, startDaemon } from '../harness/daemon.ts';

function httpsCall(port: number, ca: string, path: string, body?: object) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body ? 'POST' : 'GET',
        ca,
        servername: 'localhost',
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

it('serves HTTPS with the device certificate made on first start, with HSTS and Secure cookies', async () => {
  const daemon = await startDaemon();
  try {
    const certPem = readFileSync(join(daemon.dataDir, 'device-cert.pem'), 'utf8');
    assert.match(new X509Certificate(certPem).subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    const health = await httpsCall(daemon.httpsPort, certPem, '/health');
    assert.equal(health.status, 200);
    assert.match(String(health.headers['strict-transport-security']), /max-age=/);
    const login = await httpsCall(daemon.httpsPort, certPem, '/api/v1/auth/login', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal(login.status, 200, login.text);
    assert.match(String(login.headers['set-cookie']), /; Secure/);
    const plain = await fetch(`${daemon.url}/health`);
    assert.equal(plain.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
  } finally {
    assert.equal(await daemon.stop(), 0);
  }
});
