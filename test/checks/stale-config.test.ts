import { expect } from 'vitest';
import { check } from '../../checks/routing/stale-config.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, ok } from '../harness/facts.js';
import {
  cloudflaredContainer,
  composeFact,
  container,
  fileTimes,
  runtimeFacts,
  withRuntime,
  type ContainerOverrides,
} from '../harness/runtime-facts.js';
import { first } from '../helpers/present.js';

const DOTENV = ok('/deploy/.env', { TUNNEL_DOMAIN: 'abcd1234.tunnel.example.com', TUNNEL_TOKEN: 'x' });

/** The healthy deployment (proxy started 11:00:00, cloudflared 11:00:02), with these file times and .env. */
function deployment(
  times: Parameters<typeof fileTimes>[0] = {},
  proxy: ContainerOverrides = {},
  files: Partial<Facts> = {},
): Facts {
  return withRuntime(
    runtimeFacts({ containers: [container(proxy), cloudflaredContainer()], fileTimes: fileTimes(times) }),
    { compose: composeFact(), dotenv: DOTENV, ...files },
  );
}

testCheck(check, {
  pass: [
    { name: 'every file last changed before the containers started', facts: deployment(), info: ['in-step'] },
    {
      name: 'the config saved within the 2 s of clock granularity after the start',
      facts: deployment({ 'proxy-config': '2026-11-25T11:00:01.500Z' }),
      info: ['in-step'],
    },
    {
      name: 'the proxy restarted after its config was edited',
      facts: deployment(
        { 'proxy-config': '2026-11-25T11:30:00.000Z' },
        { state: { startedAt: '2026-11-25T11:31:00.000Z' } },
      ),
      info: ['in-step'],
    },
    {
      name: 'without the Compose file nothing is compared but the file times',
      facts: withRuntime(runtimeFacts()),
      info: ['in-step'],
    },
    {
      name: 'no file times: says what it could not compare',
      facts: withRuntime(runtimeFacts({ fileTimes: [] }), { compose: composeFact(), dotenv: DOTENV }),
      info: ['in-step'],
      notChecked: 'when the deployment files changed',
    },
  ],
  fail: [
    {
      name: 'the proxy config edited after the proxy started: restart needed (a hint)',
      facts: deployment({ 'proxy-config': '2026-11-25T11:30:00.000Z' }),
      status: 'warn',
      messageIds: ['config-edited'],
      assert: (f) => {
        expect(first(f).cause).toContain(
          '/deploy/config/mcp-proxy.yaml was modified at 2026-11-25T11:30:00.000Z, after deploy-mcp-proxy-1 started at 2026-11-25T11:00:00.000Z',
        );
        expect(first(f).cause).toContain('This is a hint from file times');
        expect(first(f).fix).toBe('Run docker compose restart mcp-proxy.');
      },
    },
    {
      name: '.env edited after both containers started: up -d, a restart does not re-read it',
      facts: deployment({ dotenv: '2026-11-25T11:30:00.000Z' }),
      status: 'warn',
      messageIds: ['env-edited'],
      assert: (f) => {
        expect(first(f).cause).toContain('after deploy-mcp-proxy-1 and deploy-cloudflared-1 started');
        expect(first(f).fix).toContain('docker compose up -d');
      },
    },
    {
      name: '.env edited between the proxy start and the cloudflared start: only the proxy is named',
      facts: deployment({ dotenv: '2026-11-25T11:00:01.000Z' }, { state: { startedAt: '2026-11-25T10:59:00.000Z' } }),
      status: 'warn',
      messageIds: ['env-edited'],
      assert: (f) => expect(first(f).cause).toContain('after deploy-mcp-proxy-1 started'),
    },
    {
      name: 'the Compose file edited after the start',
      facts: deployment({ compose: '2026-11-25T11:45:00.000Z' }),
      status: 'warn',
      messageIds: ['compose-edited'],
    },
    {
      name: 'TUNNEL_DOMAIN changed in .env and the proxy kept the old one: proof',
      facts: deployment({ dotenv: '2026-11-25T11:30:00.000Z' }, { env: { TUNNEL_DOMAIN: 'old.tunnel.example.com' } }),
      status: 'fail',
      // The proof replaces the hint for the proxy; cloudflared started before the edit too.
      messageIds: ['env-differs', 'env-edited'],
      assert: (f) => {
        const proof = f.find((x) => x.messageId === 'env-differs');
        expect(proof?.symptom).toBe(
          'deploy-mcp-proxy-1 runs with TUNNEL_DOMAIN=old.tunnel.example.com, but the Compose file with .env now gives TUNNEL_DOMAIN=abcd1234.tunnel.example.com.',
        );
        expect(proof?.cause).toContain('This is proof, not a hint');
        expect(proof?.fix).toBe(
          'Run docker compose up -d mcp-proxy (a restart alone does not re-read .env or the Compose file).',
        );
        expect(f.find((x) => x.messageId === 'env-edited')?.cause).toContain('after deploy-cloudflared-1 started');
      },
    },
    {
      name: 'a kept value differs even though the file times look old (a clock or a copy kept the mtime)',
      facts: deployment({}, { env: { TUNNEL_DOMAIN: 'old.tunnel.example.com' } }),
      status: 'fail',
      messageIds: ['env-differs'],
    },
    {
      name: "the differing value comes from this shell's environment, which wins over .env: said so",
      facts: deployment({}, {}, { processEnv: { TUNNEL_DOMAIN: 'shell.tunnel.example.com' } }),
      status: 'fail',
      messageIds: ['env-differs'],
      assert: (f) =>
        expect(first(f).symptom).toBe(
          "deploy-mcp-proxy-1 runs with TUNNEL_DOMAIN=abcd1234.tunnel.example.com, but this shell's environment (which docker compose up would use) now gives TUNNEL_DOMAIN=shell.tunnel.example.com.",
        ),
    },
  ],
  skip: [
    { name: 'an offline run', facts: baseFacts(), reason: 'needs the running containers' },
    {
      name: 'nothing runs',
      facts: withRuntime(
        runtimeFacts({
          containers: [
            container({ state: { running: false, status: 'exited' } }),
            cloudflaredContainer({ state: { running: false, status: 'exited' } }),
          ],
        }),
      ),
      reason: 'no container of project deploy runs',
    },
  ],
});
