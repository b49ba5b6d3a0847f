// Compiles sd_notify.node with the system C compiler against Node's own
// N-API headers. Used by scripts/build.mjs; safe to run repeatedly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function nodeIncludeDir() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

/** Returns the path of the built addon, or undefined (with the reason printed) when it cannot be built. */
export function buildSdNotifyAddon({ outDir, cc = process.env.CC ?? 'cc', quiet = false } = {}) {
  const include = nodeIncludeDir();
  const out = join(outDir, 'sd_notify.node');
  const src = join(here, 'sd_notify.c');
  if (existsSync(out) && statSync(out).mtimeMs > statSync(src).mtimeMs) return out;
  if (!include) {
    if (!quiet) console.warn('[build] sd_notify addon skipped: Node headers (node_api.h) not found');
    return undefined;
  }
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync(
      cc,
      [
        '-O2',
        '-shared',
        '-fPIC',
        '-Wall',
        '-DNODE_GYP_MODULE_NAME=sd_notify',
        `-I${include}`,
        src,
        '-o',
        out,
      ],
      {
        stdio: quiet ? 'ignore' : 'inherit',
      },
    );
    return out;
  } catch (err) {
    if (!quiet) console.warn(`[build] sd_notify addon skipped: ${err.message}`);
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = buildSdNotifyAddon({
    outDir: process.argv[2] ?? join(here, '..', '..', '..', 'dist', 'native'),
  });
  console.log(out ?? 'not built');
}
