import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { check } from '../../checks/edge/tunnel-token.js';
import type { Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { describeToken, type TokenCandidate } from '../../src/probes/tunnel-token.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const ACCOUNT = randomBytes(16).toString('hex');
const SECRET = randomBytes(32).toString('base64');
const TUNNEL = randomUUID();
const token = (fields: Record<string, unknown> = { a: ACCOUNT, t: TUNNEL, s: SECRET }) =>
  Buffer.from(JSON.stringify(fields)).toString('base64');
const GOOD = token();

const COMPOSE = `services:
  mcp-proxy:
    image: ghcr.io/anthropics/mcp-proxy:latest
    volumes:
      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro
      - ./data:/data:ro
  cloudflared:
    image: cloudflare/cloudflared:latest
    command: tunnel --no-autoupdate run --url http://localhost:8080
    environment:
      TUNNEL_TOKEN: \${TUNNEL_TOKEN}
    network_mode: "service:mcp-proxy"
`;
const compose = yamlFact('/deploy/compose.yaml', COMPOSE);
const SERVICE_SOURCE = 'TUNNEL_TOKEN of the cloudflared service in /deploy/compose.yaml';

/** Facts as the deployment probe would build them for a Compose deployment whose service env holds `value`. */
function composeWith(value: string | null, others: TokenCandidate[] = [], overrides: Partial<Facts> = {}): Facts {
  const lead: TokenCandidate = {
    source: SERVICE_SOURCE,
    path: '/deploy/compose.yaml',
    value,
    location: { file: '/deploy/compose.yaml', line: 11, column: 7 },
  };
  return baseFacts({ compose, token: describeToken([lead, ...others]), ...overrides });
}

const noSecrets = (findings: Finding[]) => {
  const text = JSON.stringify(findings);
  for (const s of [GOOD, SECRET, ACCOUNT]) expect(text.includes(s), 'a secret reached a finding').toBe(false);
};
const symptomHas = (needle: string) => (findings: Finding[]) => {
  noSecrets(findings);
  expect(
    findings.some((f) => f.symptom.includes(needle)),
    findings.map((f) => f.symptom).join('\n'),
  ).toBe(true);
};

testCheck(check, {
  pass: [
    { name: 'a good token in the Compose service environment', facts: composeWith(GOOD), info: ['token-decoded'] },
    {
      name: 'a good token copied in two places',
      facts: composeWith(GOOD, [
        { source: '/deploy/data/tunnel-token', path: '/deploy/data/tunnel-token', value: GOOD },
      ]),
      info: ['token-decoded'],
    },
    {
      name: 'a FedRAMP token',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL, s: SECRET, e: 'fed' })),
      info: ['token-decoded'],
    },
    {
      name: 'a token wrapped over lines (cloudflared skips line breaks)',
      facts: composeWith(`${GOOD.slice(0, 50)}\n${GOOD.slice(50)}`),
      info: ['token-line-breaks', 'token-decoded'],
    },
    {
      name: 'no deployment, token from the environment',
      facts: baseFacts({
        deployment: { dir: '/x', layout: 'none', generation: null },
        token: describeToken([{ source: 'TUNNEL_TOKEN in the environment', path: '$TUNNEL_TOKEN', value: GOOD }]),
      }),
      info: ['token-decoded'],
    },
  ],
  fail: [
    {
      name: 'Compose deployment with no token anywhere',
      facts: baseFacts({ compose }),
      status: 'fail',
      messageIds: ['token-missing'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('data/tunnel-token');
        expect(f[0]?.cause).toContain('--token-file');
        expect(f[0]?.fix).toContain('docker compose up -d cloudflared');
      },
    },
    {
      name: 'the token file the service names does not exist',
      facts: baseFacts({
        compose,
        token: describeToken([
          {
            source: 'the token file /data/tunnel-token',
            path: '/deploy/data/tunnel-token',
            value: null,
            readProblem: { state: 'missing', explicit: false },
          },
        ]),
      }),
      status: 'fail',
      messageIds: ['token-missing'],
    },
    {
      name: '${TUNNEL_TOKEN} set neither in the shell nor in .env',
      facts: composeWith('${TUNNEL_TOKEN}', [
        { source: '/deploy/data/tunnel-token', path: '/deploy/data/tunnel-token', value: GOOD },
      ]),
      status: 'fail',
      messageIds: ['token-placeholder'],
      assert: (f) => {
        symptomHas('requires the ID or name of the tunnel')(f);
        expect(f[0]?.cause).toContain('Compose substitutes an empty string');
        expect(f[0]?.cause).toContain('/deploy/data/tunnel-token');
        expect(f[0]?.location).toEqual({ file: '/deploy/compose.yaml', line: 11, column: 7 });
      },
    },
    {
      name: 'a passthrough variable that is unset',
      facts: composeWith(null),
      status: 'fail',
      messageIds: ['token-placeholder'],
    },
    {
      name: '${TUNNEL_TOKEN} unset because .env is binary: the cause and the fix say so',
      facts: composeWith('${TUNNEL_TOKEN}', [], {
        deployment: { dir: '/deploy', layout: 'compose', generation: 'mcp-proxy' },
        dotenv: { state: 'invalid', path: '/deploy/.env', problem: 'is binary' },
      }),
      status: 'fail',
      messageIds: ['token-placeholder'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('/deploy/.env is binary');
        expect(f[0]?.fix).toContain('Replace /deploy/.env');
      },
    },
    {
      name: 'the word changeme',
      facts: composeWith('changeme'),
      status: 'fail',
      messageIds: ['token-placeholder'],
      assert: symptomHas('Provided Tunnel token is not valid.'),
    },
    { name: 'an empty value', facts: composeWith(''), status: 'fail', messageIds: ['token-placeholder'] },
    {
      name: 'a JWT pasted instead',
      facts: composeWith(
        `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.${randomBytes(16).toString('base64url')}`,
      ),
      status: 'fail',
      messageIds: ['token-is-jwt'],
    },
    {
      name: 'an API key pasted instead',
      facts: composeWith(`sk-ant-api03-${randomBytes(20).toString('hex')}`),
      status: 'fail',
      messageIds: ['token-is-api-key'],
    },
    {
      name: 'a credentials file pasted instead',
      facts: composeWith(JSON.stringify({ AccountTag: ACCOUNT, TunnelSecret: SECRET, TunnelID: TUNNEL })),
      status: 'fail',
      messageIds: ['token-is-credentials-file'],
      assert: noSecrets,
    },
    {
      name: 'the decoded JSON pasted instead',
      facts: composeWith(JSON.stringify({ a: ACCOUNT, t: TUNNEL, s: SECRET })),
      status: 'fail',
      messageIds: ['token-not-encoded'],
      assert: noSecrets,
    },
    {
      name: 'quotes kept in the value',
      facts: composeWith(`"${GOOD}"`),
      status: 'fail',
      messageIds: ['token-quoted'],
      assert: symptomHas('Provided Tunnel token is not valid.'),
    },
    {
      name: 'TUNNEL_TOKEN= pasted into the value',
      facts: composeWith(`TUNNEL_TOKEN=${GOOD}`),
      status: 'fail',
      messageIds: ['token-env-prefix'],
      assert: noSecrets,
    },
    {
      name: 'a space inside',
      facts: composeWith(`${GOOD.slice(0, 30)} ${GOOD.slice(30)}`),
      status: 'fail',
      messageIds: ['token-whitespace'],
      assert: noSecrets,
    },
    {
      name: 'URL-safe base64',
      facts: composeWith(
        token({ a: ACCOUNT, t: TUNNEL, s: SECRET, x: '>>>???' })
          .replace(/\+/g, '-')
          .replace(/\//g, '_')
          .replace(/=+$/, ''),
      ),
      status: 'fail',
      messageIds: ['token-base64-variant'],
      assert: (f) => expect(f[0]?.cause).toContain(TUNNEL),
    },
    {
      name: 'truncated: not base64',
      facts: composeWith(GOOD.slice(0, GOOD.length - 3)),
      status: 'fail',
      messageIds: ['token-not-base64'],
    },
    {
      name: 'base64 of something that is not JSON',
      facts: composeWith(Buffer.from('plain text here').toString('base64')),
      status: 'fail',
      messageIds: ['token-not-json'],
    },
    {
      name: 'base64 JSON that is not an object',
      facts: composeWith(Buffer.from('[1,2,3]').toString('base64')),
      status: 'fail',
      messageIds: ['token-not-object'],
    },
    {
      name: 'an empty account tag',
      facts: composeWith(token({ a: '', t: TUNNEL, s: SECRET })),
      status: 'fail',
      messageIds: ['account-tag-empty'],
      assert: symptomHas('Unauthorized'),
    },
    {
      name: 'an account tag that is a number',
      facts: composeWith(token({ a: 7, t: TUNNEL, s: SECRET })),
      status: 'fail',
      messageIds: ['account-tag-invalid'],
    },
    {
      name: 'an empty secret',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL, s: '' })),
      status: 'fail',
      messageIds: ['secret-empty'],
      assert: symptomHas('Unauthorized: Invalid tunnel secret'),
    },
    {
      name: 'no secret at all',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL })),
      status: 'fail',
      messageIds: ['secret-empty'],
    },
    {
      name: 'a secret that is not base64',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL, s: 'not base64!' })),
      status: 'fail',
      messageIds: ['secret-invalid'],
    },
    {
      name: 'a tunnel ID that is not a UUID',
      facts: composeWith(token({ a: ACCOUNT, t: 'my-tunnel', s: SECRET })),
      status: 'fail',
      messageIds: ['tunnel-id-invalid'],
      assert: symptomHas('Provided Tunnel token is not valid.'),
    },
    {
      name: 'no tunnel ID',
      facts: composeWith(token({ a: ACCOUNT, s: SECRET })),
      status: 'fail',
      messageIds: ['tunnel-id-invalid'],
    },
    {
      name: 'everything empty',
      facts: composeWith(token({ a: '', t: TUNNEL, s: '' })),
      status: 'fail',
      messageIds: ['account-tag-empty', 'secret-empty'],
    },
    {
      name: 'an endpoint of the wrong type',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL, s: SECRET, e: 1 })),
      status: 'fail',
      messageIds: ['endpoint-invalid'],
    },
    {
      name: 'an unknown endpoint',
      facts: composeWith(token({ a: ACCOUNT, t: TUNNEL, s: SECRET, e: 'mars' })),
      status: 'fail',
      messageIds: ['endpoint-unknown'],
    },
    {
      name: 'two places hold different tokens',
      facts: composeWith(GOOD, [
        {
          source: '/deploy/data/tunnel-token',
          path: '/deploy/data/tunnel-token',
          value: token({ a: ACCOUNT, t: randomUUID(), s: randomBytes(32).toString('base64') }),
        },
      ]),
      status: 'warn',
      messageIds: ['tokens-differ'],
      assert: (f) => {
        noSecrets(f);
        expect(f.find((x) => x.messageId === 'tokens-differ')?.cause).toContain('/deploy/data/tunnel-token');
      },
    },
    {
      name: 'the cloudflared service is given no token',
      facts: baseFacts({
        compose: yamlFact(
          '/deploy/compose.yaml',
          COMPOSE.replace('    environment:\n      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n', ''),
        ),
        token: describeToken([{ source: '/deploy/data/tunnel-token', path: '/deploy/data/tunnel-token', value: GOOD }]),
      }),
      status: 'fail',
      messageIds: ['token-not-passed'],
    },
    {
      name: 'a token file cloudflared cannot read',
      facts: baseFacts({
        compose,
        token: {
          state: 'unreadable',
          path: '/deploy/data/tunnel-token',
          explicit: false,
          problem: 'permission denied',
        },
      }),
      status: 'fail',
      messageIds: ['token-unreadable'],
      assert: symptomHas('Failed to read token file'),
    },
    {
      name: 'a token file with binary content',
      facts: baseFacts({
        compose,
        token: describeToken([
          {
            source: 'f',
            path: '/deploy/data/tunnel-token',
            value: '',
            readProblem: {
              state: 'unreadable',
              problem: 'is binary (it contains NUL bytes), not text',
              explicit: false,
            },
          },
        ]),
      }),
      status: 'fail',
      messageIds: ['token-file-invalid'],
    },
  ],
  skip: [
    {
      name: 'a broken Compose file and no token elsewhere: cloudflared-ingress reports the file',
      facts: baseFacts({ compose: yamlFact('/deploy/compose.yaml', 'services: [\n'), token: undefined }),
      reason: 'reported by cloudflared-ingress',
    },
    {
      name: 'Helm: the token lives in a Secret',
      facts: baseFacts({
        deployment: { dir: '/h', layout: 'helm', generation: null },
        helmValues: {
          state: 'ok',
          path: '/h/values.yaml',
          value: {
            data: { external: { tunnelTokenSecretName: 'my-token' } },
            positions: {},
            warnings: [],
            files: ['/h/values.yaml'],
            positionFiles: {},
          },
        },
      }),
      reason: 'kubectl -n mcp-tunnel get secret my-token',
    },
    {
      name: 'no deployment and no token',
      facts: baseFacts({ deployment: { dir: '/x', layout: 'none', generation: null } }),
      reason: 'no token was given',
    },
    {
      name: 'a token file outside /data',
      facts: baseFacts({
        compose: yamlFact(
          '/deploy/compose.yaml',
          COMPOSE.replace('TUNNEL_TOKEN: ${TUNNEL_TOKEN}', 'TUNNEL_TOKEN_FILE: /run/secrets/tunnel_token'),
        ),
      }),
      reason: '/run/secrets/tunnel_token',
    },
  ],
});
