// The metrics probe against real HTTP servers on 127.0.0.1: the fixture answers of cloudflared,
// and a server that sends garbage, stalls, fails with 500, sends too much or resets.

import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeOrigin } from '../../src/core/runtime-facts.js';
import { findMetricsServer, readCloudflaredMetrics } from '../../src/probes/cloudflared-metrics.js';
import { rawAnswers, type CloudflaredScenario } from '../lab/cloudflared-answers.js';
import { startJsonServer, startResetServer, startStallServer, type LabServer } from '../lab/servers.js';

const servers: LabServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const from: ProbeOrigin = { kind: 'host' };
const opts = { timeoutMs: 800, from, addressSource: 'flag' as const };
const url = (s: LabServer) => `http://127.0.0.1:${s.port}`;

async function serve(routes: Parameters<typeof startJsonServer>[0]): Promise<LabServer> {
  const s = await startJsonServer(routes);
  servers.push(s);
  return s;
}

/** cloudflared's metrics server in one of the fixture states. */
function cloudflared(scenario: CloudflaredScenario, diag = true): Promise<LabServer> {
  const raw = rawAnswers(scenario);
  return serve({
    '/ready': { status: raw.readyStatus, body: raw.ready },
    '/metrics': { body: raw.metrics, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
    '/healthcheck': { body: 'OK\n' },
    ...(diag ? { '/diag/tunnel': { body: raw.diagTunnel } } : {}),
  });
}

describe('readCloudflaredMetrics on the fixture states', () => {
  it('healthy: all three endpoints read and parsed', async () => {
    const s = await cloudflared('healthy');
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f).toMatchObject({ baseUrl: url(s), addressSource: 'flag', from });
    expect(f.ready).toMatchObject({ ok: true, httpStatus: 200, value: { readyConnections: 4 } });
    expect(f.metrics).toMatchObject({ ok: true, value: { haConnections: 4, quicSeries: true } });
    expect(f.diagTunnel?.value?.connections).toHaveLength(4);
    expect(s.requests.find((r) => r.url === '/metrics')?.headers.accept).toContain('text/plain');
  });

  it('down: /ready answers 503 with its JSON, which is an answer, not a failure', async () => {
    const s = await cloudflared('down');
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f.ready).toMatchObject({ ok: true, httpStatus: 503, value: { status: 503, readyConnections: 0 } });
    expect(f.metrics.value?.registerFailures).toEqual([
      { error: 'server_error', rpcName: 'registerConnection', count: 14 },
    ]);
  });

  it('a release without /diag/tunnel (404): the endpoint is absent, the rest is read', async () => {
    const s = await cloudflared('degraded', false);
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f.diagTunnel).toBeNull();
    expect(f.metrics.value?.haConnections).toBe(2);
  });
});

describe('bad answers become typed failures', () => {
  it('garbage on every endpoint', async () => {
    const s = await serve({
      '/ready': { body: '<html>hello</html>' },
      '/metrics': { body: '<html>hello</html>' },
      '/diag/tunnel': { body: 'nope' },
    });
    const f = await readCloudflaredMetrics(url(s), opts);
    for (const e of [f.ready, f.metrics, f.diagTunnel])
      expect(e).toMatchObject({ ok: false, failure: 'bad-answer', value: null, httpStatus: 200 });
  });

  it('a 500', async () => {
    const s = await serve({ '/ready': { status: 500, body: 'boom' }, '/metrics': { status: 500, body: 'boom' } });
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f.ready).toMatchObject({ ok: false, failure: 'http-status', httpStatus: 500 });
    expect(f.metrics).toMatchObject({ ok: false, failure: 'http-status', httpStatus: 500 });
  });

  it('a body over 1 MiB is cut, not buffered', async () => {
    const huge = `# HELP x y\n${'cloudflared_x 1\n'.repeat(80_000)}`;
    const s = await serve({ '/metrics': { body: huge }, '/ready': { body: '{"status":200,"readyConnections":4}' } });
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f.metrics).toMatchObject({ ok: false, failure: 'too-large' });
    expect(f.ready.ok).toBe(true);
  });

  it('a server that accepts and stalls: timeout within the deadline', async () => {
    const s = await startStallServer();
    servers.push(s);
    const started = Date.now();
    const f = await readCloudflaredMetrics(url(s), { ...opts, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(f.ready).toMatchObject({ ok: false, failure: 'timeout' });
    expect(f.metrics).toMatchObject({ ok: false, failure: 'timeout' });
  });

  it('a server that resets the connection', async () => {
    const s = await startResetServer();
    servers.push(s);
    const f = await readCloudflaredMetrics(url(s), opts);
    expect(f.metrics).toMatchObject({ ok: false, failure: 'reset' });
  });

  it('an address outside loopback is refused by the guard before any packet', async () => {
    const f = await readCloudflaredMetrics('http://192.0.2.1:20241', opts);
    expect(f.metrics).toMatchObject({ ok: false, failure: 'guard' });
    expect(f.ready).toMatchObject({ ok: false, failure: 'guard' });
  });
});

describe('findMetricsServer', () => {
  it('the first candidate that answers wins, in order', async () => {
    const other = await serve({ '/': { body: 'not cloudflared' } });
    const s = await cloudflared('healthy');
    const f = await findMetricsServer(
      [
        { baseUrl: url(other), source: 'scan' },
        { baseUrl: url(s), source: 'scan' },
      ],
      { timeoutMs: 800, from },
    );
    expect(f).toMatchObject({ baseUrl: url(s), addressSource: 'scan' });
  });

  it('a named address that answers badly is still the answer (the check reports it)', async () => {
    const s = await serve({ '/metrics': { status: 500, body: 'boom' } });
    const f = await findMetricsServer([{ baseUrl: url(s), source: 'command' }], { timeoutMs: 800, from });
    expect(f).toMatchObject({ addressSource: 'command', metrics: { failure: 'http-status' } });
  });

  it('nothing answers: the skip says where it looked', async () => {
    const stall = await startStallServer();
    servers.push(stall);
    const r = await findMetricsServer(
      [
        { baseUrl: 'http://127.0.0.1:1', source: 'scan' },
        { baseUrl: url(stall), source: 'scan' },
      ],
      { timeoutMs: 200, from: { kind: 'container', container: 'mcp-proxy-1', service: 'mcp-proxy' } },
    );
    expect(r).toEqual({ skipped: expect.stringContaining('in the network namespace of mcp-proxy-1') });
    const reason = 'skipped' in r ? r.skipped : '';
    expect(reason).toContain('http://127.0.0.1:1 (refused)');
    expect(reason).toContain(`${url(stall)} (timeout)`);
    expect(reason).toContain("(from cloudflared's default ports)");
  });

  it('no candidate at all', async () => {
    expect(await findMetricsServer([], { timeoutMs: 100, from })).toEqual({
      skipped: expect.stringContaining('HOST:PORT'),
    });
  });
});
