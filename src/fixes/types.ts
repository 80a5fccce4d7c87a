// The plain data of `doctor --fix`: what a repair would change, as data that can be shown
// (a diff, a command), tested and applied. Planning is pure; only apply.ts touches files.

import type { CheckResult } from '../core/types.js';
import type { Facts } from '../core/facts.js';

/** One finding a plan answers: the check, the message and the finding's index in the result. */
export interface FindingRef {
  id: string;
  messageId: string;
  index: number;
}

interface PlanBase {
  /** The check ID the repair is for. */
  id: string;
  /** The messageIds of the findings it answers (also as precise references in `answers`). */
  messageIds: string[];
  answers: FindingRef[];
  /** One line: what the repair does. */
  title: string;
  /** Absolute path of the file it changes. */
  path: string;
  /** What to run afterwards for the change to take effect (a restart), or null. */
  followUp: string | null;
}

/** Replace a text file's content: shown as a diff, applied with a backup. */
export interface EditPlan extends PlanBase {
  kind: 'edit';
  /** The file's text as read when planning (without a UTF-8 BOM); applying refuses if it changed. */
  before: string;
  after: string;
  /** No single shell command does an edit: the diff is what is shown. */
  command: null;
}

/** Change a file's mode: shown and applied as one command. */
export interface ChmodPlan extends PlanBase {
  kind: 'chmod';
  /** Mode bits when planning; applying refuses if they changed. */
  beforeMode: number;
  mode: number;
  /** The exact shell equivalent, e.g. `chmod 644 /srv/mcp/data/tls.key`. */
  command: string;
}

export type FixPlan = EditPlan | ChmodPlan;

/** A finding whose repair was considered and not made mechanically, with the reason. */
export interface Declined {
  answers: FindingRef[];
  reason: string;
}

export interface PlanOutcome {
  plans: FixPlan[];
  declined: Declined[];
}

/** A text file a repair may edit, as read for planning. */
export interface SourceFile {
  path: string;
  text: string;
}

/** The text of every file repairs may edit, by absolute path (later repairs see earlier edits). */
export type Sources = ReadonlyMap<string, SourceFile>;

/**
 * One repair: a pure function of the facts, the check results and the files' text. The text is
 * passed in because facts never hold whole files (they may hold secrets); sources.ts reads them.
 */
export interface FixModule {
  /** The check ID it repairs. */
  id: string;
  /** The messageIds it answers. */
  messageIds: readonly string[];
  plan(facts: Readonly<Facts>, results: readonly CheckResult[], sources: Sources): PlanOutcome;
}

/** The findings of one check with the given messageIds, with their references. */
export function findingsOf(results: readonly CheckResult[], id: string, messageIds: readonly string[]) {
  const result = results.find((r) => r.id === id);
  if (!result) return [];
  return result.findings.flatMap((f, index) =>
    messageIds.includes(f.messageId) ? [{ finding: f, ref: { id, messageId: f.messageId, index } }] : [],
  );
}

export function messageIdsOf(refs: readonly FindingRef[]): string[] {
  return [...new Set(refs.map((r) => r.messageId))];
}
