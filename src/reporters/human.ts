// The doctor's human output: layers in order, a mark and word per check, findings with symptom,
// cause and fix indented below, a verdict naming the first failing layer and a summary line.

import type { DeploymentFacts } from '../core/facts.js';
import type { CheckResult, DoctorReport, Finding, RuntimeSummary } from '../core/types.js';
import { LAYER_TITLES } from '../catalog/catalog.js';
import { LAYERS } from '../core/types.js';
import { makeStyle, type Style } from './style.js';

export interface HumanOptions {
  color: boolean;
  verbose: boolean;
  deployment?: DeploymentFacts;
}

const INDENT = '          ';

function wrapLabel(label: string, text: string): string {
  const lines = text.split('\n');
  return lines.map((l, i) => `${INDENT}${i === 0 ? label : ' '.repeat(label.length)}${l}`).join('\n');
}

function where(f: Finding): string | null {
  if (!f.location) return null;
  const { file, line, column } = f.location;
  return line ? `${file}:${line}${column ? `:${column}` : ''}` : file;
}

function renderFinding(f: Finding, style: Style, verbose: boolean): string[] {
  const lines: string[] = [];
  const sev =
    f.severity === 'error' ? style.red('error') : f.severity === 'warn' ? style.yellow('warning') : style.dim('info');
  lines.push(`${INDENT}${sev}: ${f.symptom}`);
  if (f.severity !== 'info' || verbose) {
    lines.push(wrapLabel('cause: ', f.cause));
    lines.push(wrapLabel('fix:   ', f.fix));
  }
  const loc = where(f);
  if (loc) lines.push(`${INDENT}at     ${loc}`);
  if (verbose && f.evidence) {
    for (const [k, v] of Object.entries(f.evidence))
      lines.push(style.dim(`${INDENT}  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`));
  }
  return lines;
}

/** A file inside the deployment directory is shown relative to it. */
function shortWhere(where: string, dir: string | undefined): string {
  return dir && where.startsWith(`${dir}/`) ? where.slice(dir.length + 1) : where;
}

/** Where the facts came from: under a result that is not a plain pass, and under every result with --verbose. */
function renderSources(r: CheckResult, style: Style, verbose: boolean, dir: string | undefined): string[] {
  if (!r.sources || r.sources.length === 0) return [];
  if (!verbose && (r.status === 'pass' || r.status === 'skip')) return [];
  return r.sources.map((s, i) =>
    style.dim(`${INDENT}${i === 0 ? 'from:  ' : '       '}${s.kind} ${shortWhere(s.where, dir)}`),
  );
}

function renderResult(r: CheckResult, style: Style, verbose: boolean, idWidth: number, dir?: string): string[] {
  const head = `  ${style.status(r.status)} ${r.id.padEnd(idWidth)} ${r.title}${verbose ? style.dim(` (${r.durationMs} ms)`) : ''}`;
  const lines = [head];
  if (r.reason && (r.status !== 'skip' || verbose || !r.reason.startsWith('not selected')))
    lines.push(style.dim(`${INDENT}${r.reason}`));
  for (const f of r.findings) {
    if (f.severity === 'info' && !verbose) continue;
    lines.push(...renderFinding(f, style, verbose));
  }
  lines.push(...renderSources(r, style, verbose, dir));
  return lines;
}

/** The running deployment under the title: what was inspected, or why not, and from where the probes ran. */
function renderRuntime(rt: RuntimeSummary, style: Style): string[] {
  if (!rt.inspected || !rt.engine) return [style.dim(`Runtime: not inspected: ${rt.reason ?? 'no reason given'}`)];
  const version = rt.engine.version ? ` ${rt.engine.version}` : '';
  const containers = rt.containers
    .map((c) => `${c.service} ${c.status}${c.restartCount > 0 ? ` (${c.restartCount} restarts)` : ''}`)
    .join(', ');
  const lines = [
    `Runtime: Docker${version} at ${rt.engine.endpoint}, project ${rt.engine.project}: ${containers || 'no container'}`,
  ];
  const t = rt.tunnel;
  if (t.connections !== null) {
    const over = t.transport === null ? '' : ` over ${t.transport === 'quic' ? 'QUIC' : 'HTTP/2'}`;
    lines.push(
      `Tunnel:  ${t.connections} edge connections${over} (cloudflared metrics ${t.metricsUrl}, read from ${t.metricsFrom})`,
    );
  } else {
    lines.push(style.dim(`Tunnel:  cloudflared's metrics not read: ${t.reason ?? 'no reason given'}`));
  }
  lines.push(`Probes:  proxy listener from ${rt.probesFrom.proxy}; upstreams from ${rt.probesFrom.upstreams}`);
  if (rt.logs.length > 0)
    lines.push(
      `Logs:    ${rt.logs.map((l) => `${l.lines} ${l.lines === 1 ? 'line' : 'lines'} of ${l.container}`).join(', ')}`,
    );
  return lines.map((l) => style.dim(l));
}

export function renderDoctorHuman(report: DoctorReport, opts: HumanOptions): string {
  const style = makeStyle(opts.color);
  const out: string[] = [];
  const d = opts.deployment;
  const what = d
    ? ` ${d.dir} (${d.layout === 'none' ? 'no Compose file or Helm values found' : d.layout}${d.generation ? `, ${d.generation}` : ''})`
    : '';
  out.push(style.bold(`mcp-tunnel doctor ${report.tool.version}${what}`));
  if (report.runtime) out.push(...renderRuntime(report.runtime, style));
  const idWidth = Math.max(...report.results.map((r) => r.id.length));
  for (const layer of LAYERS) {
    const results = report.results.filter((r) => r.layer === layer);
    if (results.length === 0) continue;
    out.push('', style.bold(LAYER_TITLES[layer]));
    for (const r of results) out.push(...renderResult(r, style, opts.verbose, idWidth, d?.dir));
  }
  out.push('');
  const v = report.verdict;
  const verdictText =
    v.status === 'pass'
      ? style.green(`Verdict: ${v.summary}`)
      : v.status === 'warn'
        ? style.yellow(`Verdict: ${v.summary}`)
        : style.red(`Verdict: ${v.summary}`);
  out.push(verdictText);
  const s = report.summary;
  out.push(
    `Summary: ${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.skip} skipped, ${s.error} errored (${report.durationMs} ms)`,
  );
  return `${out.join('\n')}\n`;
}
