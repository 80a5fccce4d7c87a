// Probe planning: which groups of live probes a run needs, from what the selected checks declare
// (`requires` and `uses`). A group no selected check names is not run, so `--only tunnel-token`
// opens no socket; `--offline` plans nothing. Pure: the gatherer and the CLI act on the plan.

import type { Check } from './check.js';
import { isLiveFact, LIVE_FACTS, type LiveFactName } from './requirements.js';
import { isSelected, type Selection } from './runner.js';

export type ProbePlan = ReadonlySet<LiveFactName>;

/** The reason a group the plan leaves out has no facts. */
export const NOT_PLANNED = 'not needed by the selected checks';

export function planProbes(checks: readonly Check[], selection: Selection, offline: boolean): ProbePlan {
  const planned = new Set<LiveFactName>();
  if (offline) return planned;
  for (const check of checks) {
    if (isSelected(check, selection) !== null) continue;
    for (const key of [...check.requires, ...check.uses]) if (isLiveFact(key)) planned.add(key);
  }
  // In the order of LIVE_FACTS, so a plan prints and compares the same way every time.
  return new Set(LIVE_FACTS.filter((k) => planned.has(k)));
}

/** Every group: what a direct call of the gatherer without a plan runs. */
export const FULL_PLAN: ProbePlan = new Set(LIVE_FACTS);

/**
 * The running deployment's groups join any other live group: the containers are inspected (and
 * their logs read, unless --log-lines 0) whenever something live runs, unless --runtime none.
 * The proxy-side probes need the runtime to run from inside the proxy's namespace.
 */
export function withRuntimeGroups(plan: ProbePlan, runtime: 'auto' | 'docker' | 'none', logLines: number): ProbePlan {
  const out = new Set(plan);
  const off = runtime === 'none' || plan.size === 0;
  if (off) out.delete('live.runtime');
  else out.add('live.runtime');
  if (off || logLines === 0) out.delete('live.containerLogs');
  else out.add('live.containerLogs');
  if (off) out.delete('live.metrics');
  return new Set(LIVE_FACTS.filter((k) => out.has(k)));
}
