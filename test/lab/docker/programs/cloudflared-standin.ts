// A stand-in for cloudflared 2026.8.2 in the Docker lab (no cloudflared binary is available
// here). It reads its command line and environment as cloudflared does, serves the metrics
// server's endpoints in cloudflared's formats (/ready, /healthcheck, /metrics, /diag/tunnel) and
// writes console log lines on stderr as cloudflared does. The edge is simulated (the lab sends
// no packet beyond loopback): STANDIN_EDGE picks how it answers, from EDGE_BEHAVIOURS. The origin
// is real: while a connection is up it dials --url every 500 ms the way the platform's traffic
// would arrive (a WebSocket upgrade), so a stopped proxy or a wrong port gives real 502s.
//
// Bundled with esbuild into one .mjs and run in the lab's node image (test/lab/docker/images.ts).

import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { EDGE_BEHAVIOURS, type EdgeBehaviour } from './edge-behaviours.js';
import { goDialError, logfmtValue } from './go-text.js';

const STANDIN_VERSION = '2026.8.2';
const GO_VERSION = 'go1.24.6';
const REVISION = 'c6a1ce4e1f2a9b3d7e8f0a1b2c3d4e5f6a7b8c9d';
const METRICS_PORTS = [20241, 20242, 20243, 20244, 20245];
const ORIGIN_INTERVAL_MS = 500;
const ORIGIN_TIMEOUT_MS = 2000;

/** The edge addresses and locations of connections 0-3 (published region1/region2 addresses). */
const EDGES = [
  { ip: '198.41.200.13', location: 'sfo06' },
  { ip: '198.41.192.7', location: 'lax01' },
  { ip: '198.41.200.33', location: 'sfo07' },
  { ip: '198.41.192.27', location: 'lax08' },
];

// ------------------------------------------------------------------ console log lines

type Level = 'DBG' | 'INF' | 'WRN' | 'ERR' | 'FTL';
type Fields = Record<string, string | number | boolean>;

