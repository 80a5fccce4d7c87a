import { check } from '../../checks/tls/inner-tls.js';
import { baseFacts, yamlFact } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { proxy, route, withLive } from '../lab/live-facts.js';

const failing = (kind: Parameters<typeof route>[1]) =>
  withLive({ proxy: proxy('websocket', [route('wiki', kind), route('mcp')]) });

testCheck(check, {
  pass: [
    {
      name: 'every route verifies',
      facts: withLive({ proxy: proxy('websocket', [route('wiki'), route('mcp')]) }),
      info: ['verified'],
    },
    {
      // A bare key with no tunnel domain has no hostname to send as SNI: no handshake was made for it.
      name: 'a route whose hostname is unknown is named as not checked',
      facts: withLive(
        { proxy: proxy('websocket', [route('mcp')]) },
        {
          proxyConfig: yamlFact(
            '/deploy/config/mcp-proxy.yaml',
            'listen_addr: ":8080"\nroutes:\n  mcp.abcd1234.tunnel.example.com: http://mcp:80\n  wiki: http://wiki:80\n',
          ),
        },
      ),
      info: ['verified'],
      notChecked: 'routes wiki: their hostnames are unknown (no tunnel domain), so no handshake was made',
    },
  ],
  fail: [
    { name: 'another CA', facts: failing('unknown-ca'), status: 'fail', messageIds: ['unknown-ca'] },
    { name: 'SAN mismatch', facts: failing('san-mismatch'), status: 'fail', messageIds: ['san-mismatch'] },
    { name: 'expired', facts: failing('expired'), status: 'fail', messageIds: ['expired'] },
    { name: 'not yet valid', facts: failing('not-yet-valid'), status: 'fail', messageIds: ['not-yet-valid'] },
    { name: 'wrong key usage', facts: failing('wrong-key-usage'), status: 'fail', messageIds: ['wrong-key-usage'] },
    { name: 'handshake failed', facts: failing('handshake-failed'), status: 'fail', messageIds: ['handshake-failed'] },
    { name: 'timeout', facts: failing('timeout'), status: 'fail', messageIds: ['timeout'] },
  ],
  skip: [
    { name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' },
    {
      name: 'no listener known',
      facts: withLive({ proxySkipped: 'no --proxy was given and the proxy config has no usable listen_addr' }),
      reason: 'listen_addr',
    },
    { name: 'listener is not a WebSocket', facts: withLive({ proxy: proxy('http') }), reason: 'see listener-protocol' },
    {
      name: 'no CA',
      facts: withLive({ proxy: proxy('websocket', [], { innerTlsSkipped: 'no usable CA certificate (data/ca.crt)' }) }),
      reason: 'data/ca.crt',
    },
  ],
});
