// Applies repair plans through the one writer (src/core/safe-writer.ts), each plan on its own
// (a refusal does not stop the others), inside the deployment root. An edit is made only when
// the file still holds exactly the text the plan was made from (a UTF-8 BOM kept); a verified
// backup (<file>.bak, or .bak.N) is written first. A mode change is made only when the mode is
// still the one planned from, and the old mode is reported. This module only reads; the writer
// writes.

import { commitChanges, type Change } from '../core/safe-writer.js';
import { readBounded } from '../probes/bounded-file.js';
import type { FixPlan } from './types.js';

export interface ApplyResult {
  plan: FixPlan;
  /** refused: the writer will not (a link, outside the root, read-only...); conflict: the file changed. */
  status: 'applied' | 'refused' | 'conflict' | 'failed';
  /** Why it was not applied; what was done when applied. */
  message: string;
  /** The backup written before an edit. */
  backup?: string;
  /** The mode before a chmod. */
  oldMode?: number;
  /** What the writer could not check (e.g. extended attributes without getfattr). */
  notes?: string[];
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MAX_BYTES = 4 * 1024 * 1024;

function changeFor(plan: FixPlan, shown: string): Change | string {
  if (plan.kind === 'chmod') return { kind: 'chmod', path: plan.path, mode: plan.mode, expectedMode: plan.beforeMode };
  const read = readBounded(plan.path, false, MAX_BYTES);
  if (read.state !== 'ok') {
    return `${shown} ${read.state === 'missing' ? 'is gone' : read.problem}; nothing was written`;
  }
  const bom = read.bytes.subarray(0, 3).equals(BOM);
  if (read.bytes.subarray(bom ? 3 : 0).toString('utf8') !== plan.before) {
    return `${shown} changed since it was checked; nothing was written (run the doctor again)`;
  }
  const after = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(plan.after, 'utf8')]);
  return { kind: 'write', path: plan.path, bytes: after, expected: read.bytes, backup: {} };
}

/** Apply plans in order under `root` (the deployment directory); each is judged on its own. */
export function applyPlans(plans: readonly FixPlan[], root: string, display = (path: string) => path): ApplyResult[] {
  return plans.map((plan): ApplyResult => {
    const change = changeFor(plan, display(plan.path));
    if (typeof change === 'string') return { plan, status: 'conflict', message: change };
    const outcome = commitChanges(root, [change], { display });
    if (outcome.status !== 'done') return { plan, status: outcome.status, message: outcome.message };
    const [done] = outcome.changes;
    if (!done) return { plan, status: 'failed', message: `the writer reported no change to ${display(plan.path)}` };
    const notes = outcome.notes.length > 0 ? { notes: outcome.notes } : {};
    if (plan.kind === 'chmod') {
      const message = `mode of ${display(plan.path)} changed`;
      return { plan, status: 'applied', message, oldMode: done.oldMode, ...notes };
    }
    return { plan, status: 'applied', message: `edited ${display(plan.path)}`, backup: done.backup, ...notes };
  });
}
