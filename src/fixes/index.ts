// Every repair `doctor --fix` knows, and the planner that runs them in order over one working
// copy of the files (so two repairs of the same file chain: the second's `before` is the first's
// `after`). Pure: the file texts come in as Sources, read by sources.ts.

import type { Facts } from '../core/facts.js';
import type { CheckResult, Location, Severity } from '../core/types.js';
import { describeError } from '../core/errors.js';
import { cloudflaredNetwork } from './cloudflared-network.js';
import { cloudflaredUrl } from './cloudflared-url.js';
import { helmAudience } from './helm-audience.js';
import { keyMode } from './key-mode.js';
import { privateRange } from './private-range.js';
import { routesMap } from './routes-map.js';
import { tunnelDomain } from './tunnel-domain.js';
import type { Declined, FixModule, FixPlan, SourceFile, Sources } from './types.js';

/** In catalog order of the checks they repair. */
const FIXES: readonly FixModule[] = [
  cloudflaredUrl,
  cloudflaredNetwork,
  keyMode,
  routesMap,
  tunnelDomain,
  privateRange,
  helmAudience,
];

/** A finding left for the user, with why it was not repaired when a repair was considered. */
export interface ManualItem {
  id: string;
  messageId: string;
  severity: Severity;
  fix: string;
  location?: Location;
  reason: string | null;
}

export interface FixReport {
  plans: FixPlan[];
  declined: Declined[];
  manual: ManualItem[];
}

export function planFixes(
  facts: Readonly<Facts>,
  results: readonly CheckResult[],
  sources: Sources,
  modules: readonly FixModule[] = FIXES,
): FixReport {
  const working = new Map<string, SourceFile>(sources);
  const plans: FixPlan[] = [];
  const declined: Declined[] = [];
  for (const m of modules) {
    try {
      const out = m.plan(facts, results, working);
      for (const p of out.plans) {
        plans.push(p);
        if (p.kind === 'edit') working.set(p.path, { path: p.path, text: p.after });
      }
      declined.push(...out.declined);
    } catch (err) {
      // A repair that breaks must not take the others down: its findings stay manual.
      const result = results.find((r) => r.id === m.id);
      const answers = (result?.findings ?? []).flatMap((f, index) =>
        m.messageIds.includes(f.messageId) ? [{ id: m.id, messageId: f.messageId, index }] : [],
      );
      if (answers.length > 0) declined.push({ answers, reason: `the repair itself failed: ${describeError(err)}` });
    }
  }
  return { plans, declined, manual: manualItems(results, plans, declined) };
}

/** Every error or warning no plan answers, in the order of the results. */
function manualItems(
  results: readonly CheckResult[],
  plans: readonly FixPlan[],
  declined: readonly Declined[],
): ManualItem[] {
  const key = (id: string, index: number) => `${id}#${index}`;
  const answered = new Set(plans.flatMap((p) => p.answers.map((a) => key(a.id, a.index))));
  const reasons = new Map(declined.flatMap((d) => d.answers.map((a) => [key(a.id, a.index), d.reason] as const)));
  const out: ManualItem[] = [];
  for (const r of results) {
    if (r.status !== 'fail' && r.status !== 'warn') continue;
    r.findings.forEach((f, index) => {
      if (f.severity === 'info' || answered.has(key(r.id, index))) return;
      out.push({
        id: r.id,
        messageId: f.messageId,
        severity: f.severity,
        fix: f.fix,
        location: f.location,
        reason: reasons.get(key(r.id, index)) ?? null,
      });
    });
  }
  return out;
}

export type { FixPlan, EditPlan, ChmodPlan, Declined, FixModule, SourceFile, Sources } from './types.js';
