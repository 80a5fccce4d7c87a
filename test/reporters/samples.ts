// Reports for reporter tests: every status, and text built to break formats (pipes, newlines,
// markup, XML specials, control characters, %, : and , in paths, a file outside the base).

import { CATALOG, doctorIds } from '../../src/catalog/catalog.js';
import { buildDoctorReport } from '../../src/core/report.js';
import type { CheckResult, DoctorReport, Finding, Status } from '../../src/core/types.js';
import type { LogsReport } from '../../src/logs/report.js';
import type { RenderContext } from '../../src/reporters/context.js';

export const BASE = '/work/deploy';

export const TRICKY =
  'a | pipe, a `tick`, <script>alert(1)</script> & "quotes" \'apos\'\nsecond line | with *stars* _under_ [link](http://x) # hash\r\nthird\u0001\u001b[31m end %0A 100% : done, ok';

export function ctx(over: Partial<RenderContext> = {}): RenderContext {
  return {
    color: false,
    verbose: false,
    failOn: 'error',
    baseDir: BASE,
    anchorFile: `${BASE}/compose.yaml`,
    environment: {
      toolVersion: '9.9.9',
      nodeVersion: 'v20.0.0',
      platform: 'linux x64',
      commandLine: 'mcp-tunnel doctor --offline --format markdown --output a|b.md',
      deployment: { dir: BASE, layout: 'compose', generation: 'mcp-proxy' },
    },
    ...over,
  };
}

function f(over: Partial<Finding>): Finding {
  return { severity: 'error', messageId: 'sample', symptom: 'symptom', cause: 'cause', fix: 'fix', ...over };
}

/** One result per doctor ID, cycling through the statuses, with findings where a status has them. */
export function sampleDoctorReport(): DoctorReport {
  const ids = doctorIds();
  const plan: Record<string, { status: Status; findings: Finding[]; reason?: string }> = {
    'tunnel-token': {
      status: 'pass',
      findings: [
        f({ severity: 'info', messageId: 'token-decoded', symptom: 'None.', cause: 'decodes', fix: 'Nothing to do.' }),
      ],
    },
    'cloudflared-ingress': {
      status: 'fail',
      findings: [
        f({
          messageId: 'no-url',
          symptom: TRICKY,
          cause: 'cause | with pipe',
          fix: 'fix\nin two lines',
          location: { file: `${BASE}/compose.yaml`, line: 31, column: 5 },
          evidence: { command: 'tunnel run' },
        }),
        f({
          messageId: 'network-mode',
          severity: 'warn',
          symptom: 'shares no namespace',
          location: { file: `${BASE}/dir with space/a,b:c%.yaml`, line: 2 },
        }),
      ],
    },
    'certificate-expiry': {
      status: 'warn',
      findings: [
        f({
          messageId: 'renewal-window',
          severity: 'warn',
          symptom: 'expires in 12 days',
          location: { file: `${BASE}/data/tls.crt` },
        }),
      ],
    },
    'private-key': { status: 'error', findings: [], reason: 'the check threw: boom <b>' },
    'proxy-config': {
      status: 'fail',
      findings: [
        f({
          messageId: 'invalid-upstream',
          symptom: 'bad upstream',
          location: { file: '/elsewhere/mcp-proxy.yaml', line: 7, column: 3 },
        }),
      ],
    },
    'tunnel-domain': { status: 'fail', findings: [f({ messageId: 'no-location', symptom: 'no file for this one' })] },
  };
  const results: CheckResult[] = ids.map((id) => {
    const entry = CATALOG.find((e) => e.id === id)!;
    const p = plan[id] ?? { status: 'skip' as Status, findings: [], reason: `--offline: skipped ${id}` };
    return {
      id,
      layer: entry.layer,
      title: entry.title,
      status: p.status,
      durationMs: 1.5,
      reason: p.reason ?? null,
      findings: p.findings,
    };
  });
  // A couple of plain passes too.
  for (const id of ['ca-certificate', 'server-certificate']) {
    const r = results.find((x) => x.id === id)!;
    r.status = 'pass';
    r.reason = null;
  }
  return buildDoctorReport(results, 42, '9.9.9');
}

export function sampleLogsReport(): LogsReport {
  const base = {
    count: 2,
    firstLine: 3,
    lastLine: 9,
    firstTime: '2026-03-02T12:00:00Z',
    lastTime: '2026-03-02T12:05:00Z',
    symptom: 'The proxy logs "IP validation failed"',
    cause: 'outside allowed_ips',
    fix: 'add the CIDR',
  };
  return {
    schemaVersion: 1,
    tool: { name: 'mcp-tunnel', version: '9.9.9' },
    command: 'logs',
    linesRead: 20,
    bytesRead: 2000,
    durationMs: 7,
    verdict: { status: 'fail', layer: 'routing', id: 'upstream-ip', summary: 'Layer routing fails first: upstream-ip' },
    matches: [
      {
        ...base,
        id: 'upstream-ip',
        signature: 'ip-validation-failed',
        layer: 'routing',
        severity: 'error',
        example: TRICKY,
        detail: 'Refused 8.8.8.8 | add 8.8.8.8/32',
      },
      {
        ...base,
        id: 'edge-udp',
        signature: 'quic-dial-timeout',
        layer: 'edge',
        severity: 'warn',
        count: 1,
        firstLine: 2,
        lastLine: 2,
        example: 'ERR Failed to dial a quic connection',
        firstTime: null,
        lastTime: null,
      },
      {
        ...base,
        id: 'udp-receive-buffer',
        signature: 'udp-buffer',
        layer: 'edge',
        severity: 'info',
        count: 1,
        firstLine: 1,
        lastLine: 1,
        example: 'failed to sufficiently increase receive buffer size',
        harmless: true,
      },
    ],
    unmatched: { errorLines: 2, examples: ['ERR something | odd', 'ERR ```fence``` inside'], exampleLines: [11, 12] },
    healthy: [
      {
        signature: 'connection-registered',
        id: null,
        count: 4,
        firstLine: 4,
        lastLine: 8,
        firstTime: null,
        lastTime: null,
        summary: '4 of 4 connections registered',
        example: 'INF Registered tunnel connection',
      },
    ],
    harmless: [],
    cutLines: 0,
    sources: [{ name: `${BASE}/logs/cloudflared.log`, gzip: false, lines: 20, bytes: 2000, cutLines: 0 }],
  };
}