/** cloudflared's console format: time, level, message, then `error` first and the rest sorted. */
function log(level: Level, message: string, fields: Fields = {}): void {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const keys = Object.keys(fields).sort();
  const ordered = keys.includes('error') ? ['error', ...keys.filter((k) => k !== 'error')] : keys;
  const parts = ordered.map((k) => `${k}=${logfmtValue(fields[k]!)}`);
  process.stderr.write(`${time} ${level} ${message}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
}

// ------------------------------------------------------------------ command line and token

const VALUE_FLAGS = new Set([
  'metrics',
  'url',
  'token',
  'token-file',
  'loglevel',
  'protocol',
  'edge-ip-version',
  'logfile',
  'region',
  'config',
  'origincert',
  'ha-connections',
]);

interface CommandLine {
  words: string[];
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): CommandLine {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      words.push(a);
      continue;
    }
    const name = m[1]!;
    if (m[2] !== undefined) flags.set(name, m[2]);
    else if (VALUE_FLAGS.has(name) && i + 1 < argv.length) flags.set(name, argv[++i]!);
    else flags.set(name, 'true');
  }
  return { words, flags };
}

interface TunnelToken {
  accountTag: string;
  tunnelId: string;
}

/** cloudflared only checks base64, JSON and that `t` is a UUID; the edge judges the rest. */
function parseToken(raw: string): TunnelToken | null {
  try {
    const json = JSON.parse(Buffer.from(raw.trim(), 'base64').toString('utf8')) as Record<string, unknown>;
    const t = json.t;
    if (typeof t !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t))
      return null;
    return { accountTag: typeof json.a === 'string' ? json.a : '', tunnelId: t.toLowerCase() };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ state the endpoints show

interface Connection {
  index: number;
  id: string;
  ip: string;
  location: string;
  protocol: 'quic' | 'http2';
  connected: boolean;
}

const state = {
  connectorId: randomUUID(),
  tunnelId: '',
  connections: [] as Connection[],
  registerSuccess: 0,
  registerFail: new Map<string, number>(),
  totalRequests: 0,
  requestErrors: 0,
  responsesByCode: new Map<string, number>(),
};

function readyConnections(): number {
  return state.connections.filter((c) => c.connected).length;
}

function metricsText(): string {
  const out: string[] = [];
  // Like Go's client: a vector with no series yet is left out entirely.
  const family = (name: string, type: string, help: string, samples: [string, number][]) => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
  };
  const label = (o: Record<string, string>) =>
    `{${Object.entries(o)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
  family('build_info', 'gauge', 'Build and version information', [
    [label({ goversion: GO_VERSION, revision: REVISION, type: '', version: STANDIN_VERSION }), 1],
  ]);
  family('cloudflared_tunnel_ha_connections', 'gauge', 'Number of active ha connections', [['', readyConnections()]]);
  family('cloudflared_tunnel_request_errors', 'counter', 'Amount of errors due to proxying to origin', [
    ['', state.requestErrors],
  ]);
  family(
    'cloudflared_tunnel_response_by_code',
    'counter',
    'Count of responses by HTTP status code',
    [...state.responsesByCode].map(([code, n]) => [label({ status_code: code }), n]),
  );
  family(
    'cloudflared_tunnel_server_locations',
    'gauge',
    'Where each tunnel is connected to. 1 means current location, 0 means previous locations.',
    state.connections
      .filter((c) => c.connected)
      .map((c) => [label({ connection_id: String(c.index), edge_location: c.location }), 1]),
  );
  family('cloudflared_tunnel_total_requests', 'counter', 'Amount of requests proxied through all the tunnels', [
    ['', state.totalRequests],
  ]);
  family(
    'cloudflared_tunnel_tunnel_register_fail',
    'counter',
    'Count of tunnel registration errors by type',
    [...state.registerFail].map(([error, n]) => [label({ error, rpcName: 'registerConnection' }), n]),
  );
  family('cloudflared_tunnel_tunnel_register_success', 'counter', 'Count of tunnel registration success', [
    [label({ rpcName: 'registerConnection' }), state.registerSuccess],
  ]);
  const quic = state.connections.filter((c) => c.connected && c.protocol === 'quic');
  if (quic.length > 0) {
    family('quic_client_total_connections', 'counter', 'Number of connections initiated', [['', quic.length]]);
    family('quic_client_closed_connections', 'counter', 'Number of connections that has been closed', [['', 0]]);
    family(
      'quic_client_latest_rtt',
      'gauge',
      'Latest RTT measured on a connection',
      quic.map((c) => [label({ conn_index: String(c.index) }), 12 + c.index]),
    );
  }
  // Go runtime noise, as every Go program's default registry has.
  family('go_goroutines', 'gauge', 'Number of goroutines that currently exist.', [['', 64]]);
  family('go_info', 'gauge', 'Information about the Go environment.', [[label({ version: GO_VERSION }), 1]]);
  family('go_memstats_alloc_bytes', 'gauge', 'Number of bytes allocated and still in use.', [['', 9.437184e6]]);
  return `${out.join('\n')}\n`;
}

function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const json = (status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (path === '/ready') {
    const n = readyConnections();
    const status = n > 0 ? 200 : 503;
    json(status, { status, readyConnections: n, connectorId: state.connectorId });
  } else if (path === '/healthcheck') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK\n');
  } else if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metricsText());
  } else if (path === '/diag/tunnel') {
    json(200, {
      tunnelID: state.tunnelId,
      connectorID: state.connectorId,
      // As cloudflared's encoding/json writes them: protocol is a number (1 = QUIC) and, like
      // index, left out when it is 0 (omitempty): HTTP/2 connections and connection 0 lack them.
      connections: state.connections.map((c) => ({
        isConnected: c.connected,
        ...(c.protocol === 'quic' ? { protocol: 1 } : {}),
        edgeAddress: c.ip,
        ...(c.index !== 0 ? { index: c.index } : {}),
      })),
      icmp_sources: [],
    });
  } else if (path === '/debug/pprof/cmdline') {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  }
}

/** --metrics / TUNNEL_METRICS, else the first free port of 20241-20245 on 0.0.0.0 (the container build). */
async function startMetricsServer(address: string | undefined): Promise<string> {
  const candidates = address ? [address] : METRICS_PORTS.map((p) => `0.0.0.0:${p}`);
  let lastError: unknown;
  for (const candidate of candidates) {
    const m = /^(.*):(\d+)$/.exec(candidate);
    if (!m) throw new Error(`invalid metrics address ${candidate}`);
    const host = m[1]!.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
    const server = http.createServer(serveMetrics);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(m[2]), host, () => resolve());
      });
      const a = server.address() as net.AddressInfo;
      return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

