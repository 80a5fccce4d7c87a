// The runtime probes against the real Docker Engine and a real Compose project (compose-lab.ts):
// the containers' facts as Docker reports them, no secret kept, the token's fingerprint equal to
// the files', the containers' logs through the matcher, and probes run inside the proxy's network
// namespace. Skipped with a reason without Docker; a failure when CI is set.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/core/facts.js';
import type { ContainerFacts, DockerRuntimeFacts } from '../../src/core/runtime-facts.js';
import { tokenFingerprint } from '../../src/model/tunnel-token.js';
import { withSecretRegistry } from '../../src/redaction/secret-registry.js';
import { gatherContainerLogs } from '../../src/probes/container-logs.js';
import { dockerEndpoint, type DockerEndpoint } from '../../src/probes/docker-engine.js';
import { gatherDockerRuntime } from '../../src/probes/docker-runtime.js';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import { runInNetworkNamespace } from '../../src/probes/network-namespace.js';
import { probeTcp } from '../../src/probes/tcp-connect.js';
import { readableInstall } from '../helpers/exec.js';
import {
  NAMESPACE_PORT,
  PLANTED_PASSWORD,
  PLANTED_TOKEN,
  runtimeLabGate,
  startComposeLab,
  waitFor,
  type ComposeLab,
} from './compose-lab.js';

