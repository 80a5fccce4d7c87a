// A RuleTester for checks: pass cases and fail cases of plain facts. A fail case must name the
// findings it expects (by messageId); facts are frozen so a check cannot change them.

import { describe, expect, it } from 'vitest';
import { fromLegacy, type Check, type LegacyCheck } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import { deepFreeze, runCheck } from '../../src/core/runner.js';
import { findCatalogEntry } from '../../src/catalog/catalog.js';

export interface PassCase {
  name: string;
  facts: Facts;
  /** Info findings the pass case must carry (e.g. evidence of what was checked). */
  info?: string[];
  /** A fragment of the "not checked: ..." reason a partial pass must give; without it, the reason must be empty. */
  notChecked?: string | RegExp;
}

export interface FailCase {
  name: string;
  facts: Facts;
  /** 'fail' (an error finding) or 'warn' (only warnings). */
  status: 'fail' | 'warn';
  /** messageIds of the error and warn findings, in any order, each as often as expected. */
  messageIds: string[];
  /** Optional extra assertions on the findings (evidence, locations, wording that carries a value). */
  assert?: (findings: ReturnType<typeof runCheck>['findings']) => void;
}

export interface SkipCase {
  name: string;
  facts: Facts;
  /** A fragment the skip reason must contain. */
  reason: string | RegExp;
}

/** Every messageId a check reports is listed under it in src/catalog/messages.ts, so `explain` knows it. */
function expectListed(check: Check, result: ReturnType<typeof runCheck>): void {
  for (const f of result.findings) expect(Object.hasOwn(check.messages, f.messageId), `${check.id}/${f.messageId} is not in its messages`).toBe(true);
}

export function testCheck(given: Check | LegacyCheck, cases: { pass: PassCase[]; fail: FailCase[]; skip?: SkipCase[] }): void {
  const check = 'evaluate' in given ? given : fromLegacy(given);
  const layer = 'layer' in given ? given.layer : null;
  describe(`check ${check.id}`, () => {
    it('has a catalog entry in its layer', () => {
      const entry = findCatalogEntry(check.id);
      expect(entry, `catalog entry for ${check.id}`).toBeDefined();
      if (layer) expect(entry!.layer).toBe(layer);
    });
    it('has at least one pass and one fail case', () => {
      expect(cases.pass.length).toBeGreaterThan(0);
      expect(cases.fail.length).toBeGreaterThan(0);
    });
    for (const c of cases.pass) {
      it(`passes: ${c.name}`, () => {
        const result = runCheck(check, deepFreeze(structuredClone(c.facts)));
        expectListed(check, result);
        if (c.notChecked === undefined) expect(result.reason, 'a pass case must not error, skip or leave a part unchecked').toBeNull();
        else expect(result.reason ?? '').toMatch(new RegExp(`^not checked: .*${typeof c.notChecked === 'string' ? c.notChecked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : c.notChecked.source}`));
        expect(result.findings.filter((f) => f.severity !== 'info').map((f) => `${f.messageId}: ${f.symptom}`)).toEqual([]);
        expect(result.status).toBe('pass');
        if (c.info) expect(result.findings.map((f) => f.messageId).sort()).toEqual([...c.info].sort());
      });
    }
    for (const c of cases.fail) {
      it(`${c.status}s: ${c.name}`, () => {
        if (c.messageIds.length === 0) throw new Error(`fail case "${c.name}" expects no finding: name the messageIds it must produce`);
        const result = runCheck(check, deepFreeze(structuredClone(c.facts)));
        expectListed(check, result);
        expect(result.status, result.reason ?? '').toBe(c.status);
        const ids = result.findings.filter((f) => f.severity !== 'info').map((f) => f.messageId).sort();
        expect(ids).toEqual([...c.messageIds].sort());
        for (const f of result.findings) {
          expect(f.symptom.length).toBeGreaterThan(0);
          expect(f.cause.length).toBeGreaterThan(0);
          expect(f.fix.length).toBeGreaterThan(0);
        }
        c.assert?.(result.findings);
      });
    }
    for (const c of cases.skip ?? []) {
      it(`skips: ${c.name}`, () => {
        const result = runCheck(check, deepFreeze(structuredClone(c.facts)));
        expectListed(check, result);
        expect(result.status).toBe('skip');
        if (typeof c.reason === 'string') expect(result.reason).toContain(c.reason);
        else expect(result.reason).toMatch(c.reason);
      });
    }
  });
}
