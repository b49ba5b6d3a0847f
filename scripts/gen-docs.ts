// Regenerates the parts of the README that come from code: the configuration
// reference (from the schema) and the CLI reference (from each command's usage).
// `npm run docs` writes them; the test suite fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema, walkSchema } from '../daemon/config/schema.ts';

export const README = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'README.md');

export function configReference(): string {
  const rows: string[] = ['| field | type | default | restart | description |', '|---|---|---|---|---|'];
  walkSchema(ConfigSchema, (path, s) => {
    const f = s as {
      title?: string;
      description?: string;
      default?: unknown;
      type?: string;
      anyOf?: { const?: unknown }[];
      requiresRestart?: boolean;
      secret?: boolean;
      items?: { type?: string };
      properties?: unknown;
    };
    let type = f.type ?? (f.anyOf ? f.anyOf.map((a) => JSON.stringify(a.const)).join(' \\| ') : '');
    if (type === 'array') type = `list of ${f.items?.type ?? 'values'}`;
    if (type === 'object' && f.properties) type = 'section';
    const def =
      f.default === undefined ||
      (typeof f.default === 'object' &&
        Object.keys(f.default as object).length === 0 &&
        !Array.isArray(f.default))
        ? ''
        : `\`${JSON.stringify(f.default)}\``;
    const desc = `${f.title ? `**${f.title}.** ` : ''}${f.description ?? ''}${f.secret ? ' *Secret: redacted on read-back.*' : ''}`;
    rows.push(
      `| \`${path}\` | ${type} | ${def} | ${f.requiresRestart ? 'yes' : ''} | ${desc.replace(/\|/g, '\\|')} |`,
    );
  });
  return rows.join('\n');
}

export function renderReadme(text: string): string {
  return replaceBetween(text, 'config-reference', configReference());
}

function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`README lacks the ${marker} markers`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

if (process.argv[1]?.endsWith('gen-docs.ts')) {
  const before = readFileSync(README, 'utf8');
  const after = renderReadme(before);
  if (after !== before) writeFileSync(README, after);
  console.log(after === before ? 'README.md up to date' : 'README.md updated');
}