// ------------------------------------------------------------------ the simulated edge

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function register(index: number, protocol: 'quic' | 'http2'): void {
  const edge = EDGES[index]!;
  const c: Connection = { index, id: randomUUID(), ...edge, protocol, connected: true };
  state.connections.push(c);
  state.registerSuccess++;
  log('INF', 'Registered tunnel connection', {
    connIndex: index,
    connection: c.id,
    event: 0,
    ip: c.ip,
    location: c.location,
    protocol,
  });
}

/** One connection that never comes up: it logs each failure and retries with a doubling wait. */
async function failForever(index: number, fail: (attempt: number) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    fail(attempt);
    const wait = Math.min(2 ** (attempt + 1), 16);
    log('INF', `Retrying connection in up to ${wait}s`, { connIndex: index, event: 0, ip: EDGES[index]!.ip });
    await sleep(wait * 1000);
  }
}

async function runEdge(behaviour: EdgeBehaviour): Promise<void> {
  const b = EDGE_BEHAVIOURS[behaviour];
  const refusal = b.refusal;
  if (refusal !== null) {
    // The first connection must register before the others start, so only connIndex 0 retries.
    await failForever(0, () => {
      // The series counts by category (server_error, dup_edge_conn): the edge's words are only in the log.
      state.registerFail.set('server_error', (state.registerFail.get('server_error') ?? 0) + 1);
      log('ERR', 'Register tunnel error from server side', {
        error: refusal,
        connIndex: 0,
        event: 0,
        ip: EDGES[0]!.ip,
      });
    });
    return;
  }
  if (b.protocol === 'http2') {
    const ip = EDGES[0]!.ip;
    log('ERR', 'Failed to dial a quic connection', {
      error: 'failed to dial to edge with quic: timeout: no recent network activity',
      connIndex: 0,
      event: 0,
      ip,
    });
    log(
      'WRN',
      'If this log occurs persistently, and cloudflared is unable to connect to Cloudflare Network with `quic` protocol, then most likely your machine/network is getting its egress UDP to port 7844 (or others) blocked or dropped. Make sure to allow egress connectivity as per https://developers.cloudflare.com/cloudflare-one/connections/connect-apps/configuration/ports-and-ips/',
      { connIndex: 0, event: 0, ip },
    );
    log('INF', 'Switching to fallback protocol http2', { connIndex: 0, event: 0, ip });
  }
  for (let i = 0; i < b.registered; i++) {
    register(i, b.protocol);
    await sleep(50);
  }
  for (let i = b.registered; i < EDGES.length; i++) {
    const ip = EDGES[i]!.ip;
    const error = `DialContext error: dial tcp ${ip}:7844: i/o timeout`;
    void failForever(i, () => {
      log('ERR', 'Unable to establish connection with Cloudflare edge', { error, connIndex: i, event: 0, ip });
      log('ERR', 'Serve tunnel error', { error, connIndex: i, event: 0, ip });
    });
  }
}

// ------------------------------------------------------------------ the origin, dialled for real

function countResponse(code: number): void {
  state.totalRequests++;
  state.responsesByCode.set(String(code), (state.responsesByCode.get(String(code)) ?? 0) + 1);
}

/** One request to the origin as a WebSocket upgrade, like the platform's traffic through the tunnel. */
function dialOrigin(origin: URL, originService: string): Promise<void> {
  return new Promise((resolve) => {
    const port = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
    const req = http.request({
      host: origin.hostname,
      port,
      family: 4, // cloudflared's dial of localhost lands on 127.0.0.1 in this layout
      path: '/',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    let done = false;
    const finish = (code: number | null, failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      if (code !== null) countResponse(code);
      else {
        state.requestErrors++;
        countResponse(502);
        log('ERR', '', {
          error: `Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: ${failure}`,
          connIndex: 0,
          event: 1,
          ingressRule: 0,
          originService,
        });
      }
      resolve();
    };
    const address = () => `${req.socket?.remoteAddress ?? '127.0.0.1'}:${port}`;
    const timer = setTimeout(() => finish(null, goDialError(address(), 'timeout')), ORIGIN_TIMEOUT_MS);
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      finish(101);
    });
    req.on('response', (res) => {
      res.resume();
      finish(res.statusCode ?? 502);
    });
    req.on('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) =>
      finish(null, goDialError(`${err.address ?? origin.hostname}:${err.port ?? port}`, err)),
    );
    req.end();
  });
}

