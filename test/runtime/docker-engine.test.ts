// The Engine API client against fake engines on unix sockets (no Docker needed): every bad answer
// is a typed failure within the deadline; DOCKER_HOST is honoured and guarded; the log stream is
// demultiplexed. And the pure readings of a container (mounts, command line, project name).

import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerLogs,
  demultiplexLogs,
  dockerEndpoint,
  engineGetJson,
  type DockerEndpoint,
} from '../../src/probes/docker-engine.js';
import { gatherDockerRuntime } from '../../src/probes/docker-runtime.js';
import {
  commandLineToken,
  hostPathThroughMounts,
  normaliseProjectName,
  proxyTlsPaths,
} from '../../src/model/container-view.js';
import type { Facts } from '../../src/core/facts.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-fake-engine-'));
const servers: Server[] = [];

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** A fake engine answering every request with `handler`; its endpoint. */
async function fakeEngine(name: string, handler: Parameters<typeof createServer>[1]): Promise<DockerEndpoint> {
  const path = join(dir, `${name}.sock`);
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { kind: 'unix', path, text: `unix://${path}` };
}

let stalling: DockerEndpoint;
let garbage: DockerEndpoint;
let failing: DockerEndpoint;
let huge: DockerEndpoint;
let logs: DockerEndpoint;
let empty: DockerEndpoint;
const seen: string[] = [];
const labelsAsked: string[] = [];

