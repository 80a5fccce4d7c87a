// JUnit XML as CI servers read it (Jenkins, GitLab, Azure DevOps, CircleCI, GitHub test
// reporters): <testsuites> with one <testsuite>, one <testcase> per doctor check (or per
// matched log signature), classname `mcp-tunnel.<layer>`.
//   fail  -> <failure message=symptom type=messageId> with symptom, cause and fix of each error
//   error -> <error message=reason type="check-error">
//   skip  -> <skipped message=reason/>
//   warn  -> a passing testcase whose <system-out> lists the warnings; with --fail-on warn it
//            is a <failure type=messageId> instead, so the XML agrees with the exit code.
// Info findings appear in <system-out> with --verbose. Text is escaped for XML and stripped of
// the characters XML 1.0 cannot carry at all. A pure function: report -> string.

import type { CheckResult, DoctorReport, Finding } from '../core/types.js';
import { findCatalogEntry } from '../catalog/catalog.js';
import type { LogMatch, LogNote, LogsReport } from '../logs/report.js';
import { pathFromBase, type RenderContext } from './context.js';

/** Characters XML 1.0 does not allow anywhere (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlText(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values keep their line breaks and tabs as character references (a parser would fold them to spaces). */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  failure?: { message: string; type: string; body: string };
  error?: { message: string; type: string; body: string };
  skipped?: string;
  out?: string;
}

