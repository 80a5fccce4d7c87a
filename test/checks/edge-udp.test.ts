import { check } from '../../checks/edge/edge-udp.js';
import { baseFacts } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { first } from '../helpers/present.js';
import { expect } from 'vitest';
import { edge, target, tcpFail, tcpOk, udpFail, type udpOk, withLive } from '../lab/live-facts.js';

const targets = (tcp: ReturnType<typeof tcpOk>, udp: ReturnType<typeof udpOk>) =>
  withLive({ edge: edge({ targets: [target('region1', tcp, udp), target('region2', tcp, udp, '198.41.200.13')] }) });

testCheck(check, {
  pass: [{ name: 'QUIC answers in both regions', facts: withLive({ edge: edge() }), info: ['quic-reachable'] }],
  fail: [
    {
      name: 'UDP dropped, TCP fine: degraded, a warning',
      facts: targets(tcpOk(), udpFail('timeout')),
      status: 'warn',
      messageIds: ['udp-dropped', 'udp-dropped'],
      assert: (f) => {
        expect(first(f).symptom).toMatch(/degraded: cloudflared will fall back to HTTP\/2/i);
      },
    },
    {
      name: 'UDP and TCP dropped: a failure',
      facts: targets(tcpFail('timeout'), udpFail('timeout')),
      status: 'fail',
      messageIds: ['udp-dropped', 'udp-dropped'],
    },
    {
      name: 'ICMP unreachable',
      facts: targets(tcpFail('refused'), udpFail('refused')),
      status: 'fail',
      messageIds: ['udp-refused', 'udp-refused'],
    },
    {
      name: 'an answer that is not QUIC',
      facts: targets(tcpOk(), udpFail('unexpected-answer')),
      status: 'warn',
      messageIds: ['udp-not-quic', 'udp-not-quic'],
    },
  ],
  skip: [{ name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' }],
});
