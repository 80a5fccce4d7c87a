// The Docker lab behaves as it claims: real containers in the reference layout, cloudflared's
// stand-in serving its metrics in the proxy's namespace, the kernel refusing a 0600 root-owned key
// to the proxy's UID, real 502s when the proxy is gone, nothing published on the host. The
// doctor's end-to-end runs against the lab live elsewhere; these only prove the lab itself.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/exec.js';
import {
  LAB_METRICS_PORT,
  metricSum,
  startComposeLab,
  type ComposeLab,
  type LabScenario,
} from './docker/compose-lab.js';
import { CLOUDFLARED_LAB_VERSION, dockerLabUnavailable, ensureLabImages } from './docker/images.js';
import { freePort } from './processes.js';
import { labGate, programMissing } from './programs.js';

const gate = labGate('the Docker lab', dockerLabUnavailable(), programMissing('docker-compose', ['version']));
const METRICS_BASE = `http://127.0.0.1:${LAB_METRICS_PORT}`;
const READY = `${METRICS_BASE}/ready`;
const METRICS = `${METRICS_BASE}/metrics`;

const labs: ComposeLab[] = [];
async function start(scenario: LabScenario): Promise<ComposeLab> {
  const t0 = Date.now();
  const lab = await startComposeLab(scenario);
  labs.push(lab);
  console.log(`[lab] ${scenario}: up in ${Date.now() - t0} ms`);
  return lab;
}
async function stop(lab: ComposeLab): Promise<void> {
  const t0 = Date.now();
  await lab.down();
  console.log(`[lab] ${lab.scenario}: down in ${Date.now() - t0} ms`);
}

/** busybox wget from the upstream container, which shares the proxy's network namespace. */
function wgetInProxyNamespace(lab: ComposeLab, url: string): { code: number | null; body: string } {
  const r = spawnSync('docker', ['exec', lab.containerName('upstream'), 'wget', '-q', '-O', '-', url], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: r.status, body: r.stdout };
}

/** The log signatures `mcp-tunnel logs` finds in the project's Compose logs (prefixes and all). */
async function logSignatures(lab: ComposeLab): Promise<string[]> {
  const logs = await lab.compose(['logs', '--no-color']);
  const r = runCli(['logs', '-', '--json'], { input: logs });
  return (JSON.parse(r.stdout) as { matches: { signature: string }[] }).matches.map((m) => m.signature);
}

async function metrics(lab: ComposeLab): Promise<string> {
  const r = await lab.httpGet('cloudflared', METRICS);
  expect(r.status).toBe(200);
  return r.body;
}

