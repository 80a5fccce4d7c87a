// What a check module is, and the small vocabulary checks use to answer.
// A check is pure: it reads Facts and returns an Outcome. The runner times it, turns a throw
// into an `error` result and fills title and layer from the catalog.

import type { Facts } from './facts.js';
import type { Finding, Layer, Severity, Status } from './types.js';
import { catalogEntry } from '../catalog/catalog.js';

export interface Outcome {
  status: Exclude<Status, 'error'>;
  reason: string | null;
  findings: Finding[];
}

export interface Check {
  id: string;
  layer: Layer;
  /** 'static' checks judge files; 'live' checks need probes of the network. */
  kind: 'static' | 'live';
  run(facts: Readonly<Facts>): Outcome;
}

/** Everything was fine; info findings may still carry evidence (what was checked). */
export function pass(findings: Finding[] = []): Outcome {
  return { status: 'pass', reason: null, findings };
}

export function skip(reason: string): Outcome {
  return { status: 'skip', reason, findings: [] };
}

/**
 * Status follows the worst finding: any error -> fail, any warn -> warn, else pass.
 * `notChecked` names what the check could not verify (a domain not known, a host not resolved):
 * it becomes the reason, which every format shows, so a pass never claims more than was checked.
 */
export function judge(findings: Finding[], notChecked: readonly string[] = []): Outcome {
  const status = findings.some((f) => f.severity === 'error')
    ? 'fail'
    : findings.some((f) => f.severity === 'warn')
      ? 'warn'
      : 'pass';
  return { status, reason: notChecked.length > 0 ? `not checked: ${notChecked.join('; ')}` : null, findings };
}

export interface FindingInput {
  messageId: string;
  severity?: Severity;
  /** Replaces the catalog's symptom / cause / fix for this finding; the catalog's text is the default. */
  symptom?: string;
  cause?: string;
  fix?: string;
  evidence?: Record<string, unknown>;
  location?: Finding['location'];
}

/**
 * Build a finding of check `id`. Text not given falls back to the catalog entry, so a
 * check only spells out what is particular to this deployment (the file, the value, the CIDR).
 */
export function finding(id: string, input: FindingInput): Finding {
  const entry = catalogEntry(id);
  const f: Finding = {
    severity: input.severity ?? 'error',
    messageId: input.messageId,
    symptom: input.symptom ?? entry.symptom,
    cause: input.cause ?? entry.cause,
    fix: input.fix ?? entry.fix,
  };
  if (input.evidence) f.evidence = input.evidence;
  if (input.location) f.location = input.location;
  return f;
}
