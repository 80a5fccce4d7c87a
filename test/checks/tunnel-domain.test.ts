import { expect } from 'vitest';
import { check } from '../../checks/routing/tunnel-domain.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, ok, yamlFact } from '../harness/facts.js';
import { describeToken } from '../../src/probes/tunnel-token.js';

const CONFIG = '/deploy/config/mcp-gateway.yaml';
const DOMAIN = 'abcd1234.tunnel.example.com';
const COMPOSE = (env = '') =>
  yamlFact('/deploy/docker-compose.yml', `services:\n  mcp-gateway:\n    image: example/mcp-gateway:1\n${env}`);
const assigned = (v = DOMAIN) => ({ assignedDomain: ok('/deploy/data/tunnel-domain', v) });
const config = (text: string, extra: Partial<Facts> = {}) =>
  baseFacts({ compose: COMPOSE(), proxyConfig: yamlFact(CONFIG, `listen_addr: ":8080"\n${text}`), ...extra });
const helm = (values: string, extra: Partial<Facts> = {}) => {
  const v = yamlFact('/deploy/values.yaml', values);
  if (v.state !== 'ok') throw new Error('bad values');
  return baseFacts({
    deployment: { dir: '/deploy', layout: 'helm', generation: null },
    helmValues: {
      state: 'ok',
      path: '/deploy/values.yaml',
      value: { ...v.value, files: ['/deploy/values.yaml'], positionFiles: {} },
    },
    proxyConfig: {
      state: 'ok',
      path: '/deploy/values.yaml',
      value: { data: (v.value.data as { gateway: { config: unknown } }).gateway.config, positions: {}, warnings: [] },
    },
    ...extra,
  });
};