async function eventually(what: string, timeoutMs: number, ok: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(gate.skip)('Docker lab', () => {
  beforeAll(async () => {
    gate.assert();
    const t0 = Date.now();
    await ensureLabImages();
    console.log(`[lab] images ready in ${Date.now() - t0} ms`);
  }, 180_000);
  afterAll(async () => {
    for (const lab of labs) await lab.down().catch(() => undefined);
  }, 60_000);

  it('healthy: the reference layout, 4 connections seen from the proxy namespace, nothing published, an offline doctor with no fail', async () => {
    const lab = await start('healthy');
    const proxyId = lab.inspect('mcp-proxy', '{{.Id}}');
    expect(lab.inspect('cloudflared', '{{.HostConfig.NetworkMode}}')).toBe(`container:${proxyId}`);
    expect(lab.inspect('upstream', '{{.HostConfig.NetworkMode}}')).toBe(`container:${proxyId}`);
    expect(
      lab.inspect('mcp-proxy', '{{.HostConfig.NetworkMode}} {{.Config.User}} {{.HostConfig.ReadonlyRootfs}}'),
    ).toBe('none 65532:65532 true');
    expect(lab.inspect('cloudflared', '{{index .Config.Labels "org.opencontainers.image.version"}}')).toBe(
      CLOUDFLARED_LAB_VERSION,
    );
    expect(lab.inspect('cloudflared', '{{.Path}} {{join .Args " "}}')).toBe(
      'cloudflared --no-autoupdate tunnel --no-autoupdate run --url http://localhost:8080',
    );
    expect(lab.pid('mcp-proxy')).toBeGreaterThan(0);

    const ready = wgetInProxyNamespace(lab, READY);
    expect(ready.code).toBe(0);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 200, readyConnections: 4 });
    const text = await metrics(lab);
    expect(metricSum(text, 'cloudflared_tunnel_ha_connections')).toBe(4);
    expect(metricSum(text, 'quic_client_total_connections')).toBe(4);
    expect(metricSum(text, 'cloudflared_tunnel_request_errors')).toBe(0);
    expect(metricSum(text, 'cloudflared_tunnel_response_by_code', { status_code: '101' })).toBeGreaterThan(0);
    const diag = JSON.parse((await lab.httpGet('cloudflared', `${METRICS_BASE}/diag/tunnel`)).body) as {
      connections: { isConnected: boolean; protocol?: number }[];
    };
    // cloudflared's JSON: protocol 1 is QUIC.
    expect(diag.connections.map((c) => `${c.isConnected} ${c.protocol}`)).toEqual(Array(4).fill('true 1'));
    // The upstream the config routes to answers inside the namespace.
    expect(wgetInProxyNamespace(lab, 'http://127.0.0.1:9000/').body).toBe('upstream ok\n');

    for (const service of ['mcp-proxy', 'cloudflared', 'upstream']) {
      const port = spawnSync('docker', ['port', lab.containerName(service)], { encoding: 'utf8' });
      expect(port.status, port.stderr).toBe(0);
      expect(port.stdout.trim()).toBe('');
    }

    const r = runCli(['doctor', '--dir', lab.dir, '--offline', '--json'], { env: cleanEnv() });
    const report = JSON.parse(r.stdout) as { summary: { pass: number; fail: number; error: number } };
    expect(report.summary.fail, r.stdout).toBe(0);
    expect(report.summary.error).toBe(0);
    expect(report.summary.pass).toBeGreaterThan(10);
    await stop(lab);
  }, 90_000);

  it('key-unreadable: the kernel refuses the 0600 root-owned key to UID 65532, the proxy logs it and keeps restarting', async () => {
    const lab = await start('key-unreadable');
    const first = Number(lab.inspect('mcp-proxy', '{{.RestartCount}}'));
    expect(first).toBeGreaterThanOrEqual(1);
    await eventually('RestartCount grows', 20_000, () => Number(lab.inspect('mcp-proxy', '{{.RestartCount}}')) > first);
    const logs = spawnSync('docker', ['logs', '--tail', '20', lab.containerName('mcp-proxy')], { encoding: 'utf8' });
    expect(logs.stderr).toContain(
      'level=ERROR msg="failed to load TLS certificate" error="open /data/tls.key: permission denied"',
    );
    await stop(lab);
  }, 90_000);

  it('origin-failing: with the proxy stopped, cloudflared counts request errors and 502s and logs the origin unreachable', async () => {
    const lab = await start('origin-failing');
    expect(lab.inspect('mcp-proxy', '{{.State.Running}}')).toBe('false');
    const text = await metrics(lab);
    expect(metricSum(text, 'cloudflared_tunnel_ha_connections')).toBe(4);
    expect(metricSum(text, 'cloudflared_tunnel_response_by_code', { status_code: '502' })).toBeGreaterThan(0);
    expect(metricSum(text, 'cloudflared_tunnel_request_errors')).toBeGreaterThan(0);
    const logs = spawnSync('docker', ['logs', '--tail', '5', lab.containerName('cloudflared')], { encoding: 'utf8' });
    expect(logs.stderr).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ERR {2}error="Unable to reach the origin service\. The service may be down or it may not be responding to traffic from cloudflared: dial tcp 127\.0\.0\.1:8080: connect: connection refused" connIndex=0 event=1 ingressRule=0 originService=http:\/\/localhost:8080$/m,
    );
    expect(await logSignatures(lab)).toContain('origin-unreachable');
    await stop(lab);
  }, 90_000);

  it('down and degraded: the edge refusing the secret, and two connections over HTTP/2', async () => {
    const down = await start('down');
    const ready = await down.httpGet('cloudflared', READY);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 503, readyConnections: 0 });
    const downText = await metrics(down);
    expect(metricSum(downText, 'cloudflared_tunnel_tunnel_register_fail', { error: 'server_error' })).toBeGreaterThan(
      0,
    );
    expect(metricSum(downText, 'cloudflared_tunnel_ha_connections')).toBe(0);
    expect(await logSignatures(down)).toContain('edge-unauthorized');
    await stop(down);

    const degraded = await start('degraded');
    const text = await metrics(degraded);
    expect(metricSum(text, 'cloudflared_tunnel_ha_connections')).toBe(2);
    expect(text).not.toMatch(/^quic_client_/m);
    const logs = spawnSync('docker', ['logs', degraded.containerName('cloudflared')], { encoding: 'utf8' });
    expect(logs.stderr).toMatch(/ INF Registered tunnel connection connIndex=1 .* protocol=http2$/m);
    expect(await logSignatures(degraded)).toEqual(expect.arrayContaining(['quic-fallback-http2', 'edge-tcp-dial']));
    expect(logs.stderr).toMatch(
      / ERR Unable to establish connection with Cloudflare edge error="DialContext error: dial tcp [\d.]+:7844: i\/o timeout" connIndex=3 /,
    );
    await stop(degraded);
  }, 90_000);

  it('not-sharing, config-edited, env-edited, token-mismatch: each shows its one change', async () => {
    const startedMs = (lab: ComposeLab, service: string) => Date.parse(lab.inspect(service, '{{.State.StartedAt}}'));
    const envOf = (lab: ComposeLab) => lab.inspect('cloudflared', '{{range .Config.Env}}{{println .}}{{end}}');

    // cloudflared alone in its namespace: its metrics answer there, and the proxy is out of reach.
    const alone = await start('not-sharing');
    expect(alone.inspect('cloudflared', '{{.HostConfig.NetworkMode}}')).toBe('none');
    expect(metricSum(await metrics(alone), 'cloudflared_tunnel_request_errors')).toBeGreaterThan(0);
    expect(wgetInProxyNamespace(alone, READY).code).not.toBe(0);
    await stop(alone);

    const config = await start('config-edited');
    const configFile = join(config.dir, 'config', 'mcp-proxy.yaml');
    expect(readFileSync(configFile, 'utf8')).toContain('log_level: debug');
    expect(statSync(configFile).mtimeMs).toBeGreaterThan(startedMs(config, 'mcp-proxy'));
    // Edited in place: the running proxy's bind mount shows the new text.
    const seen = spawnSync(
      'docker',
      ['exec', config.containerName('mcp-proxy'), 'cat', '/etc/mcp-gateway/config.yaml'],
      {
        encoding: 'utf8',
      },
    );
    expect(seen.stdout).toContain('log_level: debug');
    await stop(config);

    const env = await start('env-edited');
    expect(statSync(join(env.dir, '.env')).mtimeMs).toBeGreaterThan(startedMs(env, 'cloudflared'));
    expect(envOf(env).includes(`TUNNEL_TOKEN=${env.runningToken}\n`)).toBe(true);
    await stop(env);

    // The running cloudflared holds the old token; the files now hold another valid-shaped one.
    const token = await start('token-mismatch');
    const filesToken = readFileSync(join(token.dir, 'data', 'tunnel-token'), 'utf8').trim();
    expect(readFileSync(join(token.dir, '.env'), 'utf8').includes(`TUNNEL_TOKEN=${filesToken}\n`)).toBe(true);
    expect(filesToken === token.runningToken).toBe(false);
    expect(envOf(token).includes(`TUNNEL_TOKEN=${token.runningToken}\n`)).toBe(true);
    expect(JSON.parse(Buffer.from(filesToken, 'base64').toString('utf8'))).toMatchObject({
      t: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      s: expect.any(String) as unknown,
    });
    await stop(token);
  }, 120_000);
});

