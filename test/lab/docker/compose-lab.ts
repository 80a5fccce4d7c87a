// The Docker lab: a Compose project of real containers in the shape of the vendor's reference
// deployment (fixtures/deployments/compose-healthy): the reference proxy as UID 65532 with the
// real data/ bind mount, the cloudflared stand-in sharing its network namespace, and an upstream
// (busybox httpd on 127.0.0.1:9000) in that namespace too. No container has a network beyond
// loopback (`network_mode: none` or a shared namespace) and nothing is published.
//
// startComposeLab(scenario) writes the deployment directory, runs `docker-compose up -d`, turns it
// into the scenario (each a change of the healthy base, in SCENARIOS) and waits until the
// containers show it. down() removes the project and the directory; so does process exit.

import { execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertSet } from '../certs.js';
import { ensureLabImages, type LabImages } from './images.js';
import { EDGE_BEHAVIOURS, type EdgeBehaviour } from './programs/edge-behaviours.js';

const LAB_DOMAIN = 'lab0c0de.tunnel.example.com';
/** The upstream's port inside the proxy's namespace. */
const LAB_UPSTREAM_PORT = 9000;
/** cloudflared's metrics port (the first of 20241-20245) in its namespace. */
export const LAB_METRICS_PORT = 20241;
const CLOUDFLARED_COMMAND = 'tunnel --no-autoupdate run --url http://localhost:8080';

export type LabScenario =
  | 'healthy'
  | 'degraded'
  | 'down'
  | 'origin-failing'
  | 'key-unreadable'
  | 'not-sharing'
  | 'config-edited'
  | 'env-edited'
  | 'token-mismatch';

type AfterStart = 'stop-proxy' | 'make-key-unreadable' | 'edit-config' | 'edit-env' | 'rotate-token';

interface ScenarioSpec {
  /** How the stand-in's simulated edge answers (STANDIN_EDGE); /ready shows its registered count. */
  edge: EdgeBehaviour;
  /** cloudflared in the proxy's namespace (the reference layout) or in its own (`none`). */
  cloudflaredNetwork: 'service:mcp-proxy' | 'none';
  /** What is done once the containers are up (null: nothing). */
  after: AfterStart | null;
}

const HEALTHY: ScenarioSpec = { edge: 'healthy', cloudflaredNetwork: 'service:mcp-proxy', after: null };

/** Every scenario is the healthy base with one change. */
const SCENARIOS: Record<LabScenario, ScenarioSpec> = {
  healthy: HEALTHY,
  degraded: { ...HEALTHY, edge: 'degraded' },
  down: { ...HEALTHY, edge: 'refused' },
  'origin-failing': { ...HEALTHY, after: 'stop-proxy' },
  'key-unreadable': { ...HEALTHY, after: 'make-key-unreadable' },
  'not-sharing': { ...HEALTHY, cloudflaredNetwork: 'none' },
  'config-edited': { ...HEALTHY, after: 'edit-config' },
  'env-edited': { ...HEALTHY, after: 'edit-env' },
  'token-mismatch': { ...HEALTHY, after: 'rotate-token' },
};

