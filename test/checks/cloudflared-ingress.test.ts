import { expect } from 'vitest';
import { check } from '../../checks/edge/cloudflared-ingress.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const PROXY = `  mcp-proxy:
    image: ghcr.io/anthropics/mcp-proxy:latest
    volumes:
      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro
      - ./data:/data:ro
`;
const CF = `  cloudflared:
    image: cloudflare/cloudflared:latest
    command: tunnel --no-autoupdate run --url http://localhost:8080
    environment:
      TUNNEL_TOKEN: \${TUNNEL_TOKEN}
    network_mode: "service:mcp-proxy"
`;
const REFERENCE = `services:\n${PROXY}${CF}`;
const config = (listen = '":8080"') =>
  yamlFact(
    '/deploy/config/mcp-proxy.yaml',
    `listen_addr: ${listen}\ntunnel_domain: abcd1234.tunnel.anthropic.com\nroutes:\n  wiki: http://10.0.0.5:8080\n`,
  );

function facts(composeText: string, overrides: Partial<Facts> = {}): Facts {
  return baseFacts({ compose: yamlFact('/deploy/compose.yaml', composeText), proxyConfig: config(), ...overrides });
}
const cf = (replace: [string, string][]) => {
  let text = REFERENCE;
  for (const [a, b] of replace) {
    if (!text.includes(a)) throw new Error(`fixture does not contain ${a}`);
    text = text.replace(a, b);
  }
  return text;
};

