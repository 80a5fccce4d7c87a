// Runs checks over gathered facts. One check that throws becomes an `error` result; the
// run always finishes. Checks left out by --only/--skip still appear, skipped with the reason.

import { performance } from 'node:perf_hooks';
import { isLiveCheck, type Check } from './check.js';
import { hasFact, missingReason } from './requirements.js';
import type { Facts } from './facts.js';
import type { CheckResult, Finding } from './types.js';
import { catalogEntry } from '../catalog/catalog.js';
import { describeError } from './errors.js';
import { factSources } from './fact-sources.js';

export interface Selection {
  only: string[]; // layers or IDs; empty = everything
  skip: string[];
}

export function isSelected(check: Pick<Check, 'id'>, selection: Selection): string | null {
  const layer = catalogEntry(check.id).layer;
  const named = (list: string[]) => list.includes(check.id) || list.includes(layer);
  if (selection.only.length > 0 && !named(selection.only)) return `not selected (--only ${selection.only.join(',')})`;
  if (named(selection.skip)) return `skipped on request (--skip ${selection.skip.join(',')})`;
  return null;
}

export function runCheck(check: Check, facts: Readonly<Facts>): CheckResult {
  const entry = catalogEntry(check.id);
  const started = performance.now();
  const base = { id: check.id, layer: entry.layer, title: entry.title };
  const absent = check.requires.find((key) => !hasFact(facts, key));
  if (absent) return { ...base, status: 'skip', durationMs: 0, reason: missingReason(facts, absent), findings: [] };
  try {
    const outcome = check.evaluate(facts);
    const result: CheckResult = {
      ...base,
      status: outcome.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      reason: outcome.reason === null ? null : clip(outcome.reason),
      findings: outcome.findings.map(boundFinding),
    };
    if (outcome.status !== 'skip') result.sources = factSources(facts, [...check.requires, ...check.uses]);
    return result;
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
  const frozen = deepFreeze(cloneFacts(facts));
  return checks.map((check) => {
    const notSelected = isSelected(check, selection);
    if (notSelected) {
      const entry = catalogEntry(check.id);
      return {
        id: check.id,
        layer: entry.layer,
        title: entry.title,
        status: 'skip',
        durationMs: 0,
        reason: notSelected,
        findings: [],
      };
    }
    return runCheck(check, frozen);
  });
}

/**
 * After something escaped the probes during the run (see src/commands/last-resort.ts), a live
 * check's pass or warning is not verified any more: it becomes `error` with what escaped. Fails
 * and skips keep their own reason. With nothing to mark, the first live check carries it.
 */
export function markEscapes(
  results: CheckResult[],
  checks: readonly Check[],
  escaped: readonly string[],
): CheckResult[] {
  if (escaped.length === 0) return results;
  const live = new Set(checks.filter(isLiveCheck).map((c) => c.id));
  const why = escaped.join('; ');
  const reason = clip(`a probe failed unexpectedly during the run, so this result is not verified: ${why}`);
  const markable = (r: CheckResult) => live.has(r.id) && (r.status === 'pass' || r.status === 'warn');
  const firstLive = results.find((x) => live.has(x.id)) ?? results[0];
  const target = results.some(markable) ? markable : (r: CheckResult) => r === firstLive;
  return results.map((r) => (target(r) ? { ...r, status: 'error', reason, findings: [] } : r));
}

/**
 * A deep copy of plain data (what facts are: objects, arrays, scalars from JSON and YAML).
 * Iterative, unlike structuredClone, which overflows the stack near 4,000 nested arrays; any
 * other object (a typed array from a YAML !!binary, a Date, a Map) is copied by structuredClone.
 */
export function cloneFacts<T>(value: T): T {
  const copyOf = (v: unknown): unknown => {
    if (!v || typeof v !== 'object') return v;
    if (Array.isArray(v)) return new Array<unknown>(v.length);
    if ([Object.prototype, null].includes(Object.getPrototypeOf(v))) return {};
    return structuredClone(v);
  };
  // Each object is copied once: an object met twice (shared, or inside itself) gets the same copy,
  // so a cycle ends instead of growing without bound.
  const copies = new Map<object, unknown>();
  const stack: [unknown, unknown][] = [];
  const copyOnce = (v: unknown): unknown => {
    if (!v || typeof v !== 'object') return v;
    const known = copies.get(v);
    if (known !== undefined) return known;
    const copy = copyOf(v);
    copies.set(v, copy);
    stack.push([v, copy]);
    return copy;
  };
  const root = copyOnce(value);
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    if (!from || typeof from !== 'object' || to === from) continue;
    const plain = Array.isArray(from) || [Object.prototype, null].includes(Object.getPrototypeOf(from));
    if (!plain) continue;
    for (const [k, v] of Object.entries(from)) (to as Record<string, unknown>)[k] = copyOnce(v);
  }
  return root as T;
}

/**
 * Checks must not change the facts other checks read: freeze them (as ESLint's RuleTester does).
 * Iterative, so any depth of nesting (a JWT of 4,000 nested arrays) freezes without recursion;
 * typed arrays and Buffers (a YAML !!binary value) cannot be frozen and are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object' || Object.isFrozen(v)) continue;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    Object.freeze(v);
    for (const child of Object.values(v as Record<string, unknown>)) stack.push(child);
  }
  return value;
}

const MAX_TEXT = 600;
const MAX_ITEMS = 50;

/** Long values from a user's file (a 900 kB "route") are cut, so a report stays readable and bounded. */
function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}… (${text.length} characters, cut)`;
}

function boundValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clip(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => boundValue(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, MAX_ITEMS)) out[k] = boundValue(v, depth + 1);
  return out;
}

function boundFinding(f: Finding): Finding {
  const bounded: Finding = { ...f, symptom: clip(f.symptom), cause: clip(f.cause), fix: clip(f.fix) };
  if (f.evidence) bounded.evidence = boundValue(f.evidence, 0) as Record<string, unknown>;
  return bounded;
}
