// `doctor --fix`: after the checks, plan the repairs that are safe to make mechanically, show
// them (a unified diff per edit, the command per mode change) with the findings left for the
// user, and with `yes` apply them (backups first). The caller re-gathers the facts and runs the
// checks again to show the result.

import type { Facts } from '../core/facts.js';
import type { CheckResult } from '../core/types.js';
import { redact } from '../redaction/redact.js';
import { applyPlans } from '../fixes/apply.js';
import { displayPath } from '../pki/tls-inputs.js';
import { planFixes } from '../fixes/index.js';
import { renderApplied, renderPlan } from '../fixes/render.js';
import { readSources } from '../fixes/sources.js';

export interface FixOptions {
  yes: boolean;
  color: boolean;
}

export interface FixIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface FixSummary {
  /** Repairs applied (0 without `yes`). */
  applied: number;
  /** Repairs planned. */
  planned: number;
  /** Planned repairs refused (a file changed in between) or failed while applying. */
  notApplied: number;
  /** Errors and warnings with no mechanical repair, left for the user. */
  manual: number;
}

export async function runFix(
  facts: Readonly<Facts>,
  results: readonly CheckResult[],
  opts: FixOptions,
  io: FixIO,
): Promise<FixSummary> {
  const { sources, stale } = readSources(facts);
  const report = planFixes(facts, results, sources);
  // Diffs show lines of the user's files (a .env holds the tunnel token): always redacted.
  io.stdout(redact(renderPlan(facts, report, stale, { color: opts.color, applying: opts.yes })));
  const summary: FixSummary = { applied: 0, planned: report.plans.length, notApplied: 0, manual: report.manual.length };
  if (!opts.yes || report.plans.length === 0) return summary;
  // Every file is changed through the one writer, only inside the deployment directory.
  const applied = applyPlans(report.plans, facts.deployment.dir, (p) => displayPath(facts, p));
  io.stdout(redact(renderApplied(facts, applied, { color: opts.color })));
  summary.applied = applied.filter((r) => r.status === 'applied').length;
  summary.notApplied = applied.length - summary.applied;
  return summary;
}