beforeAll(async () => {
  stalling = await fakeEngine('stall', () => undefined); // accepts, never answers
  garbage = await fakeEngine('garbage', (_req, res) => res.end('<html>not an engine</html>'));
  failing = await fakeEngine('failing', (_req, res) => {
    res.statusCode = 500;
    res.end(JSON.stringify({ message: 'engine on fire' }));
  });
  huge = await fakeEngine('huge', (_req, res) => {
    res.write('[');
    const chunk = '"x",'.repeat(64 * 1024);
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    pump();
    res.on('close', () => res.removeAllListeners('drain'));
  });
  // An engine with no container at all: which project label did the probe look for?
  empty = await fakeEngine('empty', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/version')) return res.end(JSON.stringify({ Version: '20.10.24' }));
    const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] };
    labelsAsked.push(...(filters.label ?? []));
    res.end('[]');
  });
  logs = await fakeEngine('logs', (req, res) => {
    seen.push(req.url ?? '');
    res.end(Buffer.concat([frame(1, 'out one\n'), frame(2, 'err two\n'), frame(1, 'out three\n')]));
  });
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('Engine API requests: typed failures within the deadline', () => {
  it('a stalled engine is a timeout at the deadline', async () => {
    const t0 = performance.now();
    const r = await engineGetJson(stalling, '/version', { timeoutMs: 300 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('a non-JSON answer is a bad-answer', async () => {
    const r = await engineGetJson(garbage, '/version', { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, failure: 'bad-answer' });
  });

  it("a 500 is http-status with Docker's message", async () => {
    const r = await engineGetJson(failing, '/version', { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, failure: 'http-status', httpStatus: 500 });
    if (!r.ok) expect(r.detail).toContain('engine on fire');
  });

  it('an endless answer stops at the byte cap', async () => {
    const r = await engineGetJson(huge, '/containers/json', { timeoutMs: 5000, maxBytes: 1024 * 1024 });
    expect(r).toMatchObject({ ok: false, failure: 'too-large' });
  });

  it('a missing socket is no-socket; a refusing one is refused', async () => {
    const missing = await engineGetJson({ kind: 'unix', path: join(dir, 'none.sock'), text: '' }, '/version', {
      timeoutMs: 1000,
    });
    expect(missing).toMatchObject({ ok: false, failure: 'no-socket' });
    // A socket path where nothing listens (here a plain file) refuses the connection.
    writeFileSync(join(dir, 'stale.sock'), '');
    const stale = await engineGetJson({ kind: 'unix', path: join(dir, 'stale.sock'), text: '' }, '/version', {
      timeoutMs: 1000,
    });
    expect(stale).toMatchObject({ ok: false, failure: 'refused' });
  });

  it('gatherDockerRuntime turns a stalled engine into engine-error within its deadline', async () => {
    const facts = { deployment: { dir, layout: 'compose', generation: null }, processEnv: {} } as unknown as Facts;
    const t0 = performance.now();
    const r = await gatherDockerRuntime(facts, { env: { DOCKER_HOST: stalling.text }, timeoutMs: 400 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ failure: 'engine-error' });
    if ('skipped' in r)
      expect(r.skipped).toMatch(
        new RegExp(
          `^the Docker Engine at ${join(dir, 'stall.sock')} failed \\(no answer to GET /version within \\d+ ms\\): the running`,
        ),
      );
    const bad = await gatherDockerRuntime(facts, { env: { DOCKER_HOST: garbage.text }, timeoutMs: 2000 });
    expect(bad).toMatchObject({ failure: 'engine-error' });
  });

  it('DOCKER_HOST at a missing socket: the skip reason says where and why', async () => {
    const facts = { deployment: { dir, layout: 'compose', generation: null }, processEnv: {} } as unknown as Facts;
    const host = `unix://${join(dir, 'absent.sock')}`;
    const r = await gatherDockerRuntime(facts, { env: { DOCKER_HOST: host }, timeoutMs: 2000 });
    expect(r).toEqual({
      failure: 'no-socket',
      skipped: `no Docker socket at ${join(dir, 'absent.sock')} (DOCKER_HOST=${host}): the running containers were not inspected`,
    });
  });

  it('container logs are demultiplexed, asked for since the start, with timestamps and a tail', async () => {
    const r = await containerLogs(
      logs,
      'abc',
      { tty: false, tail: 50, since: '2026-12-02T10:00:00.5Z' },
      { timeoutMs: 2000, maxBytes: 1 << 20 },
    );
    expect(r.ok && r.value.text.toString()).toBe('out one\nerr two\nout three\n');
    const url = new URL(seen.at(-1)!, 'http://x');
    expect(url.pathname).toBe('/v1.41/containers/abc/logs');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      stdout: '1',
      stderr: '1',
      timestamps: '1',
      tail: '50',
      since: '1796205600.500',
    });
    const cut = await containerLogs(
      logs,
      'abc',
      { tty: false, tail: 5, since: null },
      { timeoutMs: 2000, maxBytes: 20 },
    );
    expect(cut.ok && cut.value.cut).toBe(true);
  });
});

describe('which Compose project: working directory, name:, COMPOSE_PROJECT_NAME, the directory', () => {
  const facts = (over: Partial<Facts>) =>
    ({
      deployment: { dir: '/srv/My Deploy', layout: 'compose', generation: null },
      processEnv: {},
      ...over,
    }) as Facts;
  const ask = async (f: Facts, env: Record<string, string> = {}) => {
    labelsAsked.length = 0;
    const r = await gatherDockerRuntime(f, { env: { DOCKER_HOST: empty.text, ...env }, timeoutMs: 2000 });
    return { r, labels: [...labelsAsked] };
  };
  const compose = (data: unknown) => ({
    state: 'ok' as const,
    path: '/srv/app/compose.yaml',
    value: { data, positions: {}, warnings: [] },
  });

  it('asks for the working directory first, then falls back to the directory name', async () => {
    const { r, labels } = await ask(facts({}));
    expect(labels).toEqual([
      'com.docker.compose.project.working_dir=/srv/My Deploy',
      'com.docker.compose.project=mydeploy',
    ]);
    expect(r).toMatchObject({
      failure: 'no-project',
      skipped: expect.stringContaining('mydeploy (from the directory name)'),
    });
  });

  it("the Compose file's name: (expanded), then COMPOSE_PROJECT_NAME from the environment or .env", async () => {
    const named = await ask(
      facts({ compose: compose({ name: 'Tunnel_${STAGE}', services: {} }), processEnv: { STAGE: 'Prod' } }),
    );
    expect(named.labels).toEqual([
      'com.docker.compose.project.working_dir=/srv/app',
      'com.docker.compose.project=tunnel_prod',
    ]);
    expect(named.r).toMatchObject({ skipped: expect.stringContaining("(from the Compose file's name:)") });
    const fromEnv = await ask(facts({ compose: compose({ services: {} }) }), { COMPOSE_PROJECT_NAME: 'Edge' });
    expect(fromEnv.labels.at(-1)).toBe('com.docker.compose.project=edge');
    const fromDotenv = await ask(
      facts({ dotenv: { state: 'ok', path: '/srv/app/.env', value: { COMPOSE_PROJECT_NAME: 'dot' } } }),
    );
    expect(fromDotenv.labels.at(-1)).toBe('com.docker.compose.project=dot');
    expect(fromDotenv.r).toMatchObject({ skipped: expect.stringContaining('(from COMPOSE_PROJECT_NAME)') });
  });
});

describe('dockerEndpoint', () => {
  it('defaults to the unix socket and honours DOCKER_HOST', () => {
    expect(dockerEndpoint({})).toEqual({
      kind: 'unix',
      path: '/var/run/docker.sock',
      text: 'unix:///var/run/docker.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({
      kind: 'unix',
      path: '/run/user/1000/docker.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toMatchObject({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
    });
  });

  it('refuses a remote tcp host under the loopback guard, TLS, and unknown schemes', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375', MCP_TUNNEL_LOOPBACK_ONLY: '1' })).toHaveProperty(
      'problem',
      expect.stringContaining('loopback'),
    );
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toMatchObject({ kind: 'tcp', host: '10.0.0.5' });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' })).toHaveProperty(
      'problem',
      expect.stringContaining('TLS'),
    );
    expect(dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toHaveProperty('problem');
  });
});

