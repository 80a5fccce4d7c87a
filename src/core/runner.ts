// Runs checks over gathered facts. One check that throws becomes an `error` result; the
// run always finishes. Checks left out by --only/--skip still appear, skipped with the reason.

import { performance } from 'node:perf_hooks';
import type { Check } from './check.js';
import type { Facts } from './facts.js';
import type { CheckResult, Layer } from './types.js';
import { catalogEntry } from '../catalog/catalog.js';
import { describeError } from './errors.js';

export interface Selection {
  only: string[]; // layers or IDs; empty = everything
  skip: string[];
}

export function isSelected(check: Pick<Check, 'id' | 'layer'>, selection: Selection): string | null {
  const named = (list: string[]) => list.includes(check.id) || list.includes(check.layer);
  if (selection.only.length > 0 && !named(selection.only)) return `not selected (--only ${selection.only.join(',')})`;
  if (named(selection.skip)) return `skipped on request (--skip ${selection.skip.join(',')})`;
  return null;
}

export function runCheck(check: Check, facts: Readonly<Facts>): CheckResult {
  const entry = catalogEntry(check.id);
  const started = performance.now();
  const base = { id: check.id, layer: entry.layer as Layer, title: entry.title };
  try {
    const outcome = check.run(facts);
    return {
      ...base,
      status: outcome.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      reason: outcome.reason,
      findings: outcome.findings,
    };
  } catch (err) {
    return {
      ...base,
      status: 'error',
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      reason: `the check itself failed: ${describeError(err)}`,
      findings: [],
    };
  }
}

export function runChecks(checks: readonly Check[], facts: Readonly<Facts>, selection: Selection): CheckResult[] {
  const frozen = deepFreeze(structuredClone(facts));
  return checks.map((check) => {
    const notSelected = isSelected(check, selection);
    if (notSelected) {
      const entry = catalogEntry(check.id);
      return { id: check.id, layer: entry.layer, title: entry.title, status: 'skip', durationMs: 0, reason: notSelected, findings: [] };
    }
    return runCheck(check, frozen);
  });
}

/** Checks must not change the facts other checks read: freeze them (as ESLint's RuleTester does). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
