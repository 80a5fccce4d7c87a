// A RuleTester for checks: pass cases and fail cases of plain facts. A fail case must name the
// findings it expects (by messageId); facts are frozen so a check cannot change them.

import { describe, expect, it } from 'vitest';
import { isLiveCheck, type Check } from '../../src/core/check.js';
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

/** Every messageId a check reports is declared in its messages, so `explain` knows it. */
function expectListed(check: Check, result: ReturnType<typeof runCheck>): void {
  for (const f of result.findings)
    expect(Object.hasOwn(check.messages, f.messageId), `${check.id}/${f.messageId} is not in its messages`).toBe(true);
}

/** Facts every check may read without declaring them. */
const ALWAYS_THERE = new Set(['now', 'offline', 'deployment', 'processEnv']);
const LIVE_GENERAL = new Set(['timeoutMs', 'budgetMs', 'durationMs', 'probes', 'budgetExhausted']);
const LIVE_SKIPPED: Record<string, string[]> = {
  edgeSkipped: ['live.edge'],
  proxySkipped: ['live.proxy'],
  upstreamsSkipped: ['live.upstreams'],
  oauthSkipped: ['live.oauthMetadata', 'live.resourceMetadata'],
  mcpSkipped: ['live.mcp'],
  oauthChainSkipped: ['live.oauthChain'],
  caRegistrationSkipped: ['live.caRegistration'],
  runtimeSkipped: ['live.runtime'],
  metricsSkipped: ['live.metrics'],
  containerLogsSkipped: ['live.containerLogs'],
  // Where a group's probes ran belongs to the group (the runner cites it among the sources).
  proxyFrom: ['live.proxy', 'live.oauthMetadata', 'live.resourceMetadata', 'live.mcp', 'live.oauthChain'],
  upstreamsFrom: ['live.upstreams', 'live.oauthMetadata', 'live.resourceMetadata', 'live.mcp', 'live.oauthChain'],
};

/**
 * Facts that record which of them a check reads, so a test can assert that a check reads only
 * what it declares in `requires` and `uses` (the probe planner and --save-facts rely on it).
 * The proxies sit on unfrozen shallow copies; the values inside stay frozen, and writes throw.
 */
function recordingFacts(facts: Facts, read: Set<string>): Facts {
  const readOnly = {
    set: () => {
      throw new Error('a check wrote to its facts');
    },
    defineProperty: () => {
      throw new Error('a check wrote to its facts');
    },
  };
  const live = facts.live
    ? new Proxy(
        { ...facts.live },
        {
          ...readOnly,
          get: (target, key) => {
            if (typeof key === 'string') read.add(`live.${key}`);
            return Reflect.get(target, key);
          },
        },
      )
    : undefined;
  return new Proxy(
    { ...facts },
    {
      ...readOnly,
      get: (target, key) => {
        if (key === 'live') {
          read.add('live');
          return live;
        }
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key);
      },
    },
  );
}

/** The facts a check read that it did not declare. */
function undeclaredReads(check: Check, read: Set<string>): string[] {
  const declared = new Set<string>([...check.requires, ...check.uses]);
  const anyLive = [...declared].some((k) => k.startsWith('live.'));
  return [...read].filter((key) => {
    if (ALWAYS_THERE.has(key) || declared.has(key)) return false;
    if (key === 'live') return !anyLive;
    if (!key.startsWith('live.')) return true;
    const field = key.slice('live.'.length);
    if (LIVE_GENERAL.has(field)) return !anyLive;
    const owners = LIVE_SKIPPED[field];
    return owners ? !owners.some((o) => declared.has(o)) : true;
  });
}

/** Runs the check as the runner does; for a defineCheck check, also asserts it read only what it declares. */
function runDeclared(check: Check, facts: Facts): ReturnType<typeof runCheck> {
  const frozen = deepFreeze(structuredClone(facts));
  const read = new Set<string>();
  const result = runCheck(check, recordingFacts(frozen, read));
  expect(undeclaredReads(check, read), `${check.id} reads facts it does not declare in requires or uses`).toEqual([]);
  return result;
}

/**
 * What the catalog's `kind` must say of a check, from the facts it declares: a check that requires
 * a live fact is judged from the network ('live'); one that only uses live facts judges files and
 * adds what the network says when it can ('static+live').
 */
function declaredKind(check: Check): string {
  if (!isLiveCheck(check)) return 'static';
  return check.requires.some((k) => k.startsWith('live.')) ? 'live' : 'static+live';
}

export function testCheck(check: Check, cases: { pass: PassCase[]; fail: FailCase[]; skip?: SkipCase[] }): void {
  describe(`check ${check.id}`, () => {
    it('has a catalog entry whose kind matches the facts it declares', () => {
      const entry = findCatalogEntry(check.id);
      expect(entry, `catalog entry for ${check.id}`).toBeDefined();
      expect(entry?.kind).toBe(declaredKind(check));
    });
    it('has at least one pass and one fail case', () => {
      expect(cases.pass.length).toBeGreaterThan(0);
      expect(cases.fail.length).toBeGreaterThan(0);
    });
    for (const c of cases.pass) {
      it(`passes: ${c.name}`, () => {
        const result = runDeclared(check, c.facts);
        expectListed(check, result);
        if (c.notChecked === undefined)
          expect(result.reason, 'a pass case must not error, skip or leave a part unchecked').toBeNull();
        else
          expect(result.reason ?? '').toMatch(
            new RegExp(
              `^not checked: .*${typeof c.notChecked === 'string' ? c.notChecked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : c.notChecked.source}`,
            ),
          );
        expect(result.findings.filter((f) => f.severity !== 'info').map((f) => `${f.messageId}: ${f.symptom}`)).toEqual(
          [],
        );
        expect(result.status).toBe('pass');
        if (c.info) expect(result.findings.map((f) => f.messageId).sort()).toEqual([...c.info].sort());
      });
    }
    for (const c of cases.fail) {
      it(`${c.status}s: ${c.name}`, () => {
        if (c.messageIds.length === 0)
          throw new Error(`fail case "${c.name}" expects no finding: name the messageIds it must produce`);
        const result = runDeclared(check, c.facts);
        expectListed(check, result);
        expect(result.status, result.reason ?? '').toBe(c.status);
        const ids = result.findings
          .filter((f) => f.severity !== 'info')
          .map((f) => f.messageId)
          .sort();
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
        const result = runDeclared(check, c.facts);
        expectListed(check, result);
        expect(result.status).toBe('skip');
        if (typeof c.reason === 'string') expect(result.reason).toContain(c.reason);
        else expect(result.reason).toMatch(c.reason);
      });
    }
  });
}
