// The doctor beside a running Compose deployment (the Docker lab: real containers, the reference
// proxy as UID 65532 with the real data/ mount, a cloudflared stand-in in its namespace): for each
// runtime fault it names the right first failure, says where each fact came from (file,
// container, metrics, log line) and where each probe ran. The edge probes are left out (there is
// no edge here); everything else is the doctor as users run it, through the built CLI.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, DoctorReport } from '../../src/core/types.js';
import { cleanEnv, runCli } from '../helpers/exec.js';
import { first } from '../helpers/present.js';
import { startComposeLab, type ComposeLab, type LabScenario } from '../lab/docker/compose-lab.js';
import { dockerLabUnavailable, ensureLabImages } from '../lab/docker/images.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate(
  'the Docker lab',
  dockerLabUnavailable(),
  programMissing('docker-compose', ['version']),
  programMissing('nsenter', ['--version']),
  programMissing('dnsmasq', ['--version']),
  process.getuid?.() === 0 ? null : "entering the containers' namespaces needs root",
);
const NO_EDGE = ['--skip', 'edge-dns,edge-tcp,edge-udp', '--timeout', '3000'];

const labs: ComposeLab[] = [];
async function lab(scenario: LabScenario): Promise<ComposeLab> {
  const started = await startComposeLab(scenario);
  labs.push(started);
  return started;
}

function doctor(dir: string, extra: string[] = [], env: Record<string, string> = {}): DoctorReport {
  const r = runCli(['doctor', '--dir', dir, '--json', ...NO_EDGE, ...extra], { env: cleanEnv(env), timeout: 60_000 });
  expect([0, 1], r.stderr).toContain(r.code);
  return JSON.parse(r.stdout) as DoctorReport;
}

function result(report: DoctorReport, id: string): CheckResult {
  return first(report.results.filter((r) => r.id === id));
}

const statusOf = (report: DoctorReport, ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, result(report, id).status]));

