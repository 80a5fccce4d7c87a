// Building runtime facts (the running Compose project, as the Docker Engine API shows it) for
// check tests: plain data, no Docker. The defaults are a healthy Compose deployment of the
// reference shape in /deploy: mcp-proxy running as 65532:65532 with its config and ./data
// mounted read-only and every capability dropped, and cloudflared sharing the proxy's network namespace, holding the same
// token as the files. Every time is before NOW (test/harness/facts.ts).

import type { Facts, FileFact, TokenFacts } from '../../src/core/facts.js';
import type {
  ContainerFacts,
  ContainerState,
  DeploymentFileTime,
  DockerRuntimeFacts,
  MountedFileFacts,
} from '../../src/core/runtime-facts.js';
import { tokenFingerprint } from '../../src/model/tunnel-token.js';
import { describeToken } from '../../src/probes/tunnel-token.js';
import { withLive } from '../lab/live-facts.js';
import { yamlFact } from './facts.js';

/** A well-formed tunnel token of a made-up account and tunnel; `secretByte` fills its 32-byte secret. */
const madeUpToken = (secretByte: number) =>
  Buffer.from(
    JSON.stringify({
      a: '0123456789abcdef0123456789abcdef',
      t: '6f1f3b0e-4a52-4c8e-9d41-2b7c0e5a9f10',
      s: Buffer.alloc(32, secretByte).toString('base64'),
    }),
  ).toString('base64');

/** The token in the files and in the running cloudflared. */
export const TEST_TOKEN = madeUpToken(7);
export const TEST_TOKEN_FINGERPRINT = tokenFingerprint(TEST_TOKEN);
/** Another token of the same tunnel, for "the running cloudflared holds a different one". */
export const OTHER_TOKEN_FINGERPRINT = tokenFingerprint(madeUpToken(9));

/** The token fact for a token kept in .env (the files' token), with its fingerprint. */
export function tokenFact(token = TEST_TOKEN): FileFact<TokenFacts> {
  const fact = describeToken([{ source: '.env', path: '/deploy/.env', value: token }]);
  if (!fact) throw new Error('describeToken gave no fact');
  return fact;
}

/** The reference Compose file of the deployment the defaults describe. */
const COMPOSE_TEXT = `services:
  mcp-proxy:
    image: ghcr.io/anthropics/mcp-proxy:latest
    user: "65532:65532"
    read_only: true
    cap_drop: [ALL]
    volumes:
      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro
      - ./data:/data:ro
    environment:
      TUNNEL_DOMAIN: \${TUNNEL_DOMAIN}
  cloudflared:
    image: cloudflare/cloudflared:2026.8.2
    command: tunnel --no-autoupdate run --url http://localhost:8080
    environment:
      TUNNEL_TOKEN: \${TUNNEL_TOKEN}
    network_mode: "service:mcp-proxy"
`;

export const composeFact = (text = COMPOSE_TEXT) => yamlFact('/deploy/compose.yaml', text);

const PROXY_ID = 'a1b2c3d4e5f6';
/** Docker names the namespace owner by its full ID in HostConfig.NetworkMode. */
const PROXY_FULL_ID = `${PROXY_ID}${'0123456789abcdef'.repeat(3)}0123`;
const CLOUDFLARED_ID = 'f6e5d4c3b2a1';
const PROXY_STARTED_AT = '2026-11-25T11:00:00.000Z';
const CLOUDFLARED_STARTED_AT = '2026-11-25T11:00:02.000Z';

export type ContainerOverrides = Partial<Omit<ContainerFacts, 'state'>> & { state?: Partial<ContainerState> };

function containerState(overrides: Partial<ContainerState> = {}): ContainerState {
  return {
    status: 'running',
    running: true,
    restarting: false,
    oomKilled: false,
    exitCode: 0,
    error: '',
    startedAt: PROXY_STARTED_AT,
    finishedAt: null,
    health: null,
    healthOutput: null,
    ...overrides,
  };
}

/** A file the proxy reads through its ./data mount; `stat` defaults to 0600 owned by 65532:65532. */
export function mountedFile(
  containerPath = '/data/tls.key',
  overrides: Partial<Omit<MountedFileFacts, 'stat'>> & {
    stat?: Partial<NonNullable<MountedFileFacts['stat']>> | null;
  } = {},
): MountedFileFacts {
  const hostPath = containerPath.startsWith('/data/') ? `/deploy/data/${containerPath.slice(6)}` : null;
  const { stat, ...rest } = overrides;
  const baseStat = { mode: 0o100600, uid: 65532, gid: 65532, size: 241, mtime: '2026-11-20T09:00:00.000Z' };
  return {
    containerPath,
    hostPath,
    stat: stat === null ? null : { ...baseStat, ...stat },
    problem: null,
    ...rest,
  };
}