async function runOrigin(url: string | undefined): Promise<void> {
  for (;;) {
    await sleep(ORIGIN_INTERVAL_MS);
    if (readyConnections() === 0) continue; // no edge connection, no traffic
    if (url === undefined) countResponse(503);
    else await dialOrigin(new URL(url), url);
  }
}

// ------------------------------------------------------------------ main

async function tunnelRun(cl: CommandLine): Promise<void> {
  const tokenFile = cl.flags.get('token-file') ?? process.env.TUNNEL_TOKEN_FILE;
  let raw = cl.flags.get('token') ?? process.env.TUNNEL_TOKEN;
  if (raw === undefined && tokenFile !== undefined) {
    try {
      raw = readFileSync(tokenFile, 'utf8');
    } catch (err) {
      process.stderr.write(`Failed to read token file: ${(err as Error).message}\n`);
      process.exit(1);
    }
  }
  if (raw === undefined || raw === '') {
    process.stderr.write(
      '"cloudflared tunnel run" requires the ID or name of the tunnel to run as the last command line argument or in the configuration file.\nSee \'cloudflared tunnel run --help\'.\n',
    );
    process.exit(1);
  }
  const token = parseToken(raw);
  if (!token) {
    process.stderr.write("Provided Tunnel token is not valid.\nSee 'cloudflared tunnel run --help'.\n");
    process.exit(1);
  }
  state.tunnelId = token.tunnelId;
  const url = cl.flags.get('url') ?? process.env.TUNNEL_URL;
  const behaviour = (process.env.STANDIN_EDGE ?? 'healthy') as EdgeBehaviour;
  if (!(behaviour in EDGE_BEHAVIOURS))
    throw new Error(`STANDIN_EDGE=${behaviour}: one of ${Object.keys(EDGE_BEHAVIOURS).join(', ')}`);

  log('INF', 'Starting tunnel', { tunnelID: token.tunnelId });
  log('INF', `Version ${STANDIN_VERSION} (Checksum ${'5e1f'.repeat(16)})`);
  log('INF', `GOOS: linux, GOVersion: ${GO_VERSION}, GoArch: amd64`);
  const settings = new Map(cl.flags);
  if (settings.has('token') || process.env.TUNNEL_TOKEN) settings.set('token', '*****');
  log(
    'INF',
    `Settings: map[${[...settings]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${v}`)
      .join(' ')}]`,
  );
  log('INF', `Generated Connector ID: ${state.connectorId}`);
  if (url === undefined)
    log(
      'INF',
      'No ingress rules were defined in provided config (if any) nor from the cli, cloudflared will return 503 for all incoming HTTP requests',
    );
  log('INF', 'Initial protocol quic'); // --protocol auto starts on QUIC
  const metricsAddress = await startMetricsServer(cl.flags.get('metrics') ?? process.env.TUNNEL_METRICS);
  log('INF', `Starting metrics server on ${metricsAddress}/metrics`);
  void runOrigin(url);
  await runEdge(behaviour);
}

function shutdown(signal: string): void {
  log('INF', `Initiating graceful shutdown due to signal ${signal} ...`);
  for (const c of state.connections)
    log('INF', 'Unregistered tunnel connection', { connIndex: c.index, event: 0, ip: c.ip });
  process.exit(0);
}

async function main(): Promise<void> {
  const cl = parseArgs(process.argv.slice(2));
  if (cl.words[0] === 'version' || cl.flags.has('version')) {
    process.stdout.write(`cloudflared version ${STANDIN_VERSION} (built 2026-08-20-1432 UTC)\n`);
    return;
  }
  if (cl.words[0] === 'tunnel' && cl.words.includes('run')) {
    process.on('SIGTERM', () => shutdown('terminated'));
    process.on('SIGINT', () => shutdown('interrupt'));
    await tunnelRun(cl);
    return;
  }
  process.stderr.write(`the stand-in knows only "version" and "tunnel run" (got: ${cl.words.join(' ')})\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  log('ERR', 'stand-in failed', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
