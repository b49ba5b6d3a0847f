// Builds dist/: the daemon bundle (dist/linegate.js, npm packages left
// bundled), the sd_notify addon (dist/native/) and, when present, the web
// UI (web-ui/dist, copied to dist/web-ui). Run by `npm run build`.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { buildSdNotifyAddon } from '../daemon/system/sd-notify/build-addon.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
mkdirSync(dist, { recursive: true });

await build({
  entryPoints: [join(root, 'daemon', 'cli.ts')],
  outfile: join(dist, 'linegate.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Everything is bundled (and minified: ~10 MB less idle RSS than loading
  // node_modules file by file) except native addons and packages that load
  // files or spawn helpers at run time.
  external: [
    'better-sqlite3',
    'serialport',
    '@serialport/*',
    'pino-pretty',
    'systeminformation',
    'node-libgpiod',
    'esbuild',
    'vite',
    'playwright-core',
  ],
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  banner: {
    js: "import { createRequire as __linegateRequire } from 'node:module'; const require = __linegateRequire(import.meta.url);",
  },
  legalComments: 'none',
  define: { __LINEGATE_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
chmodSync(join(dist, 'linegate.js'), 0o755);

buildSdNotifyAddon({ outDir: join(dist, 'native') });

const webUi = join(root, 'web-ui');
if (existsSync(join(webUi, 'build.mjs')) && !process.env.LINEGATE_SKIP_WEB_UI) {
  execFileSync(process.execPath, [join(webUi, 'build.mjs')], { stdio: 'inherit', cwd: root });
}
if (existsSync(join(webUi, 'dist', 'index.html'))) {
  rmSync(join(dist, 'web-ui'), { recursive: true, force: true });
  cpSync(join(webUi, 'dist'), join(dist, 'web-ui'), { recursive: true });
}
console.log('[build] dist/linegate.js ready');
