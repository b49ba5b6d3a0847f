import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isLinegateError } from '../base/errors.ts';
import { isUnstableDeviceName, resolveDevicePath } from './device-path.ts';
import { MemoryByteStream } from './memory-stream.ts';
import { openByteStream } from './open-byte-stream.ts';

describe('device path resolution', () => {
  const root = mkdtempSync(join(tmpdir(), 'linegate-dev-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'serial/by-id'), { recursive: true });
  mkdirSync(join(root, 'serial/by-path'), { recursive: true });
  for (const n of ['ttyUSB0', 'ttyUSB1', 'ttyUSB2', 'ttyUSB3']) writeFileSync(join(root, n), '');
  symlinkSync('../../ttyUSB2', join(root, 'serial/by-id/usb-Quectel_EG25-G-if02-port0'));
  symlinkSync('../../ttyUSB3', join(root, 'serial/by-id/usb-Quectel_EG25-G-if03-port0'));
  symlinkSync('../../ttyUSB1', join(root, 'serial/by-path/platform-xhci-hcd.0-usb-0:1.3:1.2-port0'));

  it('finds a modem by a unique part of its by-id or by-path name', async () => {
    assert.equal(await resolveDevicePath('by-id:EG25-G-if02', { devRoot: root }), join(root, 'ttyUSB2'));
    assert.equal(await resolveDevicePath('by-path:usb-0:1.3:1.2', { devRoot: root }), join(root, 'ttyUSB1'));
    assert.equal(
      await resolveDevicePath(join(root, 'serial/by-id/usb-Quectel_EG25-G-if03-port0'), { devRoot: root }),
      join(root, 'ttyUSB3'),
    );
  });

  it('refuses ambiguous or missing names with codes', async () => {
    await assert.rejects(resolveDevicePath('by-id:Quectel', { devRoot: root }), (e) =>
      isLinegateError(e, 'CONFIG_INVALID'),
    );
    await assert.rejects(resolveDevicePath('by-id:SIM800', { devRoot: root }), (e) =>
      isLinegateError(e, 'DEVICE_MISSING'),
    );
    await assert.rejects(resolveDevicePath('ttyUSB0', { devRoot: root }), (e) =>
      isLinegateError(e, 'CONFIG_INVALID'),
    );
    assert.equal(await resolveDevicePath('tcp://127.0.0.1:2000'), 'tcp://127.0.0.1:2000');
  });

  it('flags ttyUSB numbers as unstable', () => {
    assert.equal(isUnstableDeviceName('/dev/ttyUSB2'), true);
    assert.equal(isUnstableDeviceName('by-id:EG25'), false);
  });
});

describe('tcp:// byte stream (ser2net)', () => {
  it('exchanges bytes and reports the far end going away', async () => {
    let serverSide: Socket | undefined;
    const server = createServer((s) => {
      serverSide = s;
      s.on('data', (d) => s.write(`echo:${d.toString()}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const stream = await openByteStream(`tcp://127.0.0.1:${port}`);
      const got: string[] = [];
      stream.onData((c) => got.push(Buffer.from(c).toString()));
      const closed = new Promise<string>((r) => stream.onClose(r));
      await stream.write('AT\r');
      while (got.join('') !== 'echo:AT\r') await new Promise((r) => setTimeout(r, 5));
      serverSide?.destroy();
      assert.match(await closed, /^lost/);
      assert.equal(stream.isOpen, false);
      await assert.rejects(stream.write('AT\r'), (e) => isLinegateError(e, 'DEVICE_MISSING'));
      await stream.close();
    } finally {
      server.close();
    }
  });

  it('fails to connect with DEVICE_MISSING and rejects bad specs', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    await assert.rejects(openByteStream(`tcp://127.0.0.1:${port}`), (e) =>
      isLinegateError(e, 'DEVICE_MISSING'),
    );
    await assert.rejects(openByteStream('tcp://nohost'), (e) => isLinegateError(e, 'CONFIG_INVALID'));
  });
});

describe('memory byte stream pair', () => {
  it('connects both ends and loses both together', async () => {
    const [a, b] = MemoryByteStream.pair();
    const got: string[] = [];
    b.onData((c) => got.push(Buffer.from(c).toString()));
    await a.write('hi');
    assert.deepEqual(got, ['hi']);
    const reasons: string[] = [];
    a.onClose((r) => reasons.push(`a:${r}`));
    b.lose('unplugged');
    assert.deepEqual(reasons, ['a:unplugged']);
  });
});
