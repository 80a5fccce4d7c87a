import { check } from '../../checks/edge/edge-tcp.js';
import { baseFacts } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { dnsFail, edge, target, tcpFail, tcpOk, udpFail, udpOk, withLive } from '../lab/live-facts.js';

const both = (kind: Parameters<typeof tcpFail>[0]) =>
  withLive({
    edge: edge({
      targets: [target('region1', tcpFail(kind), udpOk()), target('region2', tcpFail(kind), udpOk(), '198.41.200.13')],
    }),
  });

testCheck(check, {
  pass: [{ name: 'both regions connect', facts: withLive({ edge: edge() }), info: ['connected'] }],
  fail: [
    { name: 'dropped', facts: both('timeout'), status: 'fail', messageIds: ['tcp-timeout', 'tcp-timeout'] },
    { name: 'refused', facts: both('refused'), status: 'fail', messageIds: ['tcp-refused', 'tcp-refused'] },
    { name: 'reset', facts: both('reset'), status: 'fail', messageIds: ['tcp-reset', 'tcp-reset'] },
    { name: 'TLS stalls', facts: both('tls-stall'), status: 'fail', messageIds: ['tls-stall', 'tls-stall'] },
    {
      name: 'intercepted',
      facts: both('tls-untrusted-issuer'),
      status: 'fail',
      messageIds: ['tls-untrusted-issuer', 'tls-untrusted-issuer'],
    },
    { name: 'other TLS error', facts: both('tls-error'), status: 'fail', messageIds: ['tls-failed', 'tls-failed'] },
    {
      name: 'one region fails, the other works: degraded',
      facts: withLive({
        edge: edge({
          targets: [
            target('region1', tcpOk(), udpOk()),
            target('region2', tcpFail('timeout'), udpFail('timeout'), '198.41.200.13'),
          ],
        }),
      }),
      status: 'warn',
      messageIds: ['tcp-timeout'],
    },
  ],
  skip: [
    { name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' },
    {
      name: 'discovery found nothing',
      facts: withLive({ edge: edge({ srv: dnsFail('nxdomain'), hosts: [], targets: [] }) }),
      reason: 'see edge-dns',
    },
  ],
});