const gate = runtimeLabGate('the Docker runtime tests');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(gate.skip)('a running Compose project on the Docker Engine', () => {
  let lab: ComposeLab | undefined;
  let facts: Facts;
  let runtime: DockerRuntimeFacts;
  let pids: Record<string, number>;
  const byService = (s: string): ContainerFacts => runtime.containers.find((c) => c.service === s)!;
  const endpoint = dockerEndpoint(process.env) as DockerEndpoint;

  beforeAll(async () => {
    gate.assert();
    // The namespace test spawns the built tool (bin/ -> dist/bundle): build once if it is missing.
    if (spawnSync(process.execPath, [join(ROOT, 'bin/mcp-tunnel.cjs'), 'checks'], { stdio: 'ignore' }).status !== 0)
      throw new Error('build first: npm run build');
    lab = startComposeLab(2500);
    const restarter = () => lab!.inspect('restarter') as { RestartCount: number; State: { Restarting: boolean } };
    await waitFor(
      'the restarter to restart twice',
      () => restarter().RestartCount >= 2 && restarter().State.Restarting,
    );
    await waitFor('the healthcheck to pass', () => {
      const state = lab!.inspect('mcp-proxy') as { State: { Health?: { Status: string } } };
      return state.State.Health?.Status === 'healthy';
    });
    await waitFor('the proxy and cloudflared to print their logs', () => {
      const out = spawnSync('docker', ['logs', '--tail', '1', `${lab!.project}_cloudflared_1`], { encoding: 'utf8' });
      return /Request failed/.test(out.stdout + out.stderr);
    });
    facts = gatherStaticFacts({ dir: lab.dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date() });
    const t0 = performance.now();
    // In a secret registry, as in a doctor run: what the probe registers is masked in what it keeps.
    const r = await withSecretRegistry(() => gatherDockerRuntime(facts, { env: process.env, timeoutMs: 5000 }));
    console.log(`[measure] gatherDockerRuntime, 4 containers: ${(performance.now() - t0).toFixed(1)} ms`);
    if (!('runtime' in r)) throw new Error(`runtime not gathered: ${r.skipped}`);
    ({ runtime, pids } = r);
  }, 90_000);

  afterAll(() => lab?.down(), 60_000);

  it('finds the project by its working directory and lists every container, one-off or not', () => {
    expect(runtime.project).toBe(lab!.project);
    expect(runtime.projectSource).toBe('working-dir');
    expect(runtime.engineVersion).toMatch(/^\d+\.\d+/);
    expect(runtime.containers.map((c) => c.service)).toEqual(['cloudflared', 'idle', 'mcp-proxy', 'restarter']);
    expect(runtime.servicesWithoutContainer).toEqual(['setup']); // `debug` is under a profile
  });

  it('the proxy runs as 65532 with its files seen through the bind mount (the key stat-ed, never read)', () => {
    const proxy = byService('mcp-proxy');
    expect(proxy.state).toMatchObject({ status: 'running', running: true, restarting: false, exitCode: 0 });
    expect(proxy.user).toBe('65532:65532');
    expect(proxy.networkMode).toBe('none');
    expect(proxy.mounts).toContainEqual({
      type: 'bind',
      source: join(lab!.dir, 'data'),
      destination: '/data',
      readOnly: true,
    });
    const files = Object.fromEntries(proxy.files.map((f) => [f.containerPath, f]));
    expect(files['/data/certs/server.crt']).toMatchObject({
      hostPath: join(lab!.dir, 'data/certs/server.crt'),
      stat: { mode: 0o644, uid: 0 },
      problem: null,
    });
    expect(files['/data/tls.key']).toMatchObject({ stat: { mode: 0o600, uid: 0, gid: 0 }, problem: null });
    expect(files['/data/ca.crt']).toMatchObject({ stat: null, problem: expect.stringContaining('does not exist') });
  });

  it("cloudflared shares the proxy's namespace and holds the files' token (fingerprint only)", () => {
    const cf = byService('cloudflared');
    expect(cf.networkMode).toMatch(/^container:[0-9a-f]{64}$/);
    expect(cf.networkModeService).toBe('mcp-proxy');
    expect(cf.envNames).toEqual(['TUNNEL_TOKEN', 'TUNNEL_METRICS']);
    expect(cf.env).toEqual({ TUNNEL_METRICS: '127.0.0.1:20241' });
    expect(cf.argv).toEqual([
      'sh',
      '-c',
      'cat /logs/cloudflared.log; exec sleep 3600',
      'tunnel',
      '--token',
      '<redacted>',
      'run',
    ]);
    expect(cf.tokenFingerprint).toBe(tokenFingerprint(PLANTED_TOKEN));
    expect(runtime.filesTokenFingerprint).toBe(cf.tokenFingerprint);
  });

  it('keeps no secret: neither the token nor another variable value appears anywhere in the facts', () => {
    const text = JSON.stringify(runtime);
    expect(text).not.toContain(PLANTED_TOKEN);
    expect(text).not.toContain(PLANTED_PASSWORD);
    expect(text).not.toContain(Buffer.from(PLANTED_TOKEN, 'base64').toString().slice(10, 40));
    expect(byService('mcp-proxy').envNames).toContain('API_PASSWORD');
  });

  it('a container in a restart loop: restarting, RestartCount > 0, exit code 3', () => {
    const r = byService('restarter');
    expect(r.state.restarting).toBe(true);
    expect(r.state.exitCode).toBe(3);
    expect(r.restartCount).toBeGreaterThan(0);
    expect(r.restartPolicy).toBe('always');
    expect(r.state.finishedAt).not.toBeNull();
  });

  it('the healthcheck: its status and its last output, redacted', () => {
    const proxy = byService('mcp-proxy');
    expect(proxy.state.health).toBe('healthy');
    expect(proxy.state.healthOutput).toMatch(/^listener ok\npassword is \S+$/);
    expect(proxy.state.healthOutput).not.toContain(PLANTED_PASSWORD);
  });

  it('a container created but never started, its token in a file read through its mount', () => {
    const idle = byService('idle');
    expect(idle.state).toMatchObject({ status: 'created', running: false, startedAt: null, finishedAt: null });
    expect(idle.envNames).toEqual(['TUNNEL_TOKEN_FILE']);
    expect(idle.tokenFingerprint).toBe(tokenFingerprint(PLANTED_TOKEN));
    expect(pids[idle.name]).toBeUndefined();
    expect(pids[byService('mcp-proxy').name]).toBeGreaterThan(1);
  });

  it('deployment file times are the files on the host', () => {
    expect(runtime.fileTimes.map((f) => f.role).sort()).toEqual(['compose', 'dotenv', 'proxy-config']);
  });

  it('falls back to the directory name when no container names this directory', async () => {
    const other = { ...facts, compose: undefined, deployment: { ...facts.deployment, dir: '/tmp/No Such_Project' } };
    const r = await gatherDockerRuntime(other, { env: process.env, timeoutMs: 5000 });
    expect(r).toEqual({
      failure: 'no-project',
      skipped:
        'no container of Compose project nosuch_project (from the directory name) exists on this engine: is the project up, or named otherwise (COMPOSE_PROJECT_NAME)?',
    });
    const named = await gatherDockerRuntime(other, {
      env: { ...process.env, COMPOSE_PROJECT_NAME: lab!.project },
      timeoutMs: 5000,
    });
    expect('runtime' in named && named.runtime.projectSource).toBe('env');
  });

  it("the containers' last 2,000 lines go through the log matcher, each match naming its container", async () => {
    const t0 = performance.now();
    const logs = await gatherContainerLogs(endpoint, runtime.containers, { maxLines: 2000, timeoutMs: 5000 });
    console.log(`[measure] gatherContainerLogs, 2,000 + 10 lines: ${(performance.now() - t0).toFixed(1)} ms`);
    const cf = byService('cloudflared');
    const read = Object.fromEntries(logs.read.map((r) => [r.service, r]));
    expect(read.cloudflared).toMatchObject({ lines: 2000, problem: null });
    // From a second before the recorded start: the first lines are written before Docker notes it.
    expect(Date.parse(cf.state.startedAt!) - Date.parse(read.cloudflared!.since!)).toBe(1000);
    expect(read['mcp-proxy']).toMatchObject({ lines: 10, problem: null });
    expect(read.idle).toMatchObject({ lines: 0, problem: 'it never started' });
    const found = logs.matches.map((m) => `${m.service} ${m.id} ${m.signature}`);
    expect(found).toContain('cloudflared edge-udp quic-dial-timeout');
    expect(found).toContain('cloudflared udp-receive-buffer udp-receive-buffer');
    expect(found).toContain('mcp-proxy tunnel-domain no-route-for-host');
    expect(found).toContain('mcp-proxy upstream-ip ip-validation-failed');
    const noRoute = logs.matches.find((m) => m.signature === 'no-route-for-host')!;
    expect(noRoute).toMatchObject({ container: byService('mcp-proxy').name, firstLine: 5, count: 1 });
    expect(noRoute.firstTime).toMatch(/^2026-/);
  });

  it('a short tail reads only the last lines', async () => {
    const logs = await gatherContainerLogs(endpoint, [byService('mcp-proxy')], { maxLines: 3, timeoutMs: 5000 });
    expect(logs.read[0]).toMatchObject({ lines: 3 });
    expect(logs.matches.map((m) => m.signature)).not.toContain('no-route-for-host'); // line 5 of 10
  });

  it("a window (the bundle's --since or --record) reads no line before it, and never before the run", async () => {
    const proxy = byService('mcp-proxy');
    const later = await gatherContainerLogs(endpoint, [proxy], {
      maxLines: 2000,
      timeoutMs: 5000,
      notBefore: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(later.read[0]).toMatchObject({ lines: 0, problem: null });
    expect(later.matches).toEqual([]);
    // A window opening before the container started reads from the run's start, as without one.
    const earlier = await gatherContainerLogs(endpoint, [proxy], {
      maxLines: 2000,
      timeoutMs: 5000,
      notBefore: '2020-01-01T00:00:00.000Z',
    });
    expect(earlier.read[0]).toMatchObject({ lines: 10 });
    expect(Date.parse(proxy.state.startedAt!) - Date.parse(earlier.read[0]!.since!)).toBe(1000);
  });

  it("tcp-connect inside the proxy's namespace reaches its loopback listener; from the host it is refused", async () => {
    const pid = pids[byService('mcp-proxy').name]!;
    const t0 = performance.now();
    const inside = await runInNetworkNamespace(
      pid,
      'tcp-connect',
      { host: '127.0.0.1', port: NAMESPACE_PORT },
      { timeoutMs: 5000 },
    );
    console.log(`[measure] runInNetworkNamespace (tcp-connect): ${(performance.now() - t0).toFixed(1)} ms`);
    expect(inside).toMatchObject({ ok: true, value: { ok: true, failure: null } });
    const fromHost = await probeTcp('127.0.0.1', NAMESPACE_PORT, 2000);
    expect(fromHost).toMatchObject({ ok: false, failure: 'refused' });
    // The guard travels with the environment: a non-loopback target is refused inside too.
    const guarded = await runInNetworkNamespace(
      pid,
      'tcp-connect',
      { host: '10.1.2.3', port: 80 },
      { timeoutMs: 5000 },
    );
    expect(guarded).toMatchObject({ ok: true, value: { ok: false, failure: 'guard' } });
  });

  it('typed failures: a gone process, a bad payload, an unknown task, no nsenter, the deadline', async () => {
    const pid = pids[byService('mcp-proxy').name]!;
    expect(await runInNetworkNamespace(99_999_999, 'tcp-connect', {}, { timeoutMs: 2000 })).toMatchObject({
      ok: false,
      failure: 'no-process',
    });
    expect(await runInNetworkNamespace(pid, 'tcp-connect', { host: 1 }, { timeoutMs: 5000 })).toMatchObject({
      ok: false,
      failure: 'error',
      detail: expect.stringContaining('tcp-connect needs'),
    });
    expect(await runInNetworkNamespace(pid, 'no-such-task', {}, { timeoutMs: 5000 })).toMatchObject({
      ok: false,
      failure: 'error',
      detail: expect.stringContaining('no namespace task'),
    });
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await runInNetworkNamespace(pid, 'tcp-connect', {}, { timeoutMs: 2000 })).toMatchObject({
        ok: false,
        failure: 'no-nsenter',
      });
    } finally {
      process.env.PATH = path;
    }
    const t0 = performance.now();
    const late = await runInNetworkNamespace(pid, 'tcp-connect', { host: '127.0.0.1', port: 1 }, { timeoutMs: 1 });
    expect(late).toMatchObject({ ok: false, failure: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('as a non-root user: not-permitted, with the sentence that says what to do', () => {
    // Another user reads the copy every user can read (the checkout may sit in a private directory).
    const module = join(readableInstall(), 'dist/src/probes/network-namespace.js');
    const script = `import(${JSON.stringify(module)}).then(async (m) => process.stdout.write(JSON.stringify(await m.runInNetworkNamespace(${pids[byService('mcp-proxy').name]}, 'tcp-connect', {}, { timeoutMs: 2000 }))))`;
    const r = spawnSync(process.execPath, ['-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      failure: 'not-permitted',
      detail:
        "entering the proxy's network namespace needs root: run the doctor with sudo, or inside the namespace (network_mode: service:mcp-proxy)",
    });
  });
});
