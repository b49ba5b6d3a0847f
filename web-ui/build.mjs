// Builds the web UI to web-ui/dist with Vite's JS API (no config file, no
// plugins: esbuild compiles the Preact JSX). Prints each emitted file's
// gzipped size so the 150 KB JS budget is visible on every build.
// Run with `node web-ui/build.mjs` from anywhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist');
const JS_BUDGET_GZIP_BYTES = 150 * 1024;

await build({
  root,
  configFile: false,
  base: '/',
  logLevel: 'warn',
  publicDir: join(root, 'public'),
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows scripts from 'self' only: no inline polyfill, no data: modules.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: false,
  },
});

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let jsGzipBytes = 0;
for (const file of walk(outDir).sort()) {
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 }).length;
  if (file.endsWith('.js')) jsGzipBytes += gz;
  console.log(
    `[web-ui] ${relative(root, file).padEnd(40)} ${String(bytes.length).padStart(8)} B  gzip ${gz} B`,
  );
}
console.log(`[web-ui] JavaScript total gzip ${(jsGzipBytes / 1024).toFixed(1)} KB (budget 150 KB)`);
if (jsGzipBytes > JS_BUDGET_GZIP_BYTES) {
  console.error('[web-ui] JavaScript over the 150 KB gzip budget');
  process.exit(1);
}