function renderCase(c: Case): string {
  const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: seconds(c.timeMs) })}`;
  const inner: string[] = [];
  if (c.skipped !== undefined) inner.push(`      <skipped${attrs({ message: c.skipped })}/>`);
  for (const [tag, v] of [
    ['failure', c.failure],
    ['error', c.error],
  ] as const) {
    if (v) inner.push(`      <${tag}${attrs({ message: v.message, type: v.type })}>${xmlText(v.body)}</${tag}>`);
  }
  if (c.out) inner.push(`      <system-out>${xmlText(c.out)}</system-out>`);
  return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
}

function renderSuites(
  name: string,
  cases: Case[],
  timeMs: number,
  properties: Record<string, string>,
  suiteOut?: string,
): string {
  const counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
  };
  const props = Object.entries(properties).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, ...counts, time: seconds(timeMs) })}>`,
    `  <testsuite${attrs({ name, ...counts, time: seconds(timeMs) })}>`,
    '    <properties>',
    ...props.map((p) => `  ${p}`),
    '    </properties>',
    ...cases.map(renderCase),
  ];
  if (suiteOut) lines.push(`    <system-out>${xmlText(suiteOut)}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------ doctor

function findingText(f: Finding, ctx: RenderContext): string {
  const lines = [`[${f.severity}] ${f.messageId}`, `Symptom: ${f.symptom}`, `Cause: ${f.cause}`, `Fix: ${f.fix}`];
  if (f.location) {
    const { line, column } = f.location;
    lines.push(
      `At: ${pathFromBase(f.location.file, ctx.baseDir).path}${line ? `:${line}${column ? `:${column}` : ''}` : ''}`,
    );
  }
  if (ctx.verbose && f.evidence) lines.push(`Evidence: ${JSON.stringify(f.evidence)}`);
  return lines.join('\n');
}

function doctorCase(r: CheckResult, ctx: RenderContext): Case {
  const c: Case = { classname: `mcp-tunnel.${r.layer}`, name: `${r.id}: ${r.title}`, timeMs: r.durationMs };
  const errors = r.findings.filter((f) => f.severity === 'error');
  const warnings = r.findings.filter((f) => f.severity === 'warn');
  const infos = r.findings.filter((f) => f.severity === 'info');
  const warnFails = ctx.failOn === 'warn' && r.status === 'warn';
  let failing: Finding[] = [];
  if (r.status === 'fail' || warnFails) {
    failing = r.status === 'fail' && errors.length > 0 ? errors : warnings;
    const first = failing[0];
    c.failure = {
      message: first?.symptom ?? r.reason ?? r.title,
      type: first?.messageId ?? r.status,
      body: failing.map((f) => findingText(f, ctx)).join('\n\n') || (r.reason ?? r.title),
    };
  } else if (r.status === 'error') {
    c.error = { message: r.reason ?? 'the check failed to run', type: 'check-error', body: r.reason ?? '' };
  } else if (r.status === 'skip') {
    c.skipped = r.reason ?? 'skipped';
  }
  const out = [...warnings.filter((f) => !failing.includes(f)), ...(ctx.verbose ? infos : [])];
  if (out.length > 0) c.out = out.map((f) => findingText(f, ctx)).join('\n\n');
  return c;
}

export function renderDoctorJunit(report: DoctorReport, ctx: RenderContext): string {
  const cases = report.results.map((r) => doctorCase(r, ctx));
  const props: Record<string, string> = {
    'mcp-tunnel.version': report.tool.version,
    verdict: report.verdict.status,
    'verdict.summary': report.verdict.summary,
  };
  if (ctx.environment.deployment) props.deployment = ctx.environment.deployment.dir;
  return renderSuites('mcp-tunnel doctor', cases, report.durationMs, props);
}

// -------------------------------------------------------------------------------------- logs

function matchText(m: LogMatch): string {
  const span = m.firstLine === m.lastLine ? `line ${m.firstLine}` : `lines ${m.firstLine}-${m.lastLine}`;
  const lines = [
    `${m.count} matching line${m.count === 1 ? '' : 's'} (${span}${m.firstSource ? ` of ${m.firstSource}` : ''})`,
    `Example: ${m.example}`,
  ];
  if (m.detail) lines.push(`Detail: ${m.detail}`);
  lines.push(`Symptom: ${m.symptom}`, `Cause: ${m.cause}`, `Fix: ${m.fix}`);
  return lines.join('\n');
}

function noteCase(n: LogNote, kind: 'healthy' | 'harmless'): Case {
  const layer = n.id ? findCatalogEntry(n.id)?.layer : undefined;
  return {
    classname: `mcp-tunnel.${layer ?? 'logs'}`,
    name: `${kind}: ${n.signature}`,
    timeMs: 0,
    out: `${n.count} line${n.count === 1 ? '' : 's'}: ${n.summary}\nExample: ${n.example}`,
  };
}

export function renderLogsJunit(report: LogsReport, ctx: RenderContext): string {
  const cases: Case[] = report.matches.map((m) => {
    const title = findCatalogEntry(m.id)?.title ?? m.id;
    const c: Case = { classname: `mcp-tunnel.${m.layer}`, name: `${m.id}: ${title} (${m.signature})`, timeMs: 0 };
    if (m.severity === 'error' || (m.severity === 'warn' && ctx.failOn === 'warn')) {
      c.failure = { message: m.detail ?? m.symptom, type: m.signature, body: matchText(m) };
    } else {
      c.out = `${m.severity === 'warn' ? 'warning' : 'info'}: ${matchText(m)}`;
    }
    return c;
  });
  cases.push(
    ...report.harmless.map((n) => noteCase(n, 'harmless')),
    ...report.healthy.map((n) => noteCase(n, 'healthy')),
  );
  // Never an empty suite: some CI servers treat "no tests" as a broken report.
  if (cases.length === 0)
    cases.push({ classname: 'mcp-tunnel.logs', name: 'no known problem in the logs', timeMs: report.durationMs });
  const u = report.unmatched;
  const suiteOut =
    u.errorLines > 0
      ? [`${u.errorLines} error line(s) matched no known signature:`, ...u.examples].join('\n')
      : undefined;
  const props: Record<string, string> = {
    'mcp-tunnel.version': report.tool.version,
    verdict: report.verdict.status,
    'verdict.summary': report.verdict.summary,
    linesRead: String(report.linesRead),
    inputs: report.sources.map((s) => s.name).join(', ') || 'stdin',
  };
  return renderSuites('mcp-tunnel logs', cases, report.durationMs, props, suiteOut);
}