testCheck(check, {
  pass: [
    {
      name: 'equal, bare keys',
      facts: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, assigned()),
      info: ['domain-matches'],
    },
    {
      name: 'equal ignoring case and a trailing dot',
      facts: config(`tunnel_domain: ABCD1234.tunnel.example.com.\nroutes:\n  wiki: http://wiki:8080\n`, assigned()),
      info: ['domain-matches'],
    },
    {
      name: 'a full-hostname key under the domain',
      facts: config(
        `tunnel_domain: ${DOMAIN}\nroutes:\n  wiki.${DOMAIN}: http://wiki:8080\n  mcp: http://mcp:8080\n`,
        assigned(),
      ),
    },
    {
      name: 'no tunnel_domain, every key a full hostname',
      facts: config(`routes:\n  wiki.${DOMAIN}: http://wiki:8080\n`, assigned()),
    },
    {
      name: '${TUNNEL_DOMAIN} from .env passed into the service',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE('    environment:\n      - TUNNEL_DOMAIN=${TUNNEL_DOMAIN}\n'),
        dotenv: ok('/deploy/.env', { TUNNEL_DOMAIN: DOMAIN }),
      }),
    },
    {
      name: '${TUNNEL_DOMAIN} set literally in the service environment',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE(`    environment:\n      TUNNEL_DOMAIN: ${DOMAIN}\n`),
      }),
    },
    {
      name: 'Helm managed mode: the chart injects -tunnel-domain',
      facts: helm('gateway:\n  config:\n    routes:\n      mcp: http://mcp:8080\n', assigned()),
    },
    {
      name: 'assigned domain unknown: only an info',
      facts: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`),
      info: ['assigned-unknown', 'domain-matches'],
      notChecked: "against the tunnel's assigned domain, which is unknown",
    },
  ],
  fail: [
    {
      name: 'different domains',
      facts: config(`tunnel_domain: old9999.tunnel.example.com\nroutes:\n  wiki: http://wiki:8080\n`, assigned()),
      status: 'fail',
      messageIds: ['domain-mismatch'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('"old9999.tunnel.example.com"');
        expect(f[0]?.cause).toContain(`"${DOMAIN}" (from /deploy/data/tunnel-domain)`);
        expect(f[0]?.fix).toContain(`tunnel_domain: ${DOMAIN}`);
        expect(f[0]?.fix).toContain('docker compose restart mcp-gateway');
        expect(f[0]?.location).toEqual({ file: CONFIG, line: 2, column: 1 });
      },
    },
    {
      name: 'different domains through a variable: the fix names where the variable is set',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE('    env_file: .env\n'),
        dotenv: ok('/deploy/.env', { TUNNEL_DOMAIN: 'old.tunnel.example.com' }),
      }),
      status: 'fail',
      messageIds: ['domain-mismatch'],
      assert: (f) => expect(f[0]?.fix).toContain(`TUNNEL_DOMAIN=${DOMAIN} in /deploy/.env`),
    },
    {
      name: '${TUNNEL_DOMAIN} not set anywhere',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, assigned()),
      status: 'fail',
      messageIds: ['variable-unset'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('TUNNEL_DOMAIN is not set');
        expect(f[0]?.fix).toContain(`TUNNEL_DOMAIN=${DOMAIN}`);
      },
    },
    {
      name: '${TUNNEL_DOMAIN} passed by the proxy service from a variable that is set nowhere',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE('    environment:\n      TUNNEL_DOMAIN: ${TUNNEL_DOMAIN}\n'),
      }),
      status: 'fail',
      messageIds: ['variable-unset'],
    },
    {
      name: '${TUNNEL_DOMAIN} set to an empty string in .env, bare keys',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE('    environment:\n      - TUNNEL_DOMAIN=${TUNNEL_DOMAIN}\n'),
        dotenv: ok('/deploy/.env', { TUNNEL_DOMAIN: '' }),
      }),
      status: 'fail',
      messageIds: ['bare-keys-without-domain'],
      assert: (f) => expect(f[0]?.cause).toContain('expands to an empty string'),
    },
    {
      name: 'data/tunnel-domain is binary: nothing to compare with',
      facts: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        assignedDomain: { state: 'invalid', path: '/deploy/data/tunnel-domain', problem: 'is binary' },
      }),
      status: 'warn',
      messageIds: ['assigned-domain-unreadable'],
    },
    {
      name: '${TUNNEL_DOMAIN} in .env but not passed into the container',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        dotenv: ok('/deploy/.env', { TUNNEL_DOMAIN: DOMAIN }),
      }),
      status: 'warn',
      messageIds: ['variable-not-passed'],
    },
    {
      name: 'no tunnel_domain and bare keys',
      facts: config('routes:\n  wiki: http://wiki:8080\n  docs: http://docs:8080\n', assigned()),
      status: 'fail',
      messageIds: ['bare-keys-without-domain'],
      assert: (f) => {
        expect(f[0]?.symptom).toContain('"wiki", "docs"');
        expect(f[0]?.fix).toContain(`tunnel_domain: ${DOMAIN}`);
      },
    },
    {
      name: 'a full-hostname key under another domain',
      facts: config(
        `tunnel_domain: ${DOMAIN}\nroutes:\n  wiki.old9999.tunnel.example.com: http://wiki:8080\n`,
        assigned(),
      ),
      status: 'fail',
      messageIds: ['route-key-other-domain'],
      assert: (f) => expect(f[0]?.fix).toContain(`wiki.${DOMAIN}`),
    },
    {
      name: 'a route key with a scheme',
      facts: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  "https://wiki": http://wiki:8080\n`, assigned()),
      status: 'fail',
      messageIds: ['route-key-invalid'],
    },
    {
      name: 'an upper-case route key',
      facts: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  Wiki: http://wiki:8080\n`, assigned()),
      status: 'warn',
      messageIds: ['route-key-case'],
    },
    {
      name: 'Helm external mode, proxy config given as its own file without tunnel_domain',
      facts: {
        ...helm(
          'external:\n  tunnelTokenSecretName: my-token\ngateway:\n  config:\n    tunnel_domain: x\n',
          assigned(),
        ),
        proxyConfig: yamlFact(CONFIG, 'listen_addr: ":8080"\nroutes:\n  mcp: http://mcp:8080\n'),
      },
      status: 'fail',
      messageIds: ['tunnel-domain-missing'],
      assert: (f) => expect(f[0]?.fix).toContain(`tunnel_domain: ${DOMAIN}`),
    },
  ],
  skip: [
    {
      name: '${TUNNEL_DOMAIN} and ${TUNNEL_TOKEN} both unset because .env is unreadable: tunnel-token reports it',
      facts: config(`tunnel_domain: \${TUNNEL_DOMAIN}\nroutes:\n  wiki: http://wiki:8080\n`, {
        ...assigned(),
        compose: COMPOSE('    environment:\n      - TUNNEL_DOMAIN=${TUNNEL_DOMAIN}\n'),
        dotenv: { state: 'unreadable', path: '/deploy/.env', explicit: false, problem: 'is a directory' },
        token: describeToken([
          {
            source: 'TUNNEL_TOKEN of the cloudflared service',
            path: '/deploy/docker-compose.yml',
            value: '${TUNNEL_TOKEN}',
            location: { file: '/deploy/docker-compose.yml' },
          },
        ]),
      }),
      reason: 'reported by tunnel-token',
    },
    {
      name: 'invalid proxy config',
      facts: baseFacts({ proxyConfig: yamlFact(CONFIG, 'routes: [') }),
      reason: 'proxy config /deploy/config/mcp-gateway.yaml is not valid YAML',
    },
    {
      name: 'Helm external mode without tunnel_domain: the values are incomplete, helm-values reports it',
      facts: helm(
        'external:\n  tunnelTokenSecretName: my-token\ngateway:\n  config:\n    routes:\n      mcp: http://mcp:8080\n',
        assigned(),
      ),
      reason: 'reported by helm-values',
    },
  ],
});
