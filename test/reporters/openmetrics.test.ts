// The openmetrics format: well-formed exposition text (OpenMetrics, readable by the Prometheus
// text parser of the node-exporter textfile collector too), one status sample per check and
// status, values that add up, and label values escaped.

import { describe, expect, it } from 'vitest';
import { renderDoctorOpenMetrics, renderLogsOpenMetrics } from '../../src/reporters/openmetrics.js';
import { showControls } from '../../src/redaction/control-chars.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES } from '../helpers/exec.js';
import { sampleDoctorReport, sampleLogsReport, TRICKY } from './samples.js';
import type { RuntimeSummary } from '../../src/core/types.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the exposition text: metadata before samples of its family, names and
 * labels of the allowed shape, escapes only \\ \" \n, numeric values, one trailing "# EOF".
 * Throws on anything else, so a malformed line fails the test that reads it.
 */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.pop() !== '# EOF') throw new Error('does not end with "# EOF" and a line feed');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of lines) {
    const meta = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2] ?? '', meta[3] ?? '');
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+)$/.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const name = m[1] ?? '';
    if (!types.has(name)) throw new Error(`sample before its TYPE: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    while (pair.lastIndex < body.length) {
      const p = pair.exec(body);
      if (!p) throw new Error(`bad labels: ${body}`);
      labels[p[1] ?? ''] = (p[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(m[3]);
    if (!Number.isFinite(value)) throw new Error(`bad value: ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

describe('openmetrics reporter: doctor', () => {
  const report = sampleDoctorReport();
  const { samples, types } = parseExposition(renderDoctorOpenMetrics(report));
  const of = (name: string) => samples.filter((s) => s.name === name);

  it('is well-formed exposition text whose families are all gauges', () => {
    expect([...types.values()].every((t) => t === 'gauge')).toBe(true);
    expect([...types.keys()].every((n) => n.startsWith('mcp_tunnel_'))).toBe(true);
  });

  it('one sample per check and status, 1 for the status the check has', () => {
    const status = of('mcp_tunnel_check_status');
    expect(status).toHaveLength(report.results.length * 5);
    for (const r of report.results) {
      const mine = status.filter((s) => s.labels.id === r.id);
      expect(mine.filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual([r.status]);
      expect(mine.every((s) => s.labels.layer === r.layer)).toBe(true);
    }
  });

  it('the verdict and the counts agree with the report', () => {
    expect(
      of('mcp_tunnel_verdict')
        .filter((s) => s.value === 1)
        .map((s) => s.labels.status),
    ).toEqual([report.verdict.status]);
    for (const s of of('mcp_tunnel_checks')) {
      expect(s.value).toBe(report.results.filter((r) => r.status === s.labels.status).length);
    }
    expect(of('mcp_tunnel_run_duration_seconds')[0]?.value).toBe(report.durationMs / 1000);
    expect(types.get('mcp_tunnel_run_duration_seconds')).toBe('gauge');
  });
});

describe('openmetrics reporter: logs', () => {
  it('a sample per matched signature with its count; label values escaped', () => {
    const report = sampleLogsReport();
    const first = report.matches[0];
    if (!first) throw new Error('the sample logs report has no match');
    report.matches.push({ ...first, signature: TRICKY, count: 7 });
    const { samples } = parseExposition(renderLogsOpenMetrics(report));
    const matches = samples.filter((s) => s.name === 'mcp_tunnel_log_matches');
    expect(matches.map((s) => s.value)).toEqual(report.matches.map((m) => m.count));
    expect(matches.at(-1)?.labels.signature).toBe(showControls(TRICKY));
    const read = samples.find((s) => s.name === 'mcp_tunnel_log_lines' && s.labels.kind === 'read');
    expect(read?.value).toBe(report.linesRead);
  });
});

describe('--format openmetrics from the CLI', () => {
  it('a broken example: its failing check is 1 under status "fail", the verdict "fail", exit 1', async () => {
    const r = await runInProcess([
      'doctor',
      '--offline',
      '--format',
      'openmetrics',
      '--dir',
      `${FIXTURES}/broken-routes-list`,
    ]);
    expect(r.code).toBe(1);
    const { samples } = parseExposition(r.stdout);
    const failing = samples.filter(
      (s) => s.name === 'mcp_tunnel_check_status' && s.labels.status === 'fail' && s.value === 1,
    );
    expect(failing.map((s) => s.labels.id)).toContain('proxy-config');
    expect(samples.find((s) => s.name === 'mcp_tunnel_verdict' && s.value === 1)?.labels.status).toBe('fail');
  });
});

describe('openmetrics reporter: the running deployment', () => {
  const runtime = (connections: number | null): RuntimeSummary => ({
    inspected: true,
    reason: null,
    engine: { endpoint: 'unix:///var/run/docker.sock', version: '20.10.24', project: 'deploy' },
    containers: [
      { service: 'mcp-proxy', name: 'deploy_mcp-proxy_1', status: 'restarting', restartCount: 7, startedAt: null },
      { service: 'cloudflared', name: 'deploy_cloudflared_1', status: 'running', restartCount: 0, startedAt: null },
    ],
    tunnel: { connections, transport: 'quic', metricsUrl: 'http://127.0.0.1:20241', metricsFrom: 'x', reason: null },
    probesFrom: { proxy: 'this host', upstreams: 'this host' },
    logs: [],
  });

  it("the tunnel's connection count, and each container's restarts and running state", () => {
    const { samples } = parseExposition(renderDoctorOpenMetrics({ ...sampleDoctorReport(), runtime: runtime(2) }));
    expect(samples.find((s) => s.name === 'mcp_tunnel_tunnel_connections')?.value).toBe(2);
    const restarts = samples.filter((s) => s.name === 'mcp_tunnel_container_restarts');
    expect(restarts.map((s) => [s.labels.service, s.value])).toEqual([
      ['mcp-proxy', 7],
      ['cloudflared', 0],
    ]);
    const running = samples.filter((s) => s.name === 'mcp_tunnel_container_running');
    expect(running.map((s) => s.value)).toEqual([0, 1]);
  });

  it('no connection series when the metrics were not read (absent, not 0), and none without a runtime', () => {
    const unknown = parseExposition(renderDoctorOpenMetrics({ ...sampleDoctorReport(), runtime: runtime(null) }));
    expect(unknown.samples.some((s) => s.name === 'mcp_tunnel_tunnel_connections')).toBe(false);
    const none = parseExposition(renderDoctorOpenMetrics(sampleDoctorReport()));
    expect(none.samples.some((s) => s.name.startsWith('mcp_tunnel_container'))).toBe(false);
  });
});
