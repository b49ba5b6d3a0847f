import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where Linegate's own files are (hardware/boards, the built web UI): the
 * source checkout when run with tsx, the package root when run from
 * dist/linegate.js, /usr/share/linegate when installed from the .deb.
 */
export function installRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'hardware', 'boards'))) return dir;
    dir = dirname(dir);
  }
  return existsSync('/usr/share/linegate/hardware/boards') ? '/usr/share/linegate' : process.cwd();
}

export function boardsDir(): string {
  return process.env.LINEGATE_BOARDS_DIR ?? join(installRoot(), 'hardware', 'boards');
}
