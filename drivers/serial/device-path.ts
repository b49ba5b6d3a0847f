import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { LinegateError } from '../base/errors.ts';

/**
 * Resolves a configured port spec to a device node. USB modems renumber
 * (ttyUSB2 becomes ttyUSB5 after a re-enumeration), so configuration names a
 * modem by its stable udev link instead:
 *
 * - `by-id:<part>`   the one entry of /dev/serial/by-id whose name contains <part>
 *                    (e.g. `by-id:Quectel_EG25-if02`)
 * - `by-path:<part>` the one entry of /dev/serial/by-path whose name contains <part>
 *                    (e.g. `by-path:usb-0:1.3:1.2` = USB port 1.3, interface 2)
 * - `/dev/serial/by-id/...` or any other absolute path: followed through symlinks
 * - `tcp://host:port` is returned unchanged (ser2net)
 *
 * `devRoot` is injectable so tests build a fake /dev tree.
 */
export async function resolveDevicePath(spec: string, options: { devRoot?: string } = {}): Promise<string> {
  const devRoot = options.devRoot ?? '/dev';
  if (spec.startsWith('tcp://')) return spec;
  const match = /^(by-id|by-path):(.+)$/.exec(spec);
  if (match) {
    const dir = join(devRoot, 'serial', match[1]!);
    const part = match[2]!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      throw new LinegateError('DEVICE_MISSING', `no ${dir}: is any USB serial device plugged in?`);
    }
    const hits = names.filter((n) => n.includes(part)).sort();
    if (hits.length === 0) throw new LinegateError('DEVICE_MISSING', `no entry of ${dir} matches "${part}"`);
    if (hits.length > 1) {
      throw new LinegateError(
        'CONFIG_INVALID',
        `"${part}" matches ${hits.length} entries of ${dir}: ${hits.join(', ')}`,
      );
    }
    return realpathOrMissing(join(dir, hits[0]!));
  }
  if (spec.startsWith('/')) return realpathOrMissing(spec);
  throw new LinegateError(
    'CONFIG_INVALID',
    `unknown port spec "${spec}" (use a path, by-id:, by-path: or tcp://)`,
  );
}

async function realpathOrMissing(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    throw new LinegateError('DEVICE_MISSING', `${path} does not exist`);
  }
}

/** True for names like /dev/ttyUSB3 that change across re-enumeration (worth a warning in config check). */
export function isUnstableDeviceName(spec: string): boolean {
  return /^\/dev\/tty(USB|ACM)\d+$/.test(spec);
}
