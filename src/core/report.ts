// Builds the versioned report from check results: the summary counts and the verdict that
// names the first failing layer, in layer order.

import type { CheckResult, DoctorReport, RuntimeSummary, Status, Verdict } from './types.js';
import { LAYERS } from './types.js';

function summarize(results: readonly CheckResult[]): Record<Status, number> {
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) summary[r.status] += 1;
  return summary;
}

function verdictOf(results: readonly CheckResult[]): Verdict {
  for (const status of ['fail', 'error', 'warn'] as const) {
    for (const layer of LAYERS) {
      const hit = results.find((r) => r.layer === layer && r.status === status);
      if (!hit) continue;
      const first = hit.findings.find((f) => f.severity !== 'info');
      const detail = first ? first.symptom : (hit.reason ?? hit.title);
      const word = status === 'fail' ? 'fails' : status === 'error' ? 'could not be checked' : 'has warnings';
      return {
        status,
        layer,
        id: hit.id,
        summary: `Layer ${layer} ${word} first (${hit.id}): ${detail}`,
      };
    }
  }
  const passed = results.filter((r) => r.status === 'pass');
  // A pass with parts it could not verify is not a clean bill: the verdict says how many.
  const partial = passed.filter((r) => r.reason?.startsWith('not checked:')).length;
  const caveat = partial === 0 ? '' : ` (${partial} of them with parts not checked: see "not checked" under each)`;
  return {
    status: 'pass',
    layer: null,
    id: null,
    summary: `No problems found in ${passed.length} checks that ran${caveat}.`,
  };
}

export function buildDoctorReport(
  results: CheckResult[],
  durationMs: number,
  version: string,
  runtime: RuntimeSummary | null = null,
): DoctorReport {
  const report: DoctorReport = {
    schemaVersion: 1,
    tool: { name: 'mcp-tunnel', version },
    command: 'doctor',
    durationMs: Math.round(durationMs),
    verdict: verdictOf(results),
    summary: summarize(results),
    results,
  };
  if (runtime) report.runtime = runtime;
  return report;
}

/** 1 when a finding is at or above the threshold, else 2 when a check errored, else 0. */
export function exitCodeFor(results: readonly CheckResult[], failOn: 'error' | 'warn'): 0 | 1 | 2 {
  const failing = results.some((r) => r.status === 'fail' || (failOn === 'warn' && r.status === 'warn'));
  if (failing) return 1;
  if (results.some((r) => r.status === 'error')) return 2;
  return 0;
}
