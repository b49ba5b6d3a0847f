import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSelfSignedCertificate, loadOrCreateDeviceCertificate } from './device-certificate.ts';

describe('device certificate', () => {
  it('is a valid self-signed X.509 v3 certificate with the names asked for', () => {
    const { certPem, keyPem } = createSelfSignedCertificate(
      {
        commonName: 'linegate-box',
        dnsNames: ['linegate-box', 'localhost'],
        ipAddresses: ['127.0.0.1', '::1', '192.0.2.7'],
      },
      3650,
    );
    const cert = new X509Certificate(certPem);
    assert.ok(cert.verify(cert.publicKey), 'signature verifies with its own key');
    assert.equal(cert.subject, 'CN=linegate-box');
    assert.equal(cert.issuer, 'CN=linegate-box');
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /IP Address:0:0:0:0:0:0:0:1/);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 3000 * 24 * 3600_000);
  });

  it('serves TLS and is made once per data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-cert-'));
    try {
      const first = loadOrCreateDeviceCertificate(dir, {
        commonName: 'box',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
      });
      const second = loadOrCreateDeviceCertificate(dir, {
        commonName: 'box',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
      });
      assert.equal(first.created, true);
      assert.equal(second.created, false);
      assert.equal(first.fingerprintSha256, second.fingerprintSha256);
      const server = createServer({ cert: first.certPem, key: first.keyPem }, (s) => s.end('hello'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const text = await new Promise<string>((resolve, reject) => {
        const c = connect({ port, host: '127.0.0.1', ca: first.certPem, servername: 'localhost' }, () => {
          let data = '';
          c.on('data', (d) => {
            data += d;
          });
          c.on('end', () => resolve(data));
        });
        c.on('error', reject);
      });
      server.close();
      assert.equal(text, 'hello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
