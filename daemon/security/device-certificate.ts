import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../config/config-store.ts';

/**
 * The device certificate for HTTPS: a self-signed ECDSA P-256 certificate
 * made on first start and kept in the data directory, so an installer can
 * use HTTPS at once (and pin it) until a proper certificate is uploaded.
 * Node can sign but not build certificates, so the DER is assembled here.
 */
export interface DeviceCertificate {
  certPem: string;
  keyPem: string;
  fingerprintSha256: string;
  created: boolean;
}

export const DEVICE_CERT_FILE = 'device-cert.pem';
export const DEVICE_KEY_FILE = 'device-key.pem';

export function loadOrCreateDeviceCertificate(
  dataDir: string,
  names: { commonName: string; dnsNames: string[]; ipAddresses: string[] },
  validityDays = 3650,
): DeviceCertificate {
  const certFile = join(dataDir, DEVICE_CERT_FILE);
  const keyFile = join(dataDir, DEVICE_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    const keyPem = readFileSync(keyFile, 'utf8');
    return {
      certPem,
      keyPem,
      fingerprintSha256: new X509Certificate(certPem).fingerprint256,
      created: false,
    };
  }
  const { certPem, keyPem } = createSelfSignedCertificate(names, validityDays);
  writeFileAtomic(keyFile, keyPem);
  writeFileAtomic(certFile, certPem);
  return { certPem, keyPem, fingerprintSha256: new X509Certificate(certPem).fingerprint256, created: true };
}

export function createSelfSignedCertificate(
  names: { commonName: string; dnsNames: string[]; ipAddresses: string[] },
  validityDays: number,
  nowMs = Date.now(),
): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(names.commonName, 'utf8')))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // positive INTEGER
  const notBefore = new Date(nowMs - 24 * 3600_000);
  const notAfter = new Date(nowMs + validityDays * 24 * 3600_000);
  const generalNames = [
    ...names.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...names.ipAddresses.filter((ip) => isIP(ip)).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions = seq(
    seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq())), // basicConstraints critical, CA false
    seq(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x03, Buffer.from([0x07, 0x80])))), // keyUsage digitalSignature
    seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage serverAuth
    seq(oid('2.5.29.17'), tlv(0x04, seq(...generalNames))), // subjectAltName
  );
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([0x02]))), // v3
    tlv(0x02, serial),
    ecdsaWithSha256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certPem = `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const keyPem = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { certPem, keyPem };
}

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else if (len < 0x100) header = Buffer.from([tag, 0x81, len]);
  else if (len < 0x10000) header = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  else header = Buffer.from([tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([header, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 0xff]));
}
