import { expect } from 'vitest';
import { check } from '../../checks/edge/cloudflared-container.js';
import type { ContainerFacts } from '../../src/core/runtime-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts } from '../harness/facts.js';
import {
  cloudflaredContainer,
  composeFact,
  container,
  runtimeFacts,
  withRuntime,
  type ContainerOverrides,
} from '../harness/runtime-facts.js';
import { first } from '../helpers/present.js';

/** The healthy deployment with its Compose file, cloudflared changed by `overrides`. */
const withCloudflared = (overrides: ContainerOverrides) =>
  withRuntime(runtimeFacts({ containers: [container(), cloudflaredContainer(overrides)] }), { compose: composeFact() });
const running = (containers: ContainerFacts[]) => withRuntime(runtimeFacts({ containers }), { compose: composeFact() });

testCheck(check, {
  pass: [
    {
      name: 'a healthy Compose deployment: cloudflared runs in the namespace of the proxy container',
      facts: running([container(), cloudflaredContainer()]),
      info: ['container-judged'],
    },
    {
      name: 'the same namespace seen by the kernel',
      facts: running([
        container({ netNamespace: 'net:[4026532259]' }),
        cloudflaredContainer({ netNamespace: 'net:[4026532259]' }),
      ]),
      info: ['container-judged'],
    },
    {
      name: 'without the Compose file, the containers are told by their images',
      facts: withRuntime(runtimeFacts()),
      info: ['container-judged'],
    },
    {
      name: 'joined by the proxy container name (docker run --network container:NAME)',
      facts: withCloudflared({ networkMode: 'container:deploy-mcp-proxy-1', networkModeService: null }),
      info: ['container-judged'],
    },
  ],
  fail: [
    {
      name: 'no cloudflared container at all',
      facts: running([container()]),
      status: 'fail',
      messageIds: ['missing'],
      assert: (f) => {
        expect(first(f).fix).toBe('Run docker compose up -d cloudflared in the deployment directory.');
        expect(first(f).cause).toContain('The Compose project deploy has no cloudflared container');
      },
    },
    {
      name: 'exited with code 1',
      facts: withCloudflared({
        state: { status: 'exited', running: false, exitCode: 1, finishedAt: '2026-11-25T11:05:00.000Z' },
      }),
      status: 'fail',
      messageIds: ['not-running'],
      assert: (f) =>
        expect(first(f).cause).toBe(
          'The cloudflared container deploy-cloudflared-1 is exited (last exit code 1, last stopped at 2026-11-25T11:05:00.000Z).',
        ),
    },
    {
      name: 'never started: a mount failed, and Docker says so',
      facts: withCloudflared({
        state: { status: 'created', running: false, startedAt: null, error: 'error mounting "/deploy/x"' },
      }),
      status: 'fail',
      messageIds: ['not-running'],
      assert: (f) => expect(first(f).cause).toContain('; Docker says: error mounting "/deploy/x"'),
    },
    {
      name: 'in a restart loop (Docker keeps Running true while it waits to restart)',
      facts: withCloudflared({ state: { status: 'restarting', restarting: true, exitCode: 1 }, restartCount: 7 }),
      status: 'fail',
      messageIds: ['restarting'],
      assert: (f) => expect(first(f).cause).toContain('(7 restarts, last exit code 1'),
    },
    {
      name: 'OOM-killed',
      facts: withCloudflared({ state: { status: 'exited', running: false, oomKilled: true, exitCode: 137 } }),
      status: 'fail',
      messageIds: ['oom-killed'],
      assert: (f) => {
        expect(first(f).cause).toContain('OOMKilled; last exit code 137: killed (SIGKILL)');
        expect(first(f).fix).toContain('mem_limit');
      },
    },
    {
      name: 'runs, but restarted before: a warning with the last stop',
      facts: withCloudflared({ restartCount: 3, state: { finishedAt: '2026-11-25T10:59:58.000Z' } }),
      status: 'warn',
      messageIds: ['restarted'],
      assert: (f) => {
        expect(first(f).symptom).toContain('restarted it 3 time(s)');
        expect(first(f).cause).toContain('last stopped at 2026-11-25T10:59:58.000Z');
      },
    },
    {
      name: 'on the Compose network with --url http://localhost:8080: localhost is not the proxy',
      facts: withCloudflared({ networkMode: 'deploy_default', networkModeService: null }),
      status: 'fail',
      messageIds: ['not-in-proxy-namespace'],
      assert: (f) =>
        expect(first(f).fix).toBe(
          'Set network_mode: "service:mcp-proxy" on the cloudflared service (and no networks: or ports: of its own), then run docker compose up -d cloudflared.',
        ),
    },
    {
      name: 'in the namespace of another service',
      facts: withCloudflared({ networkMode: `container:${'9'.repeat(64)}`, networkModeService: 'mcp-server' }),
      status: 'fail',
      messageIds: ['not-in-proxy-namespace'],
    },
    {
      name: 'joined a proxy container that was recreated since',
      facts: withCloudflared({ networkMode: `container:${'b7'.repeat(32)}`, networkModeService: null }),
      status: 'fail',
      messageIds: ['stale-namespace'],
      assert: (f) => {
        expect(first(f).cause).toContain('the mcp-proxy container running now is a1b2c3d4e5f6');
        expect(first(f).fix).toBe('Run docker compose up -d --force-recreate cloudflared.');
      },
    },
    {
      name: 'Docker says it shares the proxy namespace, the kernel says the proxy restarted into a new one',
      facts: running([
        container({ netNamespace: 'net:[4026532259]' }),
        cloudflaredContainer({ netNamespace: 'net:[4026532182]' }),
      ]),
      status: 'fail',
      messageIds: ['left-in-old-namespace'],
      assert: (f) => {
        expect(first(f).cause).toContain('net:[4026532182], the mcp-proxy container now in net:[4026532259]');
        expect(first(f).fix).toBe('Once the proxy stays up, run docker compose restart cloudflared.');
      },
    },
    {
      name: 'on its own network, dialing the proxy by name: works, but not the reference layout',
      facts: withCloudflared({
        networkMode: 'deploy_default',
        networkModeService: null,
        argv: ['cloudflared', '--no-autoupdate', 'tunnel', 'run', '--url', 'http://mcp-proxy:8080'],
      }),
      status: 'warn',
      messageIds: ['own-network'],
    },
  ],
  skip: [
    { name: 'an offline run', facts: baseFacts(), reason: 'needs the running containers' },
    {
      name: 'no cloudflared container, and none in the Compose file (cloudflared runs elsewhere)',
      facts: withRuntime(runtimeFacts({ containers: [container()] }), {
        compose: composeFact('services:\n  mcp-proxy:\n    image: ghcr.io/anthropics/mcp-proxy:latest\n'),
      }),
      reason: 'the Compose file has no cloudflared service',
    },
  ],
});
