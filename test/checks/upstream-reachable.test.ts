import { expect } from 'vitest';
import { check } from '../../checks/routing/upstream-reachable.js';
import { baseFacts } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { upstream, withLive } from '../lab/live-facts.js';

testCheck(check, {
  pass: [
    {
      name: 'every upstream accepts',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: null }])] }),
      info: ['reachable'],
    },
    {
      name: 'a policy-refused upstream is not probed, the others pass',
      facts: withLive({
        upstreams: [
          upstream('wiki', [{ address: '10.0.0.5', failure: null }]),
          upstream('ext', [], {
            addresses: ['8.8.8.8'],
            refusedByPolicy: ['8.8.8.8'],
            notProbed: "refused by the proxy's IP policy",
          }),
        ],
      }),
      info: ['reachable'],
      notChecked: "ext (http://mcp-server:8080): refused by the proxy's IP policy",
    },
  ],
  fail: [
    {
      name: 'connection refused',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: 'refused' }])] }),
      status: 'fail',
      messageIds: ['connection-refused'],
    },
    {
      name: 'dropped',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: 'timeout' }])] }),
      status: 'fail',
      messageIds: ['connection-timeout'],
    },
    {
      name: 'reset',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: 'reset' }])] }),
      status: 'fail',
      messageIds: ['connection-reset'],
    },
    {
      name: 'no route to the host',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: 'unreachable' }])] }),
      status: 'fail',
      messageIds: ['host-unreachable'],
    },
    {
      name: 'another failure names its detail',
      facts: withLive({ upstreams: [upstream('wiki', [{ address: '10.0.0.5', failure: 'error' }])] }),
      status: 'fail',
      messageIds: ['connection-failed'],
      assert: (f) => expect(f[0]?.cause).toBe('Route wiki: Connecting to 10.0.0.5:8080 failed: connect error.'),
    },
  ],
  skip: [
    { name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' },
    {
      name: 'no proxy config',
      facts: withLive({ upstreamsSkipped: 'no usable proxy config' }),
      reason: 'no usable proxy config',
    },
    {
      name: 'nothing probed',
      facts: withLive({ upstreams: [upstream('ext', [], { notProbed: "refused by the proxy's IP policy" })] }),
      reason: 'no upstream address could be probed',
    },
  ],
});
