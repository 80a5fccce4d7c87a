// cloudflared's metrics server answers, parsed from the canonical fixtures (fixtures/cloudflared),
// and the strict exposition parser on what a wrong or hostile endpoint sends.

import { describe, expect, it } from 'vitest';
import type { ContainerFacts } from '../../src/core/runtime-facts.js';
import {
  MAX_SERIES,
  metricsCandidates,
  parseCloudflaredMetrics,
  parseDiagTunnel,
  parseExposition,
  parseReady,
} from '../../src/model/cloudflared-metrics.js';
import { fixtureAnswers } from '../lab/cloudflared-answers.js';

describe('the four fixture states, through the parser', () => {
  it('healthy: 4 connections over QUIC, with their edge locations and the build', () => {
    const a = fixtureAnswers('healthy');
    expect(a.metrics).toMatchObject({
      haConnections: 4,
      registerFailures: [],
      registerSuccesses: 4,
      totalRequests: 57,
      requestErrors: 0,
      responsesByCode: { '101': 2, '200': 55 },
      quicSeries: true,
      build: { version: '2026.8.2', goVersion: 'go1.24.6', type: '', revision: '2026-08-20-1043 UTC' },
    });
    expect(a.metrics.serverLocations.map((l) => l.edgeLocation)).toEqual(['fra08', 'ams01', 'fra10', 'ams08']);
    expect(a.ready).toEqual({ status: 200, readyConnections: 4, connectorId: 'b2e7c4a9-58d1-4f3a-a6e0-91c3d7f25b48' });
    expect(a.diag.connections).toEqual(
      [0, 1, 2, 3].map((index) => expect.objectContaining({ index, protocol: 'quic' })),
    );
    expect(a.diag.tunnelId).toBe('6f1d9a3e-2c4b-4e8f-9a71-3b5c0d2e8f14');
  });

  it('degraded: 2 connections over HTTP/2 (Go leaves protocol 0 and index 0 out), only current locations', () => {
    const a = fixtureAnswers('degraded');
    expect(a.metrics.haConnections).toBe(2);
    expect(a.metrics.quicSeries).toBe(false);
    expect(a.metrics.serverLocations).toEqual([
      { connectionId: '0', edgeLocation: 'fra08' },
      { connectionId: '2', edgeLocation: 'fra10' },
    ]);
    expect(a.diag.connections).toEqual([
      { index: 0, isConnected: true, protocol: 'http2', edgeAddress: '198.41.200.13' },
      { index: 2, isConnected: true, protocol: 'http2', edgeAddress: '198.41.200.33' },
    ]);
  });

  it('down: 503 with 0, the registration failures by category, no connection listed', () => {
    const a = fixtureAnswers('down');
    expect(a.readyStatus).toBe(503);
    expect(a.ready.readyConnections).toBe(0);
    expect(a.metrics.haConnections).toBe(0);
    expect(a.metrics.registerFailures).toEqual([{ error: 'server_error', rpcName: 'registerConnection', count: 14 }]);
    expect(a.metrics.registerSuccesses).toBeNull();
    expect(a.diag.connections).toEqual([]);
  });

  it('origin-failing: request errors and 502s', () => {
    const a = fixtureAnswers('origin-failing');
    expect(a.metrics.requestErrors).toBe(23);
    expect(a.metrics.responsesByCode).toEqual({ '502': 23 });
  });
});