export interface ComposeLabOptions {
  /** How long to wait for the scenario's state (default 30 s). */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface ComposeLab {
  scenario: LabScenario;
  /** The deployment directory (compose.yaml, .env, config/, data/). */
  dir: string;
  project: string;
  composeFile: string;
  /** The token cloudflared was started with (the files may hold another: token-mismatch). */
  runningToken: string;
  /** The container's name (`<project>_<service>_1` with Compose v1). */
  containerName(service: string): string;
  /** The container's main process on the host (0 when it is not running). */
  pid(service: string): number;
  /** `docker inspect --format <format>` of the service's container, trimmed. */
  inspect(service: string, format: string): string;
  /** `docker-compose -p <project> -f <composeFile> <args>`; its stdout. */
  compose(args: string[]): Promise<string>;
  /** An HTTP GET from inside the service's network namespace (run by node in the cloudflared container when service is cloudflared). */
  httpGet(service: 'cloudflared', url: string): Promise<HttpAnswer>;
  down(): Promise<void>;
}

// ------------------------------------------------------------------ the deployment directory

/** A fake but valid-shaped tunnel token: standard base64 of {"a","t","s"}. */
function labToken(tunnelId: string, accountTag = randomBytes(16).toString('hex')): string {
  const secret = randomBytes(32).toString('base64');
  return Buffer.from(JSON.stringify({ a: accountTag, t: tunnelId, s: secret })).toString('base64');
}

function composeYaml(images: LabImages, spec: ScenarioSpec): string {
  return `# The Docker lab's deployment, in the shape of the vendor's reference Compose file.
services:
  mcp-proxy:
    image: ${images.proxy}
    restart: unless-stopped
    user: "65532:65532"
    read_only: true
    cap_drop: [ALL]
    security_opt:
      - no-new-privileges:true
    network_mode: none
    environment:
      TUNNEL_DOMAIN: \${TUNNEL_DOMAIN}
    volumes:
      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro
      - ./data:/data:ro

  upstream:
    image: ${images.busybox}
    restart: unless-stopped
    user: "65532:65532"
    read_only: true
    cap_drop: [ALL]
    command: httpd -f -p 127.0.0.1:${LAB_UPSTREAM_PORT} -h /www
    network_mode: "service:mcp-proxy"
    depends_on:
      - mcp-proxy

  cloudflared:
    image: ${images.cloudflared}
    restart: unless-stopped
    command: ${CLOUDFLARED_COMMAND}
    environment:
      TUNNEL_TOKEN: \${TUNNEL_TOKEN}
      STANDIN_EDGE: ${spec.edge}
    network_mode: ${JSON.stringify(spec.cloudflaredNetwork)}
    depends_on:
      - mcp-proxy
`;
}

function proxyConfigYaml(logLevel: string): string {
  return `listen_addr: ":8080"
log_level: ${logLevel}
shutdown_timeout: 30s
tunnel_domain: \${TUNNEL_DOMAIN}

tls:
  cert_file: /data/tls.crt
  key_file: /data/tls.key

# Routes that are not MCP endpoints: the upstream is a static web server (the MCP handshake and
# the OAuth chain are proved against real MCP and OAuth servers in test/lab/mcp).
routes:
  wiki: http://127.0.0.1:${LAB_UPSTREAM_PORT}
  tickets: http://127.0.0.1:${LAB_UPSTREAM_PORT}

# The upstream runs in the proxy's own namespace, on loopback.
upstream:
  allowed_ips:
    - 127.0.0.0/8
`;
}

function dotenv(token: string, note = ''): string {
  return `# Values for docker compose (the Docker lab; the token is a fake).${note}\nTUNNEL_DOMAIN=${LAB_DOMAIN}\nTUNNEL_TOKEN=${token}\n`;
}

function writeDeployment(dir: string, images: LabImages, spec: ScenarioSpec, token: string, tunnelId: string): void {
  const certs = makeCertSet(LAB_DOMAIN);
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'compose.yaml'), composeYaml(images, spec));
  writeFileSync(join(dir, '.env'), dotenv(token));
  writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), proxyConfigYaml('info'));
  writeFileSync(join(dir, 'data', 'ca.crt'), certs.caPem);
  writeFileSync(join(dir, 'data', 'tls.crt'), certs.certPem);
  writeFileSync(join(dir, 'data', 'tls.key'), certs.keyPem, { mode: 0o644 });
  writeFileSync(join(dir, 'data', 'tunnel-token'), `${token}\n`);
  writeFileSync(join(dir, 'data', 'tunnel-domain'), `${LAB_DOMAIN}\n`);
  writeFileSync(join(dir, 'data', 'tunnel-id'), `${tunnelId}\n`);
  rmSync(certs.dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ docker and compose

function run(cmd: string, args: string[], cwd?: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

const running = new Map<string, { dir: string; composeFile: string }>();

function downSync(project: string, composeFile: string, dir: string): void {
  spawnSync('docker-compose', ['-p', project, '-f', composeFile, 'down', '-t', '0', '-v', '--remove-orphans'], {
    cwd: dir,
    stdio: 'ignore',
    timeout: 60_000,
  });
  rmSync(dir, { recursive: true, force: true });
}

// A test process that ends without afterAll still removes its projects.
process.on('exit', () => {
  for (const [project, p] of running) downSync(project, p.composeFile, p.dir);
  running.clear();
});

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`lab: timed out waiting for ${what}${last ? ` (${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// One node script per GET, run inside the container: status, a newline, the body.
const GET_SCRIPT = `const r = await fetch(process.argv[1], { signal: AbortSignal.timeout(2000) });
process.stdout.write(r.status + '\\n' + (await r.text()).slice(0, 1 << 20));`;

/** The sum of the samples of `name` in a Prometheus text exposition whose labels include `labels`; null when none. */
/**
 * An edit must land later than the doctor's tolerance for file times (2 s after a container's
 * start) to count as "after the start": an edit within it is not told from clock granularity.
 */
async function pastClockTolerance(lab: ComposeLab): Promise<void> {
  const latest = Math.max(
    ...['mcp-proxy', 'cloudflared'].map((s) => Date.parse(lab.inspect(s, '{{.State.StartedAt}}'))),
  );
  const wait = latest + 3000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}=${JSON.stringify(v)}`))) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

// ------------------------------------------------------------------ start

export async function startComposeLab(scenario: LabScenario, opts: ComposeLabOptions = {}): Promise<ComposeLab> {
  const spec = SCENARIOS[scenario];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const images = await ensureLabImages();
  const project = `mcptlab${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `mcpt-compose-${scenario}-`));
  const composeFile = join(dir, 'compose.yaml');
  const tunnelId = randomUUID();
  const accountTag = randomBytes(16).toString('hex');
  const token = labToken(tunnelId, accountTag);
  writeDeployment(dir, images, spec, token, tunnelId);
  running.set(project, { dir, composeFile });

  const names = new Map<string, string>();
  const compose = (args: string[]) => run('docker-compose', ['-p', project, '-f', composeFile, ...args], dir);
  const containerName = (service: string): string => {
    const known = names.get(service);
    if (known) return known;
    const r = spawnSync(
      'docker',
      [
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        `label=com.docker.compose.service=${service}`,
        '--format',
        '{{.Names}}',
      ],
      { encoding: 'utf8' },
    );
    const name = r.stdout.trim().split('\n')[0] ?? '';
    if (!name) throw new Error(`lab ${project}: no container for service ${service}`);
    names.set(service, name);
    return name;
  };
  const inspect = (service: string, format: string): string =>
    spawnSync('docker', ['inspect', '--format', format, containerName(service)], { encoding: 'utf8' }).stdout.trim();
  const httpGet = async (service: 'cloudflared', url: string): Promise<HttpAnswer> => {
    const out = await run(
      'docker',
      ['exec', containerName(service), 'node', '--input-type=module', '-e', GET_SCRIPT, url],
      undefined,
      10_000,
    );
    const nl = out.indexOf('\n');
    return { status: Number(out.slice(0, nl)), body: out.slice(nl + 1) };
  };
  const metricsUrl = (path: string) => `http://127.0.0.1:${LAB_METRICS_PORT}${path}`;
  const down = async () => {
    if (!running.delete(project)) return;
    try {
      await compose(['down', '-t', '0', '-v', '--remove-orphans']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const lab: ComposeLab = {
    scenario,
    dir,
    project,
    composeFile,
    runningToken: token,
    containerName,
    pid: (service) => Number(inspect(service, '{{.State.Pid}}')) || 0,
    inspect,
    compose,
    httpGet,
    down,
  };

  try {
    await compose(['up', '-d']);
    // Every scenario starts from containers that are up: the edge has answered and the proxy listens.
    const expected = EDGE_BEHAVIOURS[spec.edge].registered;
    await waitFor(`${scenario}: /ready with ${expected} connections`, timeoutMs, async () => {
      const ready = await httpGet('cloudflared', metricsUrl('/ready'));
      const n = (JSON.parse(ready.body) as { readyConnections: number }).readyConnections;
      if (n !== expected) return null;
      if (EDGE_BEHAVIOURS[spec.edge].refusal !== null) {
        const m = await httpGet('cloudflared', metricsUrl('/metrics'));
        return (metricSum(m.body, 'cloudflared_tunnel_tunnel_register_fail') ?? 0) > 0 ? true : null;
      }
      return true;
    });
    if (spec.cloudflaredNetwork === 'service:mcp-proxy' && expected > 0)
      await waitFor(`${scenario}: the proxy answers cloudflared`, timeoutMs, async () => {
        const m = await httpGet('cloudflared', metricsUrl('/metrics'));
        return (metricSum(m.body, 'cloudflared_tunnel_response_by_code', { status_code: '101' }) ?? 0) > 0
          ? true
          : null;
      });
    await applyAfterStart(lab, spec, timeoutMs, tunnelId, accountTag);
    return lab;
  } catch (err) {
    await down().catch(() => undefined);
    throw err;
  }
}

async function applyAfterStart(
  lab: ComposeLab,
  spec: ScenarioSpec,
  timeoutMs: number,
  tunnelId: string,
  accountTag: string,
): Promise<void> {
  const metrics = async (name: string, labels: Record<string, string> = {}) =>
    metricSum((await lab.httpGet('cloudflared', `http://127.0.0.1:${LAB_METRICS_PORT}/metrics`)).body, name, labels);
  switch (spec.after) {
    case null:
      if (spec.cloudflaredNetwork === 'none')
        // Alone in its namespace, cloudflared's dials of localhost:8080 are refused.
        await waitFor('not-sharing: request errors', timeoutMs, async () =>
          ((await metrics('cloudflared_tunnel_request_errors')) ?? 0) > 0 ? true : null,
        );
      return;
    case 'stop-proxy':
      await lab.compose(['stop', '-t', '0', 'mcp-proxy']);
      await waitFor('origin-failing: 502s', timeoutMs, async () =>
        ((await metrics('cloudflared_tunnel_response_by_code', { status_code: '502' })) ?? 0) > 0 ? true : null,
      );
      return;
    case 'make-key-unreadable':
      // As if setup had run as root again: the key is 0600 and not the proxy's. The restart makes
      // the proxy open it again; it fails with EACCES, exits 1, and Docker keeps restarting it.
      chmodSync(join(lab.dir, 'data', 'tls.key'), 0o600);
      await lab.compose(['restart', '-t', '0', 'mcp-proxy']);
      await waitFor('key-unreadable: the proxy restarting', timeoutMs, async () =>
        Number(lab.inspect('mcp-proxy', '{{.RestartCount}}')) >= 1 ? true : null,
      );
      return;
    case 'edit-config': {
      await pastClockTolerance(lab);
      // Written in place (same inode), as editors that keep the bind mount working do.
      const file = join(lab.dir, 'config', 'mcp-proxy.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('log_level: info', 'log_level: debug'));
      return;
    }
    case 'edit-env': {
      await pastClockTolerance(lab);
      const file = join(lab.dir, '.env');
      writeFileSync(file, dotenv(lab.runningToken, '\n# Edited after the containers started.'));
      return;
    }
    case 'rotate-token': {
      const other = labToken(tunnelId, accountTag);
      writeFileSync(join(lab.dir, '.env'), dotenv(other));
      writeFileSync(join(lab.dir, 'data', 'tunnel-token'), `${other}\n`);
      return;
    }
  }
}
