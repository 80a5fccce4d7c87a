// The containers' log lines join the report: each match of the log matcher becomes a finding of
// the result with the same catalog ID, citing the container and the line; a log-only ID (such as
// proxy-unreachable) that was seen becomes a result of its own, in catalog order. A matched
// error makes its result fail; a warning makes a pass a warning; an informational line changes
// no status. Pure: the matches are facts (gathered with the runtime), so a replay folds the same.

import { CATALOG, catalogEntry } from '../catalog/catalog.js';
import type { ContainerLogMatch } from './runtime-facts.js';
import type { CheckResult, FactSource, Finding, Status } from './types.js';

const RANK: Record<Status, number> = { skip: 0, pass: 1, warn: 2, error: 3, fail: 4 };

function statusOf(severity: ContainerLogMatch['severity']): Status {
  return severity === 'error' ? 'fail' : 'warn';
}

function lineSpan(m: ContainerLogMatch): string {
  const lines = m.firstLine === m.lastLine ? `line ${m.firstLine}` : `lines ${m.firstLine}-${m.lastLine}`;
  return `${m.count === 1 ? '1 line' : `${m.count} lines`}, ${lines}`;
}

function logSource(m: ContainerLogMatch): FactSource {
  return { kind: 'log', where: `${m.container} (service ${m.service}), ${lineSpan(m)}` };
}

function logFinding(m: ContainerLogMatch): Finding {
  const evidence: Record<string, unknown> = {
    source: `log of container ${m.container}`,
    count: m.count,
    firstLine: m.firstLine,
    lastLine: m.lastLine,
    example: m.example,
  };
  if (m.firstTime !== null) evidence.firstTime = m.firstTime;
  if (m.lastTime !== null) evidence.lastTime = m.lastTime;
  return {
    severity: m.severity,
    messageId: m.signature,
    symptom: `The ${m.service} container logged: ${m.example}`,
    cause: m.detail ? `${m.cause} ${m.detail}` : m.cause,
    fix: m.fix,
    evidence,
  };
}

/** The results with the containers' log matches folded in (unchanged when there are none). */
export function foldContainerLogs(
  results: readonly CheckResult[],
  matches: readonly ContainerLogMatch[],
): CheckResult[] {
  if (matches.length === 0) return [...results];
  const byId = new Map<string, ContainerLogMatch[]>();
  for (const m of matches) byId.set(m.id, [...(byId.get(m.id) ?? []), m]);
  const have = new Map(results.map((r) => [r.id, r]));
  const out: CheckResult[] = [];
  for (const entry of CATALOG) {
    const seen = byId.get(entry.id) ?? [];
    const current = have.get(entry.id);
    if (!current && seen.length === 0) continue;
    if (!current) {
      out.push(fold(fresh(entry.id), seen));
      continue;
    }
    out.push(seen.length === 0 ? current : fold(current, seen));
  }
  // A result whose ID the catalog does not list (none today) keeps its place at the end.
  for (const r of results) if (!CATALOG.some((e) => e.id === r.id)) out.push(r);
  return out;
}

/** A log-only ID seen in the log: passing unless a warning or an error line says otherwise. */
function fresh(id: string): CheckResult {
  const entry = catalogEntry(id);
  const reason = "seen only in the containers' logs (no probe or file judges this)";
  return { id, layer: entry.layer, title: entry.title, status: 'pass', durationMs: 0, reason, findings: [] };
}

function fold(result: CheckResult, seen: readonly ContainerLogMatch[]): CheckResult {
  let status = result.status;
  let reason = result.reason;
  for (const m of seen) {
    const s = statusOf(m.severity);
    // An informational line proves nothing wrong, and nothing right either: it does not turn a skip into a pass.
    if (m.severity !== 'info' && RANK[s] > RANK[status]) {
      // A skip's reason ("needs ...") no longer describes a result the log decided.
      if (status === 'skip') reason = null;
      status = s;
    }
  }
  return {
    ...result,
    status,
    reason,
    findings: [...result.findings, ...seen.map(logFinding)],
    sources: [...(result.sources ?? []), ...seen.map(logSource)],
  };
}