describe('the exposition parser', () => {
  it('reads escapes, NaN, +Inf, -Inf, timestamps, a trailing comma, CRLF and plain comments', () => {
    const text = '# a comment\r\n# EOF-ish\na{x="q\\"\\\\\\n",} NaN 1700000000000\r\nb +Inf\nc -Inf -5\nd 1e-3\n';
    const s = parseExposition(text);
    expect(Array.isArray(s)).toBe(true);
    if (!Array.isArray(s)) return;
    expect(s[0]).toEqual({ name: 'a', labels: { x: 'q"\\\n' }, value: NaN });
    expect(s.slice(1).map((x) => x.value)).toEqual([Infinity, -Infinity, 0.001]);
  });

  it('reads OpenMetrics types and leaves exemplars out', () => {
    const text = '# TYPE r counter\n# UNIT r seconds\nr_total{a="b"} 3 # {trace_id="x"} 1 1700000000\n# EOF\n';
    expect(parseExposition(text)).toEqual([{ name: 'r_total', labels: { a: 'b' }, value: 3 }]);
    expect(parseExposition('# TYPE i info\ni_info{v="1"} 1\n')).toHaveLength(1);
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>', 'line 1'],
    ['a value that is not a number', 'a banana\n', 'not a number'],
    ['an unclosed label set', 'a{x="1" 3\n', 'line 1'],
    ['an unknown escape', 'a{x="\\t"} 1\n', 'unknown escape'],
    ['a label given twice', 'a{x="1",x="2"} 1\n', 'twice'],
    ['a timestamp that is not an integer', 'a 1 2.5\n', 'timestamp'],
    ['an unknown TYPE', '# TYPE a thing\na 1\n', 'unknown type'],
    ['JSON', '{"status":200}', 'line 1'],
  ])('%s is a problem, not a throw', (_, text, expected) => {
    const r = parseExposition(text);
    expect(r).toEqual({ problem: expect.stringContaining(expected) });
  });

  it('stops at the series cap', () => {
    const text = Array.from({ length: MAX_SERIES + 1 }, (_, i) => `s{i="${i}"} 1`).join('\n');
    expect(parseExposition(text)).toEqual({ problem: expect.stringContaining(`more than ${MAX_SERIES} series`) });
  });

  it('a Prometheus endpoint that is not cloudflared is a problem', () => {
    expect(parseCloudflaredMetrics('# TYPE go_goroutines gauge\ngo_goroutines 7\n')).toEqual({
      problem: expect.stringContaining('not cloudflared'),
    });
  });
});

describe('/ready and /diag/tunnel', () => {
  it.each([
    ['not JSON', 'OK\n'],
    ['a list', '[1]'],
    ['no count', '{"status":200}'],
    ['a negative count', '{"status":200,"readyConnections":-1}'],
    ['deep nesting', '['.repeat(100_000)],
  ])('/ready with %s is a problem', (_, body) => {
    expect(parseReady(200, body)).toHaveProperty('problem');
  });

  it('an older /ready without connectorId', () => {
    expect(parseReady(200, '{"status":200,"readyConnections":4}')).toEqual({
      status: 200,
      readyConnections: 4,
      connectorId: null,
    });
  });

  it.each([
    ['not JSON', '404 page not found\n'],
    ['connections that are not a list', '{"connections":{}}'],
    ['a connection that is not an object', '{"connections":[1]}'],
  ])('/diag/tunnel with %s is a problem', (_, body) => {
    expect(parseDiagTunnel(body)).toHaveProperty('problem');
  });
});

describe('where the metrics server listens', () => {
  const container = (argv: string[], env: Record<string, string> = {}) => ({ argv, env }) as unknown as ContainerFacts;

  it('the doctor flag wins, and a wildcard host means this host', () => {
    expect(metricsCandidates(container(['tunnel', '--metrics', '0.0.0.0:2000']), '[::]:3000')).toEqual([
      { baseUrl: 'http://127.0.0.1:3000', source: 'flag' },
    ]);
  });

  it.each([
    [['cloudflared', 'tunnel', '--metrics', '0.0.0.0:2000', 'run'], 'http://127.0.0.1:2000'],
    [['cloudflared', 'tunnel', '--metrics=localhost:2001', 'run'], 'http://localhost:2001'],
    [['tunnel', '--metrics', ':2002', 'run'], 'http://127.0.0.1:2002'],
    [['tunnel', '--metrics', '[::1]:2003', 'run'], 'http://[::1]:2003'],
  ])('--metrics in the command %j', (argv, baseUrl) => {
    expect(metricsCandidates(container(argv, { TUNNEL_METRICS: '0.0.0.0:9999' }), null)).toEqual([
      { baseUrl, source: 'command' },
    ]);
  });

  it('TUNNEL_METRICS when the command has none', () => {
    expect(metricsCandidates(container(['tunnel', 'run'], { TUNNEL_METRICS: '0.0.0.0:2004' }), null)).toEqual([
      { baseUrl: 'http://127.0.0.1:2004', source: 'env' },
    ]);
  });

  it('the default ports without a container or an address', () => {
    const c = metricsCandidates(null, null);
    expect(c.map((x) => x.baseUrl)).toEqual([20241, 20242, 20243, 20244, 20245].map((p) => `http://127.0.0.1:${p}`));
    expect(new Set(c.map((x) => x.source))).toEqual(new Set(['scan']));
  });

  it('an address that is not HOST:PORT gives no candidate', () => {
    expect(metricsCandidates(null, 'nonsense')).toEqual([]);
    expect(metricsCandidates(null, '127.0.0.1:99999')).toEqual([]);
  });
});