// The stand-in alone on this host (no Docker): its command line and environment read as
// cloudflared's, its metrics server on a loopback port, its origin dialled for real.
describe('cloudflared stand-in', () => {
  const STANDIN = fileURLToPath(new URL('./docker/programs/cloudflared-standin.ts', import.meta.url));
  const REGISTER = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
  const TOKEN = Buffer.from(
    JSON.stringify({ a: 'a'.repeat(32), t: '5f0c8a52-3b7e-4d21-9c1a-2e6f7b8d9a10', s: 'c2VjcmV0' }),
  ).toString('base64');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  function standin(args: string[], env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
    const child = spawn(process.execPath, ['--import', REGISTER, STANDIN, ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return { child, stderr: () => err };
  }
  const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

  it('reads --metrics or TUNNEL_METRICS, serves /ready, /healthcheck, 404 and 403 like cloudflared, and counts real 502s from a closed --url', async () => {
    const closed = await freePort();
    for (const how of ['flag', 'env'] as const) {
      const address = `127.0.0.1:${await freePort()}`;
      const s = standin(
        [
          'tunnel',
          '--no-autoupdate',
          'run',
          '--url',
          `http://127.0.0.1:${closed}`,
          ...(how === 'flag' ? ['--metrics', address] : []),
        ],
        { TUNNEL_TOKEN: TOKEN, ...(how === 'env' ? { TUNNEL_METRICS: address } : {}) },
      );
      await eventually('the metrics server', 15_000, () =>
        s.stderr().includes(`INF Starting metrics server on ${address}/metrics`),
      );
      const base = `http://${address}`;
      await eventually(
        '4 connections',
        5_000,
        async () =>
          ((await (await fetch(`${base}/ready`)).json()) as { readyConnections: number }).readyConnections === 4,
      );
      expect(await (await fetch(`${base}/healthcheck`)).text()).toBe('OK\n');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/debug/pprof/cmdline`)).status).toBe(403);
      await eventually(
        'a 502',
        5_000,
        async () =>
          (metricSum(await (await fetch(`${base}/metrics`)).text(), 'cloudflared_tunnel_response_by_code', {
            status_code: '502',
          }) ?? 0) > 0,
      );
      expect(s.stderr()).toContain(`dial tcp 127.0.0.1:${closed}: connect: connection refused`);
      expect(s.stderr()).toContain('INF Settings: map[');
      expect(s.stderr()).not.toContain(TOKEN);
      s.child.kill('SIGTERM');
      expect(await exited(s.child)).toBe(0);
    }
  }, 60_000);

  it('refuses a malformed token and a missing one as cloudflared does', async () => {
    const bad = standin(['tunnel', 'run'], { TUNNEL_TOKEN: 'not-a-token' });
    expect(await exited(bad.child)).toBe(1);
    expect(bad.stderr()).toBe("Provided Tunnel token is not valid.\nSee 'cloudflared tunnel run --help'.\n");
    const none = standin(['tunnel', 'run'], {});
    expect(await exited(none.child)).toBe(1);
    expect(none.stderr()).toMatch(/^"cloudflared tunnel run" requires the ID or name of the tunnel to run/);
  }, 30_000);
});