describe('pure readings of a container', () => {
  it('demultiplexes frames and keeps a frame cut short', () => {
    const raw = Buffer.concat([frame(1, 'a\n'), frame(2, 'bb\n'), frame(1, 'ccc\n').subarray(0, 10)]);
    expect(demultiplexLogs(raw).toString()).toBe('a\nbb\ncc');
  });

  it('maps a container path through the longest covering mount', () => {
    const mounts = [
      { type: 'bind', source: '/srv/deploy/data', destination: '/data', readOnly: true },
      { type: 'bind', source: '/srv/secrets/tls', destination: '/data/tls', readOnly: true },
      { type: 'volume', source: '/var/lib/docker/volumes/x/_data', destination: '/datastore', readOnly: false },
    ];
    expect(hostPathThroughMounts('/data/ca.crt', mounts)).toBe('/srv/deploy/data/ca.crt');
    expect(hostPathThroughMounts('/data/tls/tls.key', mounts)).toBe('/srv/secrets/tls/tls.key');
    expect(hostPathThroughMounts('/datastore', mounts)).toBe('/var/lib/docker/volumes/x/_data');
    expect(hostPathThroughMounts('/etc/passwd', mounts)).toBeNull();
  });

  it('takes the token out of the command line, in both spellings', () => {
    expect(commandLineToken(['cloudflared', 'tunnel', '--token', 'SECRET', 'run'])).toEqual({
      argv: ['cloudflared', 'tunnel', '--token', '<redacted>', 'run'],
      token: 'SECRET',
      tokenFile: null,
    });
    expect(commandLineToken(['tunnel', 'run', '--token=SECRET'])).toMatchObject({
      argv: ['tunnel', 'run', '--token=<redacted>'],
      token: 'SECRET',
    });
    expect(commandLineToken(['tunnel', '--token-file', '/run/secrets/t', 'run'])).toMatchObject({
      argv: ['tunnel', '--token-file', '/run/secrets/t', 'run'],
      token: null,
      tokenFile: '/run/secrets/t',
    });
  });

  it('normalises project names like Compose, and reads the tls paths with their defaults', () => {
    expect(normaliseProjectName('My Deploy.v2')).toBe('mydeployv2');
    expect(normaliseProjectName('_x-Y')).toBe('x-y');
    expect(proxyTlsPaths({ tls: { cert_file: '/certs/a.crt' } })).toEqual([
      '/certs/a.crt',
      '/data/tls.key',
      '/data/ca.crt',
    ]);
    expect(proxyTlsPaths(undefined)).toEqual(['/data/tls.crt', '/data/tls.key', '/data/ca.crt']);
  });
});
