import { expect } from 'vitest';
import { check } from '../../checks/routing/proxy-config.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const CONFIG = '/deploy/config/mcp-proxy.yaml';
const GOOD = `listen_addr: ":8080"
log_level: info
shutdown_timeout: 30s
tunnel_domain: abcd1234.tunnel.example.com
tls:
  cert_file: /data/tls.crt
  key_file: /data/tls.key
routes:
  wiki: http://wiki:8080
  mcp: https://10.0.0.5:8443
upstream:
  allowed_ips:
    - 10.0.0.0/8
  tls:
    include_system_cas: true
`;
const COMPOSE = `services:
  mcp-proxy:
    image: ghcr.io/example/mcp-proxy:1
    volumes:
      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro
      - ./data:/data:ro
  cloudflared:
    image: cloudflare/cloudflared
    network_mode: "service:mcp-proxy"
`;
const compose = yamlFact('/deploy/compose.yaml', COMPOSE);
const config = (text: string) => baseFacts({ compose, proxyConfig: yamlFact(CONFIG, text) });
const helmValues = (text: string) => {
  const values = yamlFact('/deploy/values.yaml', text);
  if (values.state !== 'ok') throw new Error('bad test values');
  const data = values.value.data as { gateway: { config: unknown } };
  const positions: Record<string, { line: number; column: number }> = {};
  for (const [k, p] of Object.entries(values.value.positions))
    if (k.startsWith('gateway.config.')) positions[k.slice('gateway.config.'.length)] = p;
  return baseFacts({
    deployment: { dir: '/deploy', layout: 'helm', generation: null },
    helmValues: {
      state: 'ok',
      path: '/deploy/values.yaml',
      value: { ...values.value, files: ['/deploy/values.yaml'], positionFiles: {} },
    },
    proxyConfig: {
      state: 'ok',
      path: '/deploy/values.yaml',
      value: { data: data.gateway.config, positions, warnings: [] },
    },
  });
};

