import { expect } from 'vitest';
import { check } from '../../checks/edge/tunnel-transport.js';
import { testCheck } from '../harness/check-tester.js';
import { first } from '../helpers/present.js';
import { metricsFacts, runtimeWithCloudflared, unreadableMetrics } from '../lab/cloudflared-answers.js';
import { edge, target, tcpOk, udpFail, udpOk, withLive } from '../lab/live-facts.js';

const udpBlocked = edge({
  targets: [target('region1', tcpOk(), udpFail('timeout')), target('region2', tcpOk(), udpFail('timeout'))],
});
const udpWorks = edge({ targets: [target('region1', tcpOk(), udpOk())] });

testCheck(check, {
  pass: [
    {
      name: 'healthy: QUIC, by /diag/tunnel',
      facts: withLive({ metrics: metricsFacts('healthy') }),
      info: ['quic'],
    },
    {
      name: 'QUIC told by the quic_client_* series on a release without /diag/tunnel',
      facts: withLive({ metrics: { ...metricsFacts('origin-failing'), diagTunnel: null } }),
      info: ['quic'],
    },
  ],
  fail: [
    {
      name: 'degraded over HTTP/2, nothing forces it, and the edge probes saw UDP 7844 blocked',
      facts: withLive({ metrics: metricsFacts('degraded'), runtime: runtimeWithCloudflared(), edge: udpBlocked }),
      status: 'warn',
      messageIds: ['http2-fallback'],
      assert: (findings) => {
        const f = first(findings);
        expect(f.cause).toContain('UDP 7844 is blocked, or --protocol http2 is set');
        expect(f.cause).toContain('sets neither --protocol http2 nor TUNNEL_TRANSPORT_PROTOCOL');
        expect(f.cause).toContain('The edge probes agree');
        expect(f.fix).toContain('docker compose restart cloudflared');
      },
    },
    {
      name: 'HTTP/2 after a fallback while UDP works again from here',
      facts: withLive({ metrics: { ...metricsFacts('degraded'), diagTunnel: null }, edge: udpWorks }),
      status: 'warn',
      messageIds: ['http2-fallback'],
      assert: (findings) => {
        expect(first(findings).cause).toContain('stays on HTTP/2 until restarted');
        expect(first(findings).cause).toContain('quic_client_* series absent');
      },
    },
    {
      name: '--protocol http2 in the running command',
      facts: withLive({
        metrics: metricsFacts('degraded'),
        runtime: runtimeWithCloudflared({ argv: ['cloudflared', 'tunnel', '--protocol', 'http2', 'run'] }),
      }),
      status: 'warn',
      messageIds: ['http2-forced'],
      assert: (findings) => expect(first(findings).cause).toContain('--protocol http2 in its command'),
    },
    {
      name: 'TUNNEL_TRANSPORT_PROTOCOL=http2 in the environment',
      facts: withLive({
        metrics: metricsFacts('degraded'),
        runtime: runtimeWithCloudflared({ env: { TUNNEL_TRANSPORT_PROTOCOL: 'http2' } }),
      }),
      status: 'warn',
      messageIds: ['http2-forced'],
      assert: (findings) => expect(first(findings).cause).toContain('TUNNEL_TRANSPORT_PROTOCOL=http2'),
    },
  ],
  skip: [
    {
      name: 'no connection, so no transport',
      facts: withLive({ metrics: metricsFacts('down') }),
      reason: 'no edge connection',
    },
    {
      name: 'an unreadable metrics server',
      facts: withLive({ metrics: unreadableMetrics() }),
      reason: 'gave no readable answer',
    },
  ],
});
