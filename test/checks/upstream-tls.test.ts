import { expect } from 'vitest';
import { check } from '../../checks/routing/upstream-tls.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const CONFIG = '/deploy/config/mcp-proxy.yaml';
const COMPOSE = yamlFact(
  '/deploy/compose.yaml',
  'services:\n  mcp-proxy:\n    image: example/mcp-proxy:1\n    volumes:\n      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro\n      - ./data:/data:ro\n',
);
const config = (routes: string, upstream = '') =>
  baseFacts({ compose: COMPOSE, proxyConfig: yamlFact(CONFIG, `listen_addr: ":8080"\nroutes:\n${routes}${upstream}`) });
const HTTPS = '  wiki: https://wiki.internal:8443\n  docs: http://docs:8080\n';

testCheck(check, {
  pass: [
    { name: 'only http:// upstreams', facts: config('  docs: http://docs:8080\n'), info: ['no-https-upstreams'] },
    {
      name: 'https with ca_file in /data',
      facts: config(HTTPS, 'upstream:\n  tls:\n    ca_file: /data/upstream-ca.crt\n'),
      info: ['trust-anchor'],
    },
    {
      name: 'https with the system roots',
      facts: config(HTTPS, 'upstream:\n  tls:\n    include_system_cas: true\n'),
      info: ['trust-anchor'],
    },
    {
      name: 'ca_file with no https upstream is only noted',
      facts: config('  docs: http://docs:8080\n', 'upstream:\n  tls:\n    ca_file: /data/ca.pem\n'),
      info: ['ca-file-unused'],
    },
    {
      name: 'ca_file outside every mount is noted',
      facts: config(HTTPS, 'upstream:\n  tls:\n    ca_file: /etc/upstream/ca.pem\n'),
      info: ['ca-file-not-mounted', 'trust-anchor'],
      notChecked: 'whether /etc/upstream/ca.pem exists inside the mcp-proxy container',
    },
  ],
  fail: [
    {
      name: 'https upstream without a trust anchor',
      facts: config(HTTPS + '  api: https://10.0.0.9:443\n'),
      status: 'fail',
      messageIds: ['no-trust-anchor'],
      assert: (f) => {
        expect(f[0]?.symptom).toContain('wiki (https://wiki.internal:8443), api (https://10.0.0.9:443)');
        expect(f[0]?.fix).toContain('ca_file');
        expect(f[0]?.fix).toContain('include_system_cas: true');
        expect(f[0]?.location).toMatchObject({ file: CONFIG, line: 3 });
      },
    },
    {
      name: 'include_system_cas: false is no anchor',
      facts: config(HTTPS, 'upstream:\n  tls:\n    include_system_cas: false\n'),
      status: 'fail',
      messageIds: ['no-trust-anchor'],
    },
    {
      name: 'include_system_cas quoted',
      facts: config(HTTPS, 'upstream:\n  tls:\n    include_system_cas: "true"\n'),
      status: 'fail',
      messageIds: ['system-cas-invalid-type', 'no-trust-anchor'],
      assert: (f) =>
        expect(f.find((x) => x.messageId === 'system-cas-invalid-type')?.location).toMatchObject({ line: 7 }),
    },
    {
      name: 'ca_file not a string',
      facts: config(HTTPS, 'upstream:\n  tls:\n    ca_file: [a, b]\n'),
      status: 'fail',
      messageIds: ['ca-file-invalid-type', 'no-trust-anchor'],
    },
  ],
  skip: [
    {
      name: 'no proxy config',
      facts: baseFacts(),
      reason: 'needs the proxy config: none was found; given by config/mcp-proxy.yaml in --dir, or --config FILE',
    },
    {
      name: 'upstream.tls not a map',
      facts: config(HTTPS, 'upstream:\n  tls: yes\n'),
      reason: 'reported by proxy-config',
    },
  ],
});
