// Writes checks/index.ts from the catalog: every doctor ID (an entry whose kind is not 'log'), in
// catalog order, imported from checks/<layer>/<id>.ts. Adding a check is then its own file, its
// test and its catalog entry; `npm run build` derives the index. With --check, only verifies
// that the committed index is the derived one (the lint step), and exits 1 when it is not.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const catalogFile = join(root, 'src', 'catalog', 'catalog.ts');
const indexFile = join(root, 'checks', 'index.ts');

/** The catalog's entries as written: `id`, then `layer`, then `kind`, on consecutive lines. */
function doctorEntries(source) {
  const entries = [];
  for (const m of source.matchAll(/^\s+id: '([a-z0-9-]+)',\n\s+layer: '([a-z]+)',\n\s+kind: '([a-z+]+)',$/gm)) {
    if (m[3] !== 'log') entries.push({ id: m[1], layer: m[2] });
  }
  return entries;
}

const camel = (id) => id.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

export function deriveIndex() {
  const entries = doctorEntries(readFileSync(catalogFile, 'utf8'));
  if (entries.length === 0) throw new Error(`no doctor entries found in ${catalogFile}`);
  const missing = entries.filter((e) => !existsSync(join(root, 'checks', e.layer, `${e.id}.ts`)));
  if (missing.length > 0) {
    throw new Error(
      `catalog entries without a check module: ${missing.map((e) => `checks/${e.layer}/${e.id}.ts`).join(', ')}`,
    );
  }
  return [
    '// Every doctor check, in catalog order. Derived from src/catalog/catalog.ts by',
    '// scripts/check-index.mjs (run by `npm run build`); do not edit by hand.',
    '',
    ...entries.map((e) => `import { check as ${camel(e.id)} } from './${e.layer}/${e.id}.js';`),
    "import type { Check } from '../src/core/check.js';",
    '',
    'export const CHECKS: readonly Check[] = [',
    ...entries.map((e) => `  ${camel(e.id)},`),
    '];',
    '',
  ].join('\n');
}

const wanted = deriveIndex();
const current = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error(
      'checks/index.ts is not the one derived from the catalog: run npm run build (or node scripts/check-index.mjs)',
    );
    process.exit(1);
  }
} else if (current !== wanted) {
  writeFileSync(indexFile, wanted);
  console.error('checks/index.ts written from the catalog');
}
