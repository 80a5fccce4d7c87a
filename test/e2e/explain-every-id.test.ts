// Every ID the tool can print can be explained: catalog IDs, every messageId of every check
// (collected from the check modules' source as well as from src/catalog/messages.ts) and every
// log signature name.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/catalog.js';
import { MESSAGES } from '../../src/catalog/messages.js';
import { SIGNATURES } from '../../src/catalog/signatures.js';
import { explain } from '../../src/commands/catalog-commands.js';
import { ROOT } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';

/** Quoted kebab-case words, except the operands of a comparison (`mode === 'disabled' ? ...`). */
const QUOTED = /(?<![=!]==\s*)'([a-z0-9]+(?:-[a-z0-9]+)*)'/g;

/** The messageIds written as literals in a check module: `messageId: ...`, helpers called with one first, message tables. */
function literalMessageIds(source: string): string[] {
  const ids = new Set<string>();
  const quoted = (text: string) => [...text.matchAll(QUOTED)].map((m) => present(m[1]));
  for (const m of source.matchAll(/messageId:\s*([^,}\n]+)/g)) quoted(present(m[1])).forEach((id) => ids.add(id));
  // Local helpers whose first argument is the messageId: f('...'), add('...'), emit(file)('...').
  for (const m of source.matchAll(/(?:\b(?:f|add)|\))\(\s*'([a-z0-9]+(?:-[a-z0-9]+)*)'/g)) ids.add(present(m[1]));
  // Tables from a failure kind to a messageId.
  for (const m of source.matchAll(/const [A-Z_]*MESSAGES?\b[^=]*= \{([^}]*)\}/g)) {
    for (const v of present(m[1]).matchAll(/:\s*'([a-z0-9-]+)'/g)) ids.add(present(v[1]));
  }
  return [...ids];
}

const checkFiles = readdirSync(join(ROOT, 'checks'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(ROOT, 'checks', d.name)).map((f) => join(ROOT, 'checks', d.name, f)));

describe('explain knows every ID the tool prints', () => {
  it('every messageId written in a check module is listed under its check', () => {
    const unlisted: string[] = [];
    let seen = 0;
    for (const file of checkFiles) {
      const check = basename(file, '.ts');
      for (const id of literalMessageIds(readFileSync(file, 'utf8'))) {
        seen++;
        if (!Object.hasOwn(MESSAGES[check] ?? {}, id)) unlisted.push(`${check}/${id}`);
      }
    }
    expect(seen).toBeGreaterThan(200);
    expect(unlisted).toEqual([]);
  });

  it('lists messages only for catalog IDs', () => {
    for (const id of Object.keys(MESSAGES)) expect(CATALOG.some((e) => e.id === id), id).toBe(true);
  });

  it('explains every catalog ID, messageId and signature, in text and JSON', () => {
    for (const e of CATALOG) expect(explain(e.id, false)).toContain(`${e.id} — ${e.title}`);
    for (const [check, messages] of Object.entries(MESSAGES)) {
      for (const [id, text] of Object.entries(messages)) {
        const out = explain(id, false);
        expect(out, id).toContain(`${id} — a finding of the check ${check}`);
        expect(out).toContain(text);
        expect(explain(`${check}/${id}`, false)).toContain(text);
        expect(JSON.parse(explain(`${check}/${id}`, true))).toMatchObject({ messageId: id, check, text });
      }
    }
    for (const sig of SIGNATURES) {
      const out = explain(sig.name, false);
      expect(out, sig.name).toContain(`${sig.name} — `);
      if (sig.id) expect(out).toContain(sig.id);
    }
  });

  it('the CLI explains the IDs it used to refuse', async () => {
    const sig = await runInProcess(['explain', 'quic-dial-timeout']);
    expect(sig.code).toBe(0);
    expect(sig.stdout).toContain('quic-dial-timeout — a log signature of edge-udp');
    const msg = await runInProcess(['explain', 'unreadable-by-proxy']);
    expect(msg.code).toBe(0);
    expect(msg.stdout).toContain('unreadable-by-proxy — a finding of the check private-key');
    const none = await runInProcess(['explain', 'no-such-thing']);
    expect(none.code).toBe(2);
  });
});
