// Every ID the tool can print can be explained: catalog IDs, every messageId of every check (as
// each check module declares them) and every log signature name.

import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/catalog.js';
import { CHECKS } from '../../checks/index.js';
import { SIGNATURES } from '../../src/catalog/signatures.js';
import { explain } from '../../src/commands/catalog-commands.js';
import { runInProcess } from '../helpers/in-process.js';

/** Each check's messageIds and what each means, as the check module declares them. */
const MESSAGES: Record<string, Record<string, string>> = Object.fromEntries(
  CHECKS.map((c) => [c.id, Object.fromEntries(Object.entries(c.messages).map(([id, spec]) => [id, spec.meaning]))]),
);

describe('explain knows every ID the tool prints', () => {
  it('every check declares its messages, each with a severity and a meaning', () => {
    // A check can report only a declared messageId (report() is typed by the declaration and
    // throws on an unknown one), so the declarations are the complete list.
    const all = CHECKS.flatMap((c) => Object.entries(c.messages).map(([id, spec]) => ({ check: c.id, id, spec })));
    expect(all.length).toBeGreaterThan(250);
    for (const { check, id, spec } of all) {
      expect(['error', 'warn', 'info'], `${check}/${id}`).toContain(spec.severity);
      expect(spec.meaning.length, `${check}/${id}`).toBeGreaterThan(10);
    }
  });

  it('lists messages only for catalog IDs', () => {
    for (const id of Object.keys(MESSAGES))
      expect(
        CATALOG.some((e) => e.id === id),
        id,
      ).toBe(true);
  });

  it('explains every catalog ID, messageId and signature, in text and JSON', () => {
    for (const e of CATALOG) expect(explain(e.id, false)).toContain(`${e.id} — ${e.title}`);
    for (const [check, messages] of Object.entries(MESSAGES)) {
      for (const [id, text] of Object.entries(messages)) {
        const out = explain(id, false);
        expect(out, id).toContain(`${id} — a finding of the check ${check}`);
        expect(out).toContain(text);
        expect(out).toMatch(/\nSymptom: .+\nCause: {3}.+\nFix: {5}.+/);
        expect(explain(`${check}/${id}`, false)).toContain(text);
        expect(explain(check, false)).toContain(`  ${id} `);
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