describe.skipIf(gate.skip)('doctor beside a running Compose deployment', () => {
  beforeAll(async () => {
    gate.assert();
    await ensureLabImages();
  }, 180_000);
  afterAll(async () => {
    for (const l of labs) await l.down().catch(() => undefined);
  }, 120_000);

  it('healthy: every runtime check passes, 4 connections over QUIC, probes from the proxy namespace', async () => {
    const healthy = await lab('healthy');
    const report = doctor(healthy.dir);
    expect(report.verdict.status).not.toBe('fail');
    expect(
      statusOf(report, [
        'cloudflared-version',
        'cloudflared-container',
        'proxy-container',
        'running-token',
        'tunnel-connections',
        'tunnel-transport',
        'origin-errors',
        'inner-tls',
        'upstream-reachable',
        'stale-config',
      ]),
    ).toEqual({
      'cloudflared-version': 'pass',
      'cloudflared-container': 'pass',
      'proxy-container': 'pass',
      'running-token': 'pass',
      'tunnel-connections': 'pass',
      'tunnel-transport': 'pass',
      'origin-errors': 'pass',
      'inner-tls': 'pass',
      'upstream-reachable': 'pass',
      'stale-config': 'pass',
    });
    const rt = report.runtime;
    expect(rt?.inspected).toBe(true);
    expect(rt?.engine?.project).toBe(healthy.project);
    expect(rt?.tunnel).toMatchObject({ connections: 4, transport: 'quic' });
    expect(rt?.probesFrom.proxy).toContain(`the network namespace of ${healthy.containerName('mcp-proxy')}`);
    // Where each fact came from: a file, a container, the metrics server, a probe from the namespace.
    const kinds = (id: string) => (result(report, id).sources ?? []).map((s) => s.kind);
    expect(kinds('proxy-container')).toEqual(expect.arrayContaining(['container']));
    expect(kinds('tunnel-connections')).toEqual(expect.arrayContaining(['metrics']));
    expect(kinds('cloudflared-ingress')).toEqual(expect.arrayContaining(['file']));
    const upstream = result(report, 'upstream-reachable').sources ?? [];
    expect(upstream.some((s) => s.kind === 'probe' && s.where.includes('network namespace of'))).toBe(true);

    // The same run, with the runtime turned off: the upstream is only reachable inside the namespace.
    const hostOnly = doctor(healthy.dir, ['--runtime', 'none']);
    expect(result(hostOnly, 'upstream-reachable').status).toBe('fail');
    expect(result(hostOnly, 'proxy-container').reason).toContain('--runtime none');

    // The openmetrics output carries the connection count.
    const om = runCli(['doctor', '--dir', healthy.dir, '--format', 'openmetrics', ...NO_EDGE], {
      env: cleanEnv(),
      timeout: 60_000,
    });
    expect(om.stdout).toMatch(/^mcp_tunnel_tunnel_connections 4$/m);
  }, 120_000);

  it('no Docker socket: the runtime is not inspected, says why, and nothing else changes', async () => {
    const healthy = labs.find((l) => l.scenario === 'healthy') ?? (await lab('healthy'));
    const absent = doctor(healthy.dir, [], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const none = doctor(healthy.dir, ['--runtime', 'none']);
    expect(absent.runtime?.inspected).toBe(false);
    expect(absent.runtime?.reason).toMatch(/no Docker socket at \/nonexistent\/docker\.sock/);
    const runtimeChecks = new Set(['cloudflared-container', 'proxy-container', 'running-token', 'stale-config']);
    for (const id of runtimeChecks) expect(result(absent, id).status).toBe('skip');
    expect(result(absent, 'proxy-container').reason).toContain('no Docker socket');
    const rest = (r: DoctorReport) =>
      r.results
        .filter((x) => !runtimeChecks.has(x.id))
        .map((x) => [x.id, x.status, x.findings.map((f) => f.messageId)]);
    expect(rest(absent)).toEqual(rest(none));
    // --runtime docker insists: the same absence is a usage error.
    const insist = runCli(['doctor', '--dir', healthy.dir, '--runtime', 'docker', ...NO_EDGE], {
      env: cleanEnv({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
      timeout: 60_000,
    });
    expect(insist.code).toBe(2);
    expect(insist.stderr).toContain('--runtime docker: no Docker socket');
    await healthy.down();
  }, 120_000);

  it("upstream DNS goes to the container's resolver, inside the proxy's namespace (Docker's 127.0.0.11)", async () => {
    const running = await lab('healthy');
    // Docker's embedded resolver listens on 127.0.0.11 inside a container's namespace: a dnsmasq
    // there stands in for it, and the container's resolv.conf (Docker's file, bind-mounted) names it.
    const dnsmasq = spawn(
      'nsenter',
      [
        '--target',
        String(running.pid('mcp-proxy')),
        '--net',
        '--',
        'dnsmasq',
        '--keep-in-foreground',
        '--no-resolv',
        '--no-hosts',
        '--bind-interfaces',
        '--listen-address=127.0.0.11',
        '--port=53',
        '--address=/upstream.lab.internal/127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    try {
      const resolvConf = running.inspect('mcp-proxy', '{{.ResolvConfPath}}');
      writeFileSync(resolvConf, 'nameserver 127.0.0.11\noptions ndots:0\n');
      const config = join(running.dir, 'config', 'mcp-proxy.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replaceAll('http://127.0.0.1:9000', 'http://upstream.lab.internal:9000'),
      );
      const facts = join(running.dir, 'facts.json');
      const report = doctor(running.dir, ['--only', 'routing', '--save-facts', facts]);
      expect(statusOf(report, ['upstream-ip', 'upstream-reachable'])).toEqual({
        'upstream-ip': 'pass',
        'upstream-reachable': 'pass',
      });
      const saved = JSON.parse(readFileSync(facts, 'utf8')) as {
        facts: { live: { upstreams: { host: string; addresses: string[] }[] } };
      };
      expect(saved.facts.live.upstreams.map((u) => [u.host, u.addresses])).toEqual([
        ['upstream.lab.internal', ['127.0.0.1']],
        ['upstream.lab.internal', ['127.0.0.1']],
      ]);
      // From this host the name does not resolve: the answer above is the container's resolver's.
      const fromHost = doctor(running.dir, ['--only', 'routing', '--runtime', 'none']);
      expect(result(fromHost, 'upstream-reachable').status).not.toBe('pass');
    } finally {
      dnsmasq.kill();
      await running.down();
    }
  }, 120_000);

  const cases: { scenario: LabScenario; first: string; status: 'fail' | 'warn'; also?: Record<string, string> }[] = [
    { scenario: 'degraded', first: 'tunnel-connections', status: 'warn', also: { 'tunnel-transport': 'warn' } },
    // The edge refused the token: the token is the cause (from cloudflared's log), 0 connections the symptom.
    { scenario: 'down', first: 'tunnel-token', status: 'fail', also: { 'tunnel-connections': 'fail' } },
    { scenario: 'origin-failing', first: 'proxy-container', status: 'fail', also: { 'origin-errors': 'fail' } },
    { scenario: 'key-unreadable', first: 'proxy-container', status: 'fail', also: { 'private-key': 'fail' } },
    {
      scenario: 'not-sharing',
      first: 'cloudflared-ingress',
      status: 'fail',
      also: { 'cloudflared-container': 'fail' },
    },
    { scenario: 'config-edited', first: 'stale-config', status: 'warn' },
    { scenario: 'env-edited', first: 'stale-config', status: 'warn' },
    { scenario: 'token-mismatch', first: 'running-token', status: 'fail' },
  ];
  for (const c of cases) {
    it(`${c.scenario}: the first ${c.status} is ${c.first}`, async () => {
      const running = await lab(c.scenario);
      const report = doctor(running.dir);
      expect(report.verdict).toMatchObject({ status: c.status, id: c.first });
      for (const [id, status] of Object.entries(c.also ?? {})) expect(result(report, id).status, id).toBe(status);
      if (c.scenario === 'degraded') {
        // The summary and the checks read the transport one way (src/model/cloudflared-metrics.ts).
        expect(report.runtime?.tunnel).toMatchObject({ connections: 2, transport: 'http2' });
      }
      if (c.scenario === 'down') {
        // The edge's words come from cloudflared's log, cited with its container.
        const token = result(report, 'tunnel-token');
        expect(JSON.stringify(token.findings)).toContain('Invalid tunnel secret');
        expect(
          token.sources?.some((s) => s.kind === 'log' && s.where.includes(running.containerName('cloudflared'))),
        ).toBe(true);
        expect(JSON.stringify(result(report, 'tunnel-connections').findings)).toContain('Invalid tunnel secret');
      }
      if (c.scenario === 'key-unreadable') {
        // The kernel's refusal, logged by the proxy, joins the report as evidence from a log line.
        const logged = report.results.flatMap((r) => r.sources ?? []).filter((s) => s.kind === 'log');
        expect(logged.some((s) => s.where.includes(running.containerName('mcp-proxy')))).toBe(true);
        expect(JSON.stringify(report)).toContain('permission denied');
      }
      if (c.scenario === 'origin-failing') {
        // A log-only ID becomes a result when the log shows it.
        expect(result(report, 'proxy-unreachable').status).toBe('fail');
      }
      await running.down();
    }, 120_000);
  }
});
