// A Compose project on the real Docker Engine for the runtime tests, run with Debian's
// docker-compose (v1) from busybox images made here (nothing pulled), every container without a
// network of its own (network_mode none, or the proxy's namespace). The proxy runs as 65532 with
// data/ bind-mounted and a listener on its own loopback; cloudflared holds a planted token in its
// environment and on its command line; one service restarts forever (exit 3), one is created and
// never started (holding the token in a file), one is
// never created. Both running services print real log lines first.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerLabUnavailable, ensureBusyboxImage } from '../lab/docker/images.js';
import { labGate, programMissing, type LabGate } from '../lab/programs.js';

/** A token of cloudflared's shape: base64 of {"a","t","s"}; planted, then looked for in the facts. */
export const PLANTED_TOKEN = Buffer.from(
  JSON.stringify({
    a: '5ab4e9dfbd435d24068829fda0077963',
    t: '11111111-2222-3333-4444-555555555555',
    s: Buffer.from('planted-tunnel-secret-0123456789ab').toString('base64'),
  }),
).toString('base64');
/** An unrelated secret in the proxy's environment: its value must never be kept. */
export const PLANTED_PASSWORD = 'planted-password-7Qx9Lk2Vb';
/** The proxy's listener inside its namespace; nothing listens on this port on the host. */
export const NAMESPACE_PORT = 47391;

export function runtimeLabGate(what: string): LabGate {
  return labGate(what, dockerLabUnavailable(), programMissing('docker-compose', ['version']));
}

export interface ComposeLab {
  dir: string;
  project: string;
  compose(...args: string[]): string;
  /** docker inspect of one service's container, parsed. */
  inspect(service: string): Record<string, unknown>;
  down(): void;
}

function composeYaml(image: string): string {
  return `services:
  mcp-proxy:
    image: ${image}
    user: "65532:65532"
    network_mode: none
    environment:
      TUNNEL_LOGLEVEL: info
      API_PASSWORD: ${PLANTED_PASSWORD}
    volumes:
      - ./data:/data:ro
      - ./config:/config:ro
      - ./logs:/logs:ro
    command: ["sh", "-c", "cat /logs/proxy.log; exec /bin/busybox httpd -f -p 127.0.0.1:${NAMESPACE_PORT} -h /tmp"]
    healthcheck:
      test: ["CMD", "sh", "-c", "echo listener ok; echo password is ${PLANTED_PASSWORD}"]
      interval: 1s
      timeout: 5s
  cloudflared:
    image: ${image}
    network_mode: "service:mcp-proxy"
    environment:
      TUNNEL_TOKEN: \${TUNNEL_TOKEN}
      TUNNEL_METRICS: 127.0.0.1:20241
    volumes:
      - ./logs:/logs:ro
    command: ["sh", "-c", "cat /logs/cloudflared.log; exec sleep 3600", "tunnel", "--token", "\${TUNNEL_TOKEN}", "run"]
  restarter:
    image: ${image}
    network_mode: none
    restart: always
    command: ["sh", "-c", "exit 3"]
  idle:
    image: ${image}
    network_mode: none
    environment:
      TUNNEL_TOKEN_FILE: /run/token/tunnel-token
    volumes:
      - ./data:/run/token:ro
    command: ["sleep", "3600"]
  setup:
    image: ${image}
    network_mode: none
    command: ["true"]
  debug:
    image: ${image}
    network_mode: none
    profiles: ["debug"]
`;
}

/**
 * Writes the deployment and brings the project up: proxy, cloudflared and restarter started, idle
 * only created. cloudflared prints `extraLogLines` filler lines before the fixture's.
 */
export function startComposeLab(extraLogLines = 0): ComposeLab {
  const image = ensureBusyboxImage();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-runtime-'));
  const project = `mcptunnelrt${process.pid}${Date.now().toString(36)}`;
  chmodSync(dir, 0o755);
  for (const d of ['data', 'config', 'logs']) {
    mkdirSync(join(dir, d));
    chmodSync(join(dir, d), 0o755);
  }
  writeFileSync(join(dir, 'docker-compose.yml'), composeYaml(image));
  writeFileSync(join(dir, '.env'), `TUNNEL_TOKEN=${PLANTED_TOKEN}\n`);
  writeFileSync(
    join(dir, 'config/mcp-proxy.yaml'),
    'listen_addr: ":8080"\ntunnel_domain: abcd.tunnel.example\ntls:\n  cert_file: /data/certs/server.crt\n  key_file: /data/tls.key\nroutes:\n  wiki: http://127.0.0.1:9000\n',
  );
  mkdirSync(join(dir, 'data/certs'));
  writeFileSync(join(dir, 'data/certs/server.crt'), 'not really a certificate\n', { mode: 0o644 });
  writeFileSync(join(dir, 'data/tls.key'), 'not really a key\n', { mode: 0o600 });
  writeFileSync(join(dir, 'data/tunnel-token'), `${PLANTED_TOKEN}\n`, { mode: 0o644 });
  const fixtures = join(import.meta.dirname, '../../fixtures/logs');
  copyFileSync(join(fixtures, 'proxy-text.log'), join(dir, 'logs/proxy.log'));
  // Filler first, so the last lines are the fixture's (a tail of 2,000 still holds every finding).
  let cloudflared = '';
  for (let i = 0; i < extraLogLines; i++) cloudflared += `2026-03-02T07:00:00Z DBG filler line ${i}\n`;
  cloudflared += readFileSync(join(fixtures, 'cloudflared-console.log'), 'utf8');
  writeFileSync(join(dir, 'logs/cloudflared.log'), cloudflared);
  for (const f of ['logs/proxy.log', 'logs/cloudflared.log']) chmodSync(join(dir, f), 0o644);

  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  const lab: ComposeLab = {
    dir,
    project,
    compose,
    inspect(service) {
      const id = compose('ps', '-q', service).trim();
      return (
        JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' })) as Record<string, unknown>[]
      )[0]!;
    },
    down() {
      spawnSync('docker-compose', ['-p', project, 'down', '-v', '--remove-orphans', '-t', '1'], {
        cwd: dir,
        stdio: 'ignore',
        timeout: 60_000,
      });
      // Whatever compose missed (a failed `up`): every container labelled with the project.
      const left = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], {
        encoding: 'utf8',
      }).stdout.trim();
      if (left !== '') spawnSync('docker', ['rm', '-f', ...left.split('\n')], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // One `up -d` for the started ones: docker-compose 1.29 drops network_mode service:x under --no-start.
    compose('up', '-d', 'mcp-proxy', 'cloudflared', 'restarter');
    compose('up', '--no-start', 'idle');
  } catch (err) {
    lab.down();
    throw err;
  }
  return lab;
}

/** Waits (up to 20 s) until `ready` says yes. */
export async function waitFor(what: string, ready: () => boolean): Promise<void> {
  const until = Date.now() + 20_000;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
