import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __LINEGATE_VERSION__: string | undefined;

/** The product version: baked in by the build, else read from package.json of a source checkout. */
export const VERSION: string = (() => {
  if (typeof __LINEGATE_VERSION__ === 'string') return __LINEGATE_VERSION__;
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0-dev';
  }
})();