/** The proxy's container by default; every field can be overridden (state merges field by field). */
export function container(overrides: ContainerOverrides = {}): ContainerFacts {
  const { state, ...rest } = overrides;
  return {
    id: PROXY_ID,
    name: 'deploy-mcp-proxy-1',
    service: 'mcp-proxy',
    image: 'ghcr.io/anthropics/mcp-proxy:latest',
    imageVersion: null,
    state: containerState(state),
    restartCount: 0,
    restartPolicy: 'unless-stopped',
    user: '65532:65532',
    networkMode: 'deploy_default',
    networkModeService: null,
    capAdd: [],
    capDrop: ['ALL'],
    mounts: [
      {
        type: 'bind',
        source: '/deploy/config/mcp-proxy.yaml',
        destination: '/etc/mcp-gateway/config.yaml',
        readOnly: true,
      },
      { type: 'bind', source: '/deploy/data', destination: '/data', readOnly: true },
    ],
    envNames: ['TUNNEL_DOMAIN', 'PATH'],
    env: { TUNNEL_DOMAIN: 'abcd1234.tunnel.example.com' },
    argv: ['/mcp-proxy', '-config', '/etc/mcp-gateway/config.yaml'],
    tokenFingerprint: null,
    files: [mountedFile('/data/tls.key'), mountedFile('/data/tls.crt', { stat: { mode: 0o100644, size: 1208 } })],
    ...rest,
  };
}

/** cloudflared's container: in the proxy's namespace, holding the files' token. */
export function cloudflaredContainer(overrides: ContainerOverrides = {}): ContainerFacts {
  const { state, ...rest } = overrides;
  return container({
    id: CLOUDFLARED_ID,
    name: 'deploy-cloudflared-1',
    service: 'cloudflared',
    image: 'cloudflare/cloudflared:2026.8.2',
    imageVersion: '2026.8.2',
    state: { startedAt: CLOUDFLARED_STARTED_AT, ...state },
    user: '',
    networkMode: `container:${PROXY_FULL_ID}`,
    networkModeService: 'mcp-proxy',
    capAdd: [],
    capDrop: [],
    mounts: [],
    envNames: ['TUNNEL_TOKEN', 'PATH'],
    env: {},
    argv: ['cloudflared', '--no-autoupdate', 'tunnel', '--no-autoupdate', 'run', '--url', 'http://localhost:8080'],
    tokenFingerprint: TEST_TOKEN_FINGERPRINT,
    files: [],
    ...rest,
  });
}

/** The deployment files' modification times, all before the containers started. */
export function fileTimes(overrides: Partial<Record<DeploymentFileTime['role'], string>> = {}): DeploymentFileTime[] {
  const times = {
    'proxy-config': '2026-11-25T10:00:00.000Z',
    dotenv: '2026-11-25T10:00:00.000Z',
    compose: '2026-11-25T10:00:00.000Z',
    ...overrides,
  };
  return [
    { role: 'proxy-config', path: '/deploy/config/mcp-proxy.yaml', mtime: times['proxy-config'] },
    { role: 'dotenv', path: '/deploy/.env', mtime: times.dotenv },
    { role: 'compose', path: '/deploy/compose.yaml', mtime: times.compose },
  ];
}

export function runtimeFacts(overrides: Partial<DockerRuntimeFacts> = {}): DockerRuntimeFacts {
  return {
    engine: 'docker',
    endpoint: 'unix:///var/run/docker.sock',
    engineVersion: '20.10.24',
    project: 'deploy',
    projectSource: 'working-dir',
    containers: [container(), cloudflaredContainer()],
    servicesWithoutContainer: [],
    fileTimes: fileTimes(),
    filesTokenFingerprint: TEST_TOKEN_FINGERPRINT,
    latencyMs: 12,
    ...overrides,
  };
}

/** Facts of a live run whose runtime is `runtime`, over the given static facts (like withLive). */
export function withRuntime(runtime: DockerRuntimeFacts, staticFacts: Partial<Facts> = {}): Facts {
  return withLive({ runtime }, staticFacts);
}
