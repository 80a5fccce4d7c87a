// `mcp-tunnel checks` and `mcp-tunnel explain <id>`: the catalog, for people and for scripts.

import { CATALOG, findCatalogEntry } from '../catalog/catalog.js';
import { UsageError } from '../core/errors.js';

const KIND_WORDS: Record<string, string> = {
  static: 'files',
  live: 'network',
  'static+live': 'files + network',
  log: 'logs only',
};

export function listChecks(json: boolean): string {
  if (json) {
    return `${JSON.stringify(CATALOG.map((e) => ({ id: e.id, layer: e.layer, kind: e.kind, title: e.title })), null, 2)}\n`;
  }
  const w = Math.max(...CATALOG.map((e) => e.id.length));
  const lines = CATALOG.map((e) => `${e.layer.padEnd(8)} ${e.id.padEnd(w)}  ${KIND_WORDS[e.kind].padEnd(15)} ${e.title}`);
  return `${['LAYER    ' + 'ID'.padEnd(w) + '  JUDGED FROM     TITLE', ...lines].join('\n')}\n\nRun mcp-tunnel explain <id> for the symptom, cause and fix of one.\n`;
}

function closest(id: string): string[] {
  return CATALOG.map((e) => e.id).filter((x) => x.includes(id) || id.includes(x) || x.split('-').some((p) => id.includes(p)));
}

export function explain(id: string, json: boolean): string {
  const e = findCatalogEntry(id);
  if (!e) {
    const near = closest(id);
    throw new UsageError(`explain ${id}: no such ID`, near.length > 0 ? `Did you mean: ${near.slice(0, 5).join(', ')}?` : 'Run mcp-tunnel checks for the list.');
  }
  if (json) return `${JSON.stringify(e, null, 2)}\n`;
  return [
    `${e.id} — ${e.title}`,
    `layer: ${e.layer}    judged from: ${KIND_WORDS[e.kind]}`,
    '',
    `Symptom: ${e.symptom}`,
    `Cause:   ${e.cause}`,
    `Fix:     ${e.fix}`,
    '',
    e.explain,
    '',
  ].join('\n');
}
