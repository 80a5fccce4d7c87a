import { expect } from 'vitest';
import { check } from '../../checks/edge/tunnel-connections.js';
import type { ContainerLogFacts } from '../../src/core/runtime-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { first } from '../helpers/present.js';
import { metricsFacts, runtimeWithCloudflared, unreadableMetrics } from '../lab/cloudflared-answers.js';
import { withLive } from '../lab/live-facts.js';

/** What the log matcher found in cloudflared's log for the down state. */
const refusedInLog: ContainerLogFacts = {
  latencyMs: 5,
  maxLines: 2000,
  read: [{ container: 'deploy-cloudflared-1', service: 'cloudflared', lines: 40, since: null, problem: null }],
  matches: [
    {
      id: 'tunnel-token',
      signature: 'edge-unauthorized',
      severity: 'error',
      count: 14,
      container: 'deploy-cloudflared-1',
      service: 'cloudflared',
      firstLine: 12,
      lastLine: 39,
      firstTime: '2026-12-02T10:00:03Z',
      lastTime: '2026-12-02T10:04:41Z',
      example:
        '2026-12-02T10:00:03Z ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0',
      symptom: 's',
      cause: 'c',
      fix: 'f',
      detail: 'The edge refused the tunnel credentials: Invalid tunnel secret.',
    },
  ],
};

testCheck(check, {
  pass: [
    {
      name: 'healthy: 4 ready connections, with their edge locations and the connector',
      facts: withLive({ metrics: metricsFacts('healthy') }),
      info: ['connections-ready'],
    },
    {
      name: 'two connections where --ha-connections 2 asks for two',
      facts: withLive({
        metrics: metricsFacts('degraded'),
        runtime: runtimeWithCloudflared({ argv: ['cloudflared', 'tunnel', '--ha-connections', '2', 'run'] }),
      }),
      info: ['connections-ready'],
    },
  ],
  fail: [
    {
      name: 'degraded: 2 of 4, and /diag/tunnel says which are down',
      facts: withLive({ metrics: metricsFacts('degraded') }),
      status: 'warn',
      messageIds: ['degraded'],
      assert: (findings) => {
        const f = first(findings);
        expect(f.symptom).toContain('2 of 4');
        expect(f.cause).toContain('Down: connections 1, 3 (from /diag/tunnel)');
      },
    },
    {
      name: 'degraded on a release without /diag/tunnel: says it cannot tell which',
      facts: withLive({ metrics: { ...metricsFacts('degraded'), diagTunnel: null } }),
      status: 'warn',
      messageIds: ['degraded'],
      assert: (findings) => expect(first(findings).cause).toContain('no /diag/tunnel'),
    },
    {
      name: "down with the edge refusing the registration, and the log's words",
      facts: withLive({
        metrics: metricsFacts('down'),
        containerLogs: refusedInLog,
        runtime: runtimeWithCloudflared(),
      }),
      status: 'fail',
      messageIds: ['registration-refused'],
      assert: (findings) => {
        const f = first(findings);
        expect(f.cause).toContain('14 times (server_error on registerConnection)');
        expect(f.cause).toContain('Invalid tunnel secret');
        expect(f.fix).toContain('data/tunnel-token');
        expect(f.fix).toContain('docker compose up -d cloudflared');
      },
    },
    {
      name: 'down with a refused registration and no log read: the category from the metrics',
      facts: withLive({ metrics: metricsFacts('down') }),
      status: 'fail',
      messageIds: ['registration-refused'],
      assert: (findings) => expect(first(findings).cause).toContain('its log line "Register tunnel error'),
    },
    {
      name: 'down without any refusal: the network (edge-tcp, edge-udp)',
      facts: withLive({
        metrics: metricsFacts('down', (a) => {
          a.metrics.registerFailures = [];
        }),
      }),
      status: 'fail',
      messageIds: ['no-connection'],
      assert: (findings) => expect(first(findings).fix).toContain('edge-tcp and edge-udp'),
    },
  ],
  skip: [
    {
      name: 'neither /ready nor /metrics gave an answer',
      facts: withLive({ metrics: unreadableMetrics() }),
      reason: 'gave no readable answer',
    },
  ],
});