testCheck(check, {
  pass: [
    { name: 'the reference Compose file', facts: facts(REFERENCE) },
    {
      name: 'the older generation (mcp-gateway), list command, --url= and 127.0.0.1',
      facts: facts(`services:
  mcp-gateway:
    image: ghcr.io/anthropics/mcp-gateway:1.0
  cloudflared:
    image: cloudflare/cloudflared:2026.8.2
    command: ["tunnel", "--no-autoupdate", "run", "--url=http://127.0.0.1:8080"]
    network_mode: service:mcp-gateway
`),
    },
    {
      name: 'TUNNEL_URL instead of --url',
      facts: facts(
        cf([
          ['run --url http://localhost:8080', 'run'],
          [
            '      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n',
            '      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n      TUNNEL_URL: http://localhost:8080\n',
          ],
        ]),
      ),
    },
    {
      name: 'entrypoint and command split',
      facts: facts(
        cf([
          [
            '    command: tunnel --no-autoupdate run --url http://localhost:8080\n',
            '    entrypoint: ["cloudflared", "tunnel"]\n    command: ["--no-autoupdate", "run", "--url", "http://localhost:8080"]\n',
          ],
        ]),
      ),
    },
    {
      name: 'a shell entrypoint',
      facts: facts(
        cf([
          [
            '    command: tunnel --no-autoupdate run --url http://localhost:8080\n',
            '    entrypoint: ["/bin/sh", "-c", "exec cloudflared tunnel run --url http://localhost:$${PORT:-8080}"]\n',
          ],
        ]).replace('exec ', ''),
      ),
    },
    {
      name: 'a port from ${VAR} in .env',
      facts: facts(cf([['localhost:8080', 'localhost:${PROXY_PORT}']]), {
        dotenv: { state: 'ok', path: '/deploy/.env', value: { PROXY_PORT: '8080' } },
      }),
    },
    {
      name: 'any proxy service name, found by its image',
      facts: facts(
        cf([
          ['  mcp-proxy:\n', '  gateway:\n'],
          ['service:mcp-proxy', 'service:gateway'],
        ]),
      ),
    },
    {
      name: 'the proxy by service name on the Compose network, no shared namespace',
      facts: facts(
        cf([
          ['http://localhost:8080', 'http://mcp-proxy:8080'],
          ['    network_mode: "service:mcp-proxy"\n', ''],
        ]),
      ),
    },
    {
      name: 'a setup service on the proxy image is not taken for the proxy',
      facts: facts(
        `services:\n  setup:\n    image: ghcr.io/anthropics/mcp-proxy:latest\n    profiles: ["setup"]\n    entrypoint: /setup\n${PROXY}${CF}`,
      ),
    },
    {
      name: 'no proxy config: the port is not compared',
      facts: baseFacts({ compose: yamlFact('/deploy/compose.yaml', REFERENCE) }),
      info: ['port-unverified'],
      notChecked: "the --url port against the proxy's listen port",
    },
  ],
  fail: [
    {
      // Nothing starts; and no other check reads the Compose file as a whole.
      name: 'a broken Compose file',
      facts: baseFacts({ compose: yamlFact('/deploy/compose.yaml', 'services: [\n') }),
      status: 'fail',
      messageIds: ['compose-invalid'],
      assert: (f) => expect(f[0]?.cause).toContain('/deploy/compose.yaml'),
    },
    {
      name: 'no cloudflared service',
      facts: facts(`services:\n${PROXY}`),
      status: 'fail',
      messageIds: ['cloudflared-service-missing'],
    },
    {
      name: 'no --url',
      facts: facts(cf([['run --url http://localhost:8080', 'run']])),
      status: 'fail',
      messageIds: ['url-missing'],
      assert: (f) => {
        expect(f[0]?.symptom).toContain('No ingress rules were defined');
        expect(f[0]?.symptom).toContain('will return 503');
        expect(f[0]?.fix).toContain('--url http://localhost:8080');
        expect(f[0]?.location).toMatchObject({ file: '/deploy/compose.yaml', line: 9 });
      },
    },
    {
      name: 'https:// to a plaintext listener',
      facts: facts(cf([['http://localhost:8080', 'https://localhost:8080']])),
      status: 'fail',
      messageIds: ['url-https'],
    },
    {
      name: 'https:// and the wrong port: one fix for both',
      facts: facts(cf([['http://localhost:8080', 'https://localhost:9000']])),
      status: 'fail',
      messageIds: ['url-https', 'url-port-mismatch'],
      assert: (f) => expect(f.every((x) => x.fix.includes('--url http://localhost:8080'))).toBe(true),
    },
    {
      name: 'the wrong port',
      facts: facts(REFERENCE, { proxyConfig: config('"0.0.0.0:9090"') }),
      status: 'fail',
      messageIds: ['url-port-mismatch'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('port 8080');
        expect(f[0]?.cause).toContain('port 9090');
        expect(f[0]?.fix).toContain('--url http://localhost:9090');
      },
    },
    {
      name: 'no port means 80',
      facts: facts(cf([['http://localhost:8080', 'http://localhost']])),
      status: 'fail',
      messageIds: ['url-port-mismatch'],
    },
    {
      name: 'network_mode host',
      facts: facts(cf([['"service:mcp-proxy"', 'host']])),
      status: 'fail',
      messageIds: ['network-host'],
    },
    {
      name: 'no network_mode',
      facts: facts(cf([['    network_mode: "service:mcp-proxy"\n', '']])),
      status: 'fail',
      messageIds: ['network-mode-missing'],
      assert: (f) => expect(f[0]?.fix).toContain('network_mode: "service:mcp-proxy"'),
    },
    {
      name: 'network_mode names a service that does not exist',
      facts: facts(cf([['"service:mcp-proxy"', '"service:mcp-gateway"']])),
      status: 'fail',
      messageIds: ['network-service-unknown'],
      assert: (f) => expect(f[0]?.location).toMatchObject({ file: '/deploy/compose.yaml', line: 12 }),
    },
    {
      name: 'network_mode names another service',
      facts: facts(`${REFERENCE}  redis:\n    image: redis\n`.replace('"service:mcp-proxy"', '"service:redis"')),
      status: 'fail',
      messageIds: ['network-not-proxy'],
    },
    {
      name: 'network_mode container:',
      facts: facts(cf([['"service:mcp-proxy"', '"container:mcp-proxy-1"']])),
      status: 'warn',
      messageIds: ['network-container'],
    },
    {
      name: 'the proxy publishes its port',
      facts: facts(cf([['      - ./data:/data:ro\n', '      - ./data:/data:ro\n    ports:\n      - "8080:8080"\n']])),
      status: 'warn',
      messageIds: ['proxy-ports-published'],
      assert: (f) => expect(f[0]?.location).toMatchObject({ line: 7 }),
    },
    {
      name: 'a config file instead of --url',
      facts: facts(cf([['run --url http://localhost:8080', '--config /etc/cloudflared/config.yml run']])),
      status: 'warn',
      messageIds: ['ingress-from-config'],
    },
    {
      name: 'the image default command',
      facts: facts(cf([['    command: tunnel --no-autoupdate run --url http://localhost:8080\n', '']])),
      status: 'fail',
      messageIds: ['tunnel-run-missing', 'url-missing'],
    },
    {
      name: 'a target that is neither localhost nor the proxy',
      facts: facts(cf([['http://localhost:8080', 'http://10.1.2.3:8080']])),
      status: 'warn',
      messageIds: ['url-host'],
    },
    {
      name: 'a token in the command is never echoed',
      facts: facts(
        cf([
          [
            '    command: tunnel --no-autoupdate run --url http://localhost:8080\n',
            '    command: tunnel --no-autoupdate --token eyJhIjoic2VjcmV0In0= version\n',
          ],
        ]),
      ),
      status: 'fail',
      messageIds: ['tunnel-run-missing', 'url-missing'],
      assert: (f) => expect(JSON.stringify(f)).not.toContain('eyJhIjoic2VjcmV0In0'),
    },
  ],
  skip: [
    {
      name: 'Helm',
      facts: baseFacts({ deployment: { dir: '/h', layout: 'helm', generation: null } }),
      reason: 'the chart wires cloudflared to the proxy',
    },
    {
      name: 'no Compose file',
      facts: baseFacts({ deployment: { dir: '/x', layout: 'none', generation: null } }),
      reason: 'needs the Compose file: none was found; given by compose.yaml in --dir, or --compose FILE',
    },
  ],
});
