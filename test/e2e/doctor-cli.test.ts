// End to end: the CLI on the bundled example deployments, as a user runs it. In-process but for
// what only the built binary shows: --version (answered by the bin itself), the exit status of a
// real process, and a run as another user.

import { chmodSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, doctorIds } from '../../src/catalog/catalog.js';
import { cleanEnv, FIXTURES, runCli } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';

const healthy = join(FIXTURES, 'compose-healthy');
const fakeToken = readFileSync(join(healthy, 'data', 'tunnel-token'), 'utf8').trim();

async function json(args: string[], env?: Record<string, string>) {
  const r = await runInProcess([...args, '--json'], env ? { env } : {});
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout), raw: r.stdout };
}

function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcp-tunnel-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('mcp-tunnel (CLI)', () => {
  it('prints its version and help', async () => {
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(FIXTURES, '..', '..', 'package.json'), 'utf8')).version);
    const h = await runInProcess(['doctor', '--help']);
    expect(h.code).toBe(0);
    for (const flag of [
      '--offline',
      '--only',
      '--skip',
      '--json',
      '--fail-on',
      '--no-color',
      '--verbose',
      '--edge',
      '--dns-server',
      '--proxy',
      '--timeout',
      '--token-file',
    ]) {
      expect(h.stdout).toContain(flag);
    }
    expect(h.stdout).not.toMatch(/--token </);
  });

  it('with no command prints help and exits 2', () => {
    const r = runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('doctor');
  });

  it('passes the healthy Compose example with exit 0 and every doctor check in catalog order', async () => {
    const { code, report } = await json(['doctor', '--offline', '--dir', healthy]);
    expect(report.results.filter((r: { status: string }) => r.status === 'fail' || r.status === 'error')).toEqual([]);
    expect(code).toBe(0);
    expect(report.schemaVersion).toBe(1);
    expect(report.command).toBe('doctor');
    expect(report.tool.name).toBe('mcp-tunnel');
    expect(report.verdict.status).toBe('pass');
    expect(report.results.map((r: { id: string }) => r.id)).toEqual(doctorIds());
    const statuses = Object.fromEntries(report.results.map((r: { id: string; status: string }) => [r.id, r.status]));
    for (const id of [
      'tunnel-token',
      'cloudflared-ingress',
      'ca-certificate',
      'server-certificate',
      'certificate-san',
      'certificate-expiry',
      'private-key',
      'proxy-config',
      'tunnel-domain',
      'upstream-ip',
      'upstream-tls',
    ]) {
      expect(statuses[id], id).toBe('pass');
    }
    for (const id of ['edge-dns', 'edge-tcp', 'edge-udp', 'inner-tls', 'listener-protocol', 'upstream-reachable']) {
      const r = report.results.find((x: { id: string }) => x.id === id);
      expect(r.status).toBe('skip');
      expect(r.reason).toMatch(/--offline/);
    }
    const sum = report.summary;
    expect(sum.pass + sum.warn + sum.fail + sum.skip + sum.error).toBe(doctorIds().length);
  });

  it('passes the older naming generation (mcp-gateway) and the Helm example', async () => {
    for (const name of ['compose-gateway-healthy', 'helm-healthy']) {
      const { code, report } = await json(['doctor', '--offline', '--dir', join(FIXTURES, name)]);
      expect(
        report.results.filter((r: { status: string }) => r.status === 'fail' || r.status === 'error'),
        name,
      ).toEqual([]);
      expect(code, name).toBe(0);
    }
  });

  it('never prints the token, in any format, even with TUNNEL_TOKEN set and --verbose', async () => {
    const env = cleanEnv({ TUNNEL_TOKEN: fakeToken });
    for (const args of [['--json'], ['--verbose'], ['--verbose', '--json']]) {
      const r = await runInProcess(['doctor', '--offline', '--dir', healthy, ...args], { env });
      expect(r.stdout + r.stderr).not.toContain(fakeToken);
      expect(r.stdout + r.stderr).not.toContain(fakeToken.slice(10, 40));
      expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY-----\s*\n?[A-Za-z0-9+/]{20}/);
    }
  });

  it('human output: layers in order, marks and words, a verdict and a summary, no colour under NO_COLOR', async () => {
    const r = await runInProcess(['doctor', '--offline', '--dir', healthy]);
    expect(r.code).toBe(0);
    const layers = ['Layer 1', 'Layer 2', 'Layer 3', 'OAuth', 'Setup'].map((l) => r.stdout.indexOf(l));
    expect(layers.every((i) => i >= 0)).toBe(true);
    expect([...layers].sort((a, b) => a - b)).toEqual(layers);
    expect(r.stdout).toMatch(/✔ pass +tunnel-token/);
    expect(r.stdout).toMatch(/○ skip +edge-dns/);
    expect(r.stdout).toMatch(/^Verdict: /m);
    expect(r.stdout).toMatch(/^Summary: \d+ passed, \d+ warned, \d+ failed, \d+ skipped, \d+ errored/m);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('colours only when asked: FORCE_COLOR yes, --no-color no', async () => {
    const forced = await runInProcess(['doctor', '--offline', '--dir', healthy], {
      env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1' },
    });
    expect(forced.stdout).toContain('\u001b[');
    const off = await runInProcess(['doctor', '--offline', '--dir', healthy, '--no-color'], {
      env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1' },
    });
    expect(off.stdout).not.toContain('\u001b[');
  });

  it('--only and --skip select layers or IDs; the rest stay in the report as skipped', async () => {
    const { report } = await json([
      'doctor',
      '--offline',
      '--dir',
      healthy,
      '--only',
      'tls',
      '--skip',
      'certificate-san',
    ]);
    const byId = Object.fromEntries(report.results.map((r: { id: string }) => [r.id, r]));
    expect(byId['ca-certificate'].status).toBe('pass');
    expect(byId['certificate-san'].status).toBe('skip');
    expect(byId['certificate-san'].reason).toMatch(/--skip/);
    expect(byId['proxy-config'].status).toBe('skip');
    expect(byId['proxy-config'].reason).toMatch(/--only/);
    expect(report.results.length).toBe(doctorIds().length);
  });

  it('exit code 1 names the failing check, and --fail-on warn makes warnings fail', async () => {
    const dir = copyFixture('compose-healthy');
    writeFileSync(
      join(dir, 'config', 'mcp-proxy.yaml'),
      readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace('10.20.0.15', '8.8.4.4'),
    );
    const { code, report } = await json(['doctor', '--offline', '--dir', dir]);
    expect(code).toBe(1);
    expect(report.verdict).toMatchObject({ status: 'fail', layer: 'routing', id: 'upstream-ip' });
    expect(report.results.find((r: { id: string }) => r.id === 'upstream-ip').status).toBe('fail');
    const failing = report.results
      .filter((r: { status: string }) => r.status === 'fail')
      .map((r: { id: string }) => r.id);
    expect(failing).toEqual(['upstream-ip']);
  });

  it('--fail-on warn turns a warning into exit 1; by default a warning exits 0', async () => {
    const dir = copyFixture('compose-healthy');
    const cfg = join(dir, 'config', 'mcp-proxy.yaml');
    writeFileSync(
      cfg,
      `${readFileSync(cfg, 'utf8')}upstream:\n  allowed_ips:\n    - 10.0.0.0/8\n    - 172.16.0.0/12\n    - 192.168.0.0/16\n    - 127.0.0.0/8\n`,
    );
    const byDefault = await json(['doctor', '--offline', '--dir', dir]);
    expect(byDefault.report.results.find((r: { id: string }) => r.id === 'allowed-ips').status).toBe('warn');
    expect(byDefault.report.verdict.status).toBe('warn');
    expect(byDefault.code).toBe(0);
    expect((await json(['doctor', '--offline', '--dir', dir, '--fail-on', 'warn'])).code).toBe(1);
  });

  it('names the first failing layer in the verdict when several fail', async () => {
    const dir = copyFixture('compose-healthy');
    writeFileSync(
      join(dir, 'config', 'mcp-proxy.yaml'),
      'listen_addr: ":8080"\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes:\n  - mcp: http://10.0.0.1:80\n',
    );
    chmodSync(join(dir, 'data', 'tls.key'), 0o600);
    const { code, report } = await json(['doctor', '--offline', '--dir', dir]);
    expect(code).toBe(1);
    expect(report.verdict.layer).toBe('tls');
    expect(report.verdict.id).toBe('private-key');
    const pc = report.results.find((r: { id: string }) => r.id === 'proxy-config');
    expect(pc.status).toBe('fail');
    expect(JSON.stringify(pc.findings)).toContain('cannot unmarshal !!seq into map[string]string');
    expect(pc.findings[0].location.line).toBe(5);
  });

  it('usage errors exit 2 with a message and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['doctor', '--offline', '--only', 'bogus'], /not a layer or check ID/],
      [['doctor', '--offline', '--dir', healthy, '--cert', '/nonexistent/tls.crt'], /--cert .*no such file/],
      [['doctor', '--offline', '--dir', '/nonexistent-dir'], /no such directory/],
      [['doctor', '--offline', '--dir', healthy, '--token', 'abc'], /never taken as a flag value/],
      [['doctor', '--offline', '--timeout', 'soon'], /--timeout/],
      [['doctor', '--offline', '--mcp-path', 'mcp'], /--mcp-path mcp: give a path starting with "\/"/],
      [['doctor', '--offline', '--dir', healthy, '--config', FIXTURES], /--config .*directory/],
      [['doctor', '--bogus-flag'], /unknown option/],
      [['explain', 'no-such-id'], /no such ID/],
    ];
    for (const [args, message] of cases) {
      const r = await runInProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    }
  });

  it('an empty directory is a usage error that says what was looked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-empty-'));
    const r = await runInProcess(['doctor', '--offline'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no MCP tunnel deployment found/);
  });

  it('an explicitly named file the user cannot read is exit 2 (run as an unprivileged user)', () => {
    if (process.getuid?.() !== 0) {
      console.warn('not root: the unreadable-file case is checked by mode only');
    }
    const dir = copyFixture('compose-healthy');
    chmodSync(dir, 0o755);
    const secret = join(dir, 'values-private.yaml');
    writeFileSync(secret, 'a: 1\n');
    chmodSync(secret, 0o000);
    const r = runCli(
      ['doctor', '--offline', '--dir', dir, '--values', secret],
      process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {},
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/permission denied/);
  });

  it('a broken file is a finding (exit 1), not a usage error', async () => {
    const dir = copyFixture('compose-healthy');
    writeFileSync(join(dir, 'data', 'ca.crt'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]));
    const { code, report } = await json(['doctor', '--offline', '--dir', dir]);
    expect(code).toBe(1);
    expect(report.results.find((r: { id: string }) => r.id === 'ca-certificate').status).toBe('fail');
  });

  it('checks lists every catalog ID; explain prints symptom, cause and fix', async () => {
    const list = await runInProcess(['checks', '--json']);
    expect(JSON.parse(list.stdout).map((e: { id: string }) => e.id)).toEqual(CATALOG.map((e) => e.id));
    for (const e of CATALOG) {
      const r = await runInProcess(['explain', e.id]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(e.fix);
      expect(r.stdout).toContain(e.symptom);
    }
  });
});
