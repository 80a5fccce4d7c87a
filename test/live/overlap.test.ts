// The probes of a live run overlap: with every target silent, each probe waits its full timeout,
// yet the run takes about one timeout (the slowest chain), not the sum of all probe timeouts.
// Only Node servers on loopback: no lab program is needed.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherLiveFacts } from '../../src/probes/live.js';
import { REPO } from '../lab/certs.js';
import { makeLabDeployment } from '../lab/deployment.js';
import { LAB_DOMAIN, LAB_TUNNEL_ID } from '../lab/full-lab.js';
import { stopAll } from '../lab/processes.js';
import { startStallServer, type LabServer } from '../lab/servers.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const TIMEOUT = 600;
// The checked-in healthy CA: the probes only need a parsable CA to try the inner TLS.
const CA = readFileSync(join(REPO, 'fixtures', 'deployments', '_certs-healthy', 'ca.crt'), 'utf8');

let stall: LabServer;
let silentUdp: dgram.Socket;

beforeAll(async () => {
  stall = await startStallServer();
  // A UDP socket on the same port that reads and never answers: QUIC and DNS both time out.
  silentUdp = dgram.createSocket('udp4');
  silentUdp.on('message', () => undefined);
  await new Promise<void>((resolve) => silentUdp.bind(stall.port, '127.0.0.1', () => resolve()));
});

afterAll(async () => {
  await stall.close();
  silentUdp.close();
  await stopAll();
});

describe('probe overlap', () => {
  it('a run whose every probe times out takes about the slowest chain, not the sum', async () => {
    const { facts } = makeLabDeployment({
      domain: LAB_DOMAIN,
      caPem: CA,
      allowedIps: ['127.0.0.0/8'],
      tunnelId: LAB_TUNNEL_ID,
      routes: {
        auth: `http://127.0.0.1:${stall.port}`,
        mcp: `http://127.0.0.1:${stall.port}`,
        wiki: `http://slow.lab.test:${stall.port}`,
      },
    });
    const live = await gatherLiveFacts(facts, {
      edges: [`127.0.0.1:${stall.port}`, `127.0.0.1:${stall.port}`],
      dnsServers: [`127.0.0.1:${stall.port}`],
      proxy: `ws://127.0.0.1:${stall.port}/`,
      apiUrl: `http://127.0.0.1:${stall.port}`,
      apiKey: 'sk-ant-overlap-test',
      timeoutMs: TIMEOUT,
      budgetMs: TIMEOUT * 5,
    });
    const timedOut = live.probes.filter((p) => p.durationMs >= TIMEOUT - 20);
    const sumOfTimeouts = live.probes.length * TIMEOUT;
    console.info(
      `[overlap] ${live.probes.length} probes, ${timedOut.length} waited their full ${TIMEOUT} ms; sum of timeouts ${sumOfTimeouts} ms; run took ${live.durationMs} ms`,
    );
    expect(timedOut.length).toBeGreaterThanOrEqual(6);
    expect(live.durationMs).toBeLessThan(sumOfTimeouts);
    // The longest chain is a DNS lookup then a connection: two timeouts, plus slack.
    expect(live.durationMs).toBeLessThan(TIMEOUT * 2 + 400);
    // Many probes were in flight at one instant.
    const at = TIMEOUT / 2;
    expect(
      live.probes.filter((p) => p.startedMs <= at && p.startedMs + p.durationMs >= at).length,
    ).toBeGreaterThanOrEqual(6);
    expect(live.edge?.targets.map((t) => [t.tcp.failure, t.udp.failure])).toEqual([
      ['tls-stall', 'timeout'],
      ['tls-stall', 'timeout'],
    ]);
    expect(live.proxy?.listener.kind).toBe('silent');
    expect(live.caRegistration?.failure).toBe('timeout');
    expect(live.oauthMetadata?.failure).toBe('timeout');
    expect(live.upstreams?.find((u) => u.route === 'wiki')?.resolution).toMatchObject({
      ok: false,
      failure: 'timeout',
    });
  });

  it('the overall budget cuts every probe short', async () => {
    const { facts } = makeLabDeployment({ domain: LAB_DOMAIN, caPem: CA, routes: {} });
    const live = await gatherLiveFacts(facts, {
      edges: [`127.0.0.1:${stall.port}`],
      dnsServers: [`127.0.0.1:${stall.port}`],
      proxy: `ws://127.0.0.1:${stall.port}/`,
      timeoutMs: 5000,
      budgetMs: 300,
    });
    expect(live.budgetExhausted).toBe(true);
    expect(live.durationMs).toBeLessThan(1500);
  });
});