testCheck(check, {
  pass: [
    { name: 'a complete config', facts: config(GOOD) },
    { name: 'listen_addr with a host', facts: config(GOOD.replace('":8080"', '"0.0.0.0:8080"')) },
    {
      name: 'Helm values without listen_addr and tls (the chart renders them)',
      facts: helmValues(
        'gateway:\n  config:\n    tunnel_domain: abcd.tunnel.example.com\n    routes:\n      mcp: http://mcp:8080\n',
      ),
    },
  ],
  fail: [
    {
      name: 'routes as a list of single-key maps: the fix is the map built from the items',
      facts: config(
        GOOD.replace(
          '  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443',
          '  - wiki: http://wiki:8080\n  - mcp: https://10.0.0.5:8443',
        ),
      ),
      status: 'fail',
      messageIds: ['routes-is-list'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('cannot unmarshal !!seq into map[string]string');
        expect(f[0]?.fix).toContain('routes:\n  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443');
        expect(f[0]?.fix).toContain('docker compose restart mcp-proxy');
        expect(f[0]?.location).toEqual({ file: CONFIG, line: 8, column: 1 });
      },
    },
    {
      name: 'routes as a list of "name: url" strings and {name, url} maps',
      facts: config(
        GOOD.replace(
          '  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443',
          '  - "wiki: http://wiki:8080"\n  - { name: mcp, url: "https://10.0.0.5:8443" }',
        ),
      ),
      status: 'fail',
      messageIds: ['routes-is-list'],
      assert: (f) => expect(f[0]?.fix).toContain('  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443'),
    },
    {
      name: 'routes as a list: a trailing "/" is dropped in the suggested map',
      facts: config(
        GOOD.replace('  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443', '  - wiki: http://wiki:8080/'),
      ),
      status: 'fail',
      messageIds: ['routes-is-list'],
      assert: (f) => expect(f[0]?.fix).toContain('routes:\n  wiki: http://wiki:8080\nthen'),
    },
    {
      name: 'routes as a list that cannot be converted names the items',
      facts: config(
        GOOD.replace(
          '  wiki: http://wiki:8080\n  mcp: https://10.0.0.5:8443',
          '  - http://wiki:8080\n  - mcp: https://10.0.0.5:8443',
        ),
      ),
      status: 'fail',
      messageIds: ['routes-is-list'],
      assert: (f) => expect(f[0]?.fix).toMatch(/list item 1 could not be converted/),
    },
    {
      name: 'routes is a number',
      facts: config(GOOD.replace(/routes:\n {2}wiki: .*\n {2}mcp: .*\n/, 'routes: 5\n')),
      status: 'fail',
      messageIds: ['wrong-type'],
    },
    {
      name: 'routes is empty',
      facts: config(GOOD.replace(/routes:\n {2}wiki: .*\n {2}mcp: .*\n/, 'routes: {}\n')),
      status: 'fail',
      messageIds: ['routes-empty'],
    },
    {
      name: 'routes with nothing under it',
      facts: config(GOOD.replace(/routes:\n {2}wiki: .*\n {2}mcp: .*\n/, 'routes:\n')),
      status: 'fail',
      messageIds: ['routes-empty'],
    },
    {
      name: 'required keys missing',
      facts: config('routes:\n  wiki: http://wiki:8080\n'),
      status: 'fail',
      messageIds: ['missing-key', 'missing-key', 'missing-key'],
      assert: (f) => {
        expect(f.map((x) => x.evidence?.key).sort()).toEqual(['listen_addr', 'tls.cert_file', 'tls.key_file']);
        for (const x of f) expect(x.location).toEqual({ file: CONFIG, line: 1, column: 1 });
      },
    },
    {
      name: 'tls without key_file points at the tls section',
      facts: config(GOOD.replace('  key_file: /data/tls.key\n', '')),
      status: 'fail',
      messageIds: ['missing-key'],
      assert: (f) => expect(f[0]?.location).toEqual({ file: CONFIG, line: 5, column: 1 }),
    },
    {
      name: 'routes missing in Helm values',
      facts: helmValues('gateway:\n  config:\n    tunnel_domain: abcd.tunnel.example.com\n'),
      status: 'fail',
      messageIds: ['missing-key'],
    },
    {
      name: 'listen_addr as a number',
      facts: config(GOOD.replace('":8080"', '8080')),
      status: 'fail',
      messageIds: ['wrong-type'],
      assert: (f) => {
        expect(f[0]?.fix).toContain('":8080"');
        expect(f[0]?.location).toMatchObject({ file: CONFIG, line: 1 });
      },
    },
    {
      name: 'listen_addr without a port separator',
      facts: config(GOOD.replace('":8080"', '"8080"')),
      status: 'fail',
      messageIds: ['listen-addr-invalid'],
    },
    {
      name: 'tls is a string',
      facts: config(GOOD.replace('tls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key', 'tls: /data/tls.crt')),
      status: 'fail',
      messageIds: ['wrong-type'],
    },
    {
      name: 'an upstream with a path, one with a trailing slash',
      facts: config(
        GOOD.replace('http://wiki:8080', 'http://wiki:8080/mcp').replace(
          'https://10.0.0.5:8443',
          'https://10.0.0.5:8443/',
        ),
      ),
      status: 'fail',
      messageIds: ['invalid-upstream', 'invalid-upstream'],
      assert: (f) => {
        const wiki = f.find((x) => x.evidence?.route === 'wiki');
        expect(wiki?.severity).toBe('error');
        expect(wiki?.cause).toContain('invalid upstream (must be scheme://host:port)');
        expect(wiki?.location).toMatchObject({ line: 9 });
        expect(f.find((x) => x.evidence?.route === 'mcp')?.severity).toBe('warn');
      },
    },
    {
      name: 'an upstream without a port only warns when it ends in "/"',
      facts: config(GOOD.replace('https://10.0.0.5:8443', 'https://10.0.0.5:8443/')),
      status: 'warn',
      messageIds: ['invalid-upstream'],
    },
    {
      name: 'YAML error with line and column',
      facts: config('listen_addr: ":8080"\nroutes:\n  wiki: http://wiki:8080\n   mcp: [unclosed\n'),
      status: 'fail',
      messageIds: ['yaml-invalid'],
      assert: (f) => {
        expect(f[0]?.location?.file).toBe(CONFIG);
        expect(f[0]?.location?.line).toBeGreaterThan(1);
        expect(f[0]?.location?.column).toBeGreaterThan(0);
      },
    },
    {
      name: 'top level is a list',
      facts: config('- listen_addr: ":8080"\n'),
      status: 'fail',
      messageIds: ['not-a-map'],
    },
    { name: 'empty file', facts: config(''), status: 'fail', messageIds: ['not-a-map'] },
    {
      name: 'unknown keys: typos and misplaced keys',
      facts: config(
        GOOD.replace('log_level: info', 'log_levl: info\nallowed_ips: [10.0.0.0/8]')
          .replace('  cert_file: /data/tls.crt', '  certfile: /data/tls.crt\n  cert_file: /data/tls.crt')
          .replace('    include_system_cas: true', '    include_system_ca: true'),
      ),
      status: 'warn',
      messageIds: ['unknown-key', 'unknown-key', 'unknown-key', 'unknown-key'],
      assert: (f) => {
        const by = (k: string) => f.find((x) => x.evidence?.key === k);
        expect(by('log_levl')?.cause).toContain('Did you mean "log_level"?');
        expect(by('allowed_ips')?.cause).toContain('belongs under upstream');
        expect(by('tls.certfile')?.evidence?.didYouMean).toBe('cert_file');
        expect(by('upstream.tls.include_system_ca')?.evidence?.didYouMean).toBe('include_system_cas');
        expect(by('log_levl')?.location).toMatchObject({ line: 2, column: 1 });
      },
    },
    {
      name: 'log_level not known',
      facts: config(GOOD.replace('log_level: info', 'log_level: warning')),
      status: 'warn',
      messageIds: ['log-level-invalid'],
      assert: (f) => expect(f[0]?.fix).toContain('did you mean "warn"'),
    },
    {
      name: 'shutdown_timeout as a bare number',
      facts: config(GOOD.replace('shutdown_timeout: 30s', 'shutdown_timeout: 30')),
      status: 'warn',
      messageIds: ['shutdown-timeout-invalid'],
      assert: (f) => expect(f[0]?.cause).toContain('nanoseconds'),
    },
    {
      name: 'shutdown_timeout not a duration',
      facts: config(GOOD.replace('shutdown_timeout: 30s', 'shutdown_timeout: 30 seconds')),
      status: 'warn',
      messageIds: ['shutdown-timeout-invalid'],
    },
    {
      name: 'no config on a Compose layout names the paths looked for',
      facts: baseFacts({ compose }),
      status: 'fail',
      messageIds: ['config-missing'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('/deploy/config/mcp-proxy.yaml');
        expect(f[0]?.cause).toContain('/deploy/config/mcp-gateway.yaml');
        expect(f[0]?.cause).toContain('/etc/mcp-gateway/config.yaml');
      },
    },
    {
      name: 'a missing config file on a Compose layout',
      facts: baseFacts({ compose, proxyConfig: { state: 'missing', path: CONFIG, explicit: false } }),
      status: 'fail',
      messageIds: ['config-missing'],
    },
    {
      name: 'a config the doctor cannot read',
      facts: baseFacts({
        compose,
        proxyConfig: { state: 'unreadable', path: CONFIG, explicit: false, problem: 'is a directory' },
      }),
      status: 'fail',
      messageIds: ['config-unreadable'],
      assert: (f) => {
        expect(f[0]?.cause).toBe(`${CONFIG} is a directory.`);
        expect(f[0]?.fix).toContain(`chmod 644 ${CONFIG}`);
      },
    },
    {
      name: 'Helm values without gateway.config',
      facts: baseFacts({ deployment: { dir: '/deploy', layout: 'helm', generation: null } }),
      status: 'warn',
      messageIds: ['helm-config-missing'],
    },
    {
      name: 'Helm values: the location is in values.yaml and keys are named gateway.config.*',
      facts: helmValues('gateway:\n  config:\n    routes:\n      - mcp: http://mcp:8080\n'),
      status: 'fail',
      messageIds: ['routes-is-list'],
      assert: (f) => {
        expect(f[0]?.location).toMatchObject({ file: '/deploy/values.yaml', line: 3 });
        expect(f[0]?.cause).toContain('gateway.config.routes');
        expect(f[0]?.fix).toContain('gateway:\n  config:\n    routes:\n      mcp: http://mcp:8080');
        expect(f[0]?.fix).toContain('helm upgrade');
      },
    },
  ],
  skip: [
    {
      name: 'no deployment files at all',
      facts: baseFacts({ deployment: { dir: '/deploy', layout: 'none', generation: null } }),
      reason: '--config',
    },
    {
      name: 'Helm values that do not load: helm-values reports them',
      facts: baseFacts({
        deployment: { dir: '/h', layout: 'helm', generation: null },
        helmValues: { state: 'invalid', path: '/h/values.yaml', problem: 'is binary' },
      }),
      reason: 'reported by helm-values',
    },
  ],
});
