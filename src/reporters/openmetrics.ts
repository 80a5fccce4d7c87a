// The OpenMetrics (and Prometheus text) output: gauges a CronJob, a Compose sidecar or a
// node-exporter textfile collector can hand to the Prometheus a fleet already runs, so an alert
// fires on a failing check or verdict. Every metric is a gauge (the text format that the
// textfile collector reads has no stateset); a status is a label, with value 1 for the status
// the check has and 0 for the others, so `== 1` alerts and `sum by (status)` both work.

import type { LogsReport } from '../logs/report.js';
import { showControls } from '../redaction/control-chars.js';
import type { DoctorReport, Status } from '../core/types.js';

const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'skip', 'error'];
const VERDICTS = ['pass', 'warn', 'fail', 'error'] as const;

/**
 * A label value as the exposition formats escape it (backslash, double quote, line feed), after
 * other control characters are written out as text (\x0d), as every format does.
 */
function labelValue(value: string): string {
  return showControls(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const inner = Object.entries(pairs)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(',');
  return inner === '' ? '' : `{${inner}}`;
}

/** The number as the formats write it: finite values plainly, never "NaN" from a missing one. */
function value(n: number): string {
  return Number.isFinite(n) ? String(n) : '0';
}

/** One metric family: its metadata lines, then its samples. */
class Family {
  private readonly lines: string[];
  constructor(
    private readonly name: string,
    help: string,
    unit?: string,
  ) {
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
    if (unit) this.lines.push(`# UNIT ${name} ${unit}`);
  }
  sample(pairs: Record<string, string>, n: number): this {
    this.lines.push(`${this.name}${labels(pairs)} ${value(n)}`);
    return this;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export function renderDoctorOpenMetrics(report: DoctorReport): string {
  const checks = new Family(
    'mcp_tunnel_check_status',
    'Status of a doctor check: 1 for the status it has, 0 for the others.',
  );
  for (const r of report.results) {
    for (const status of STATUSES) checks.sample({ id: r.id, layer: r.layer, status }, r.status === status ? 1 : 0);
  }
  const verdict = new Family(
    'mcp_tunnel_verdict',
    'Verdict of the doctor run: 1 for the verdict it gave, 0 for the others.',
  );
  for (const status of VERDICTS) verdict.sample({ status }, report.verdict.status === status ? 1 : 0);
  const counts = new Family('mcp_tunnel_checks', 'Number of checks of the run with each status.');
  for (const status of STATUSES) counts.sample({ status }, report.summary[status]);
  const duration = new Family('mcp_tunnel_run_duration_seconds', 'Wall time of the doctor run.', 'seconds');
  duration.sample({}, report.durationMs / 1000);
  const tool = new Family('mcp_tunnel_info', 'The doctor that wrote these metrics.');
  tool.sample({ version: report.tool.version }, 1);
  const families = [checks, verdict, counts, duration, tool, ...runtimeFamilies(report)];
  return `${families.map((f) => f.text()).join('\n')}\n# EOF\n`;
}

/**
 * The running deployment, when it was seen: cloudflared's edge connections (4 when healthy; the
 * series is absent, not 0, when its metrics server was not read) and each container's restarts.
 */
function runtimeFamilies(report: DoctorReport): Family[] {
  const rt = report.runtime;
  if (!rt) return [];
  const out: Family[] = [];
  if (rt.tunnel.connections !== null) {
    const connections = new Family(
      'mcp_tunnel_tunnel_connections',
      'Edge connections cloudflared holds, from its metrics server (4 when healthy).',
    );
    out.push(connections.sample({}, rt.tunnel.connections));
  }
  if (rt.containers.length > 0) {
    const restarts = new Family(
      'mcp_tunnel_container_restarts',
      "Docker's restart count of each container of the project.",
    );
    const running = new Family('mcp_tunnel_container_running', '1 when the container is running, 0 otherwise.');
    for (const c of rt.containers) {
      restarts.sample({ service: c.service, container: c.name }, c.restartCount);
      running.sample({ service: c.service, container: c.name }, c.status === 'running' ? 1 : 0);
    }
    out.push(restarts, running);
  }
  return out;
}

export function renderLogsOpenMetrics(report: LogsReport): string {
  const matches = new Family(
    'mcp_tunnel_log_matches',
    'Log lines that matched a known cause, by catalog ID and signature.',
  );
  for (const m of report.matches) {
    matches.sample({ id: m.id, signature: m.signature, layer: m.layer, severity: m.severity }, m.count);
  }
  const verdict = new Family(
    'mcp_tunnel_logs_verdict',
    'Verdict of the log reading: 1 for the verdict it gave, 0 for the others.',
  );
  for (const status of VERDICTS) verdict.sample({ status }, report.verdict.status === status ? 1 : 0);
  const lines = new Family('mcp_tunnel_log_lines', 'Log lines read, and error lines no known cause explains.');
  lines.sample({ kind: 'read' }, report.linesRead).sample({ kind: 'unmatched_error' }, report.unmatched.errorLines);
  return `${[matches, verdict, lines].map((f) => f.text()).join('\n')}\n# EOF\n`;
}
