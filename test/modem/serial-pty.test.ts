import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLinegateError } from '../../drivers/base/errors.ts';
import { openByteStream } from '../../drivers/serial/open-byte-stream.ts';
import { SocatPtyPair, socatAvailable } from '../../drivers/serial/socat-pty-pair.ts';

describe('serialport over a socat PTY pair', {
  skip: socatAvailable() ? false : 'socat is not installed',
}, () => {
  it('carries bytes both ways, notices the PTY vanishing, and reopens under the same name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linegate-pty-'));
    const pair = new SocatPtyPair({ nearLink: join(dir, 'near'), farLink: join(dir, 'far') });
    try {
      await pair.start();
      const near = await openByteStream(pair.nearLink);
      const far = await openByteStream(pair.farLink);
      const got: string[] = [];
      far.onData((c) => got.push(Buffer.from(c).toString('latin1')));
      await near.write('AT\r\xff');
      while (got.join('') !== 'AT\r\xff') await new Promise((r) => setTimeout(r, 5));
      const closed = new Promise<string>((r) => near.onClose(r));
      const t0 = Date.now();
      await pair.stop();
      // An idle port must notice on its own (no write needed) so recovery starts at once.
      const reason = await Promise.race([
        closed,
        new Promise<string>((r) => setTimeout(() => r('not noticed'), 3000)),
      ]);
      assert.match(reason, /^(lost|error)/, `vanish noticed in ${Date.now() - t0} ms`);
      await far.close();
      await assert.rejects(openByteStream(pair.nearLink), (e) => isLinegateError(e, 'DEVICE_MISSING'));
      await pair.start();
      const again = await openByteStream(pair.nearLink);
      assert.equal(again.isOpen, true);
      await again.close();
      await again.close();
    } finally {
      await pair.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
