// Benchmark of `mcp-tunnel logs` against `grep -c -F -f <the same fragments>`.
// Generates realistic logs (1 GiB and 100 MiB by default: mostly healthy lines of cloudflared and
// the proxy in the formats users paste, with failures sprinkled) in a temporary directory,
// times both tools on each, reports the ratio and the peak RSS, checks the matcher counted every
// sprinkled failure, and deletes the files. Needs the build (npm run build).
//
//   node bench/logs.mjs [--sizes 1024,100] [--rounds 3]      (sizes in MiB)
//   import { runLogsBench } from './bench/logs.mjs'; await runLogsBench({ sizesMiB: [100] });

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = process.env.BENCH_TIME_BIN ?? '/usr/bin/time';

// ---------------------------------------------------------------- generating a log

/** A small deterministic PRNG, so every run writes the same file. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTES = ['wiki', 'tickets', 'auth', 'mcp', 'search'];
const DOMAIN = 'abcd1234.tunnel.example.com';
const EDGE = ['198.41.192.7', '198.41.192.27', '198.41.200.13', '198.41.200.33'];

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isoMs = (ms) => new Date(ms).toISOString();
const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const syslog = (ms) => {
  const d = new Date(ms);
  return `${month[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
};
const hex = (r, n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const uuid = (r) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;

/** Healthy lines, weighted: the bulk of a real log. */
const HEALTHY = [
  [
    18,
    (t, r) =>
      `cloudflared-1  | ${iso(t)} DBG Upstream request connIndex=${Math.floor(r() * 4)} event=1 headers={"Accept":["application/json, text/event-stream"],"Content-Type":["application/json"],"Mcp-Session-Id":["${hex(r, 32)}"]} host=${ROUTES[Math.floor(r() * 5)]}.${DOMAIN} ingressRule=0 originService=http://localhost:8080 path=/mcp`,
  ],
  [
    14,
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"INFO","msg":"request started","method":"POST","host":"${ROUTES[Math.floor(r() * 5)]}.${DOMAIN}","path":"/mcp","request_id":"${hex(r, 16)}"}`,
  ],
  [
    14,
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"INFO","msg":"request completed","status":200,"duration_ms":${Math.floor(r() * 900)},"bytes":${Math.floor(r() * 40000)},"request_id":"${hex(r, 16)}"}`,
  ],
  [
    10,
    (t, r) =>
      `cloudflared-1  | ${iso(t)} DBG Serving HTTP/2 stream connIndex=${Math.floor(r() * 4)} event=1 streamID=${Math.floor(r() * 100000)}`,
  ],
  [
    8,
    (t, r) =>
      `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/proxy] time=${isoMs(t)} level=INFO msg="request completed" route=${ROUTES[Math.floor(r() * 5)]} status=200 duration=${Math.floor(r() * 800)}ms`,
  ],
  [
    6,
    (t, r) =>
      `${syslog(t)} gw01 cloudflared[1187]: ${iso(t)} DBG Upstream response connIndex=${Math.floor(r() * 4)} content-length=${Math.floor(r() * 9000)} event=1 ingressRule=0 originService=http://localhost:8080 status="200 OK"`,
  ],
  [
    6,
    (t, r) =>
      `{"level":"debug","connIndex":${Math.floor(r() * 4)},"event":1,"streamID":${Math.floor(r() * 100000)},"time":"${iso(t)}","message":"Request Headers map[Accept-Encoding:[gzip] Cf-Ray:[${hex(r, 16)}-AMS]]"}`,
  ],
  [
    5,
    (t, r) =>
      `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/cloudflared] ${isoMs(t)} ${iso(t)} DBG Updated ingress rules config="{\\"ingress\\":[{\\"service\\":\\"http://localhost:8080\\"}],\\"warp-routing\\":{\\"enabled\\":false}}" version=${Math.floor(r() * 9)}`,
  ],
  [
    4,
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"DEBUG","msg":"upstream dial","route":"${ROUTES[Math.floor(r() * 5)]}","upstream":"http://10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 250)}:8080","ip":"10.0.1.${Math.floor(r() * 250)}"}`,
  ],
  [
    3,
    (t, r) =>
      `cloudflared-1  | ${iso(t)} INF Tunnel connection curve preferences: [X25519MLKEM768 CurveP256] connIndex=${Math.floor(r() * 4)} event=0 ip=${EDGE[Math.floor(r() * 4)]}`,
  ],
  [
    3,
    (t, r) =>
      `mcp-proxy-1    | ${isoMs(t)}\tINFO\twebsocket session closed\t{"route":"${ROUTES[Math.floor(r() * 5)]}","duration":"${Math.floor(r() * 300)}s","frames":${Math.floor(r() * 5000)}}`,
  ],
];

/**
 * Failures and notable lines, each with the signature the matcher must give it.
 * rate: expected lines per million.
 * @type {[rate: number, signature: string, line: (t: number, r: () => number) => string][]}
 */
const SPRINKLED = [
  [
    300,
    'quic-dial-timeout',
    (t, r) =>
      `cloudflared-1  | ${iso(t)} ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=${Math.floor(r() * 4)} event=0 ip=${EDGE[Math.floor(r() * 4)]}`,
  ],
  [
    120,
    'quic-fallback-http2',
    (t) => `cloudflared-1  | ${iso(t)} INF Switching to fallback protocol http2 connIndex=0 event=0 ip=198.41.192.7`,
  ],
  [
    200,
    'ip-validation-failed',
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"ERROR","msg":"IP validation failed: 34.117.59.${Math.floor(r() * 250)} is not a private address","route":"search"}`,
  ],
  [
    150,
    'no-route-for-host',
    (t) =>
      `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/proxy] time=${isoMs(t)} level=WARN msg="no route for host" host=docs.${DOMAIN}`,
  ],
  [
    150,
    'tls-handshake-failed',
    (t) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: handshake failure","remote":"127.0.0.1:41822"}`,
  ],
  [
    100,
    'tls-bad-certificate',
    (t) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: bad certificate"}`,
  ],
  [
    100,
    'upstream-dial-failed',
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"ERROR","msg":"upstream request failed","route":"tickets","error":"dial tcp 10.0.3.${Math.floor(r() * 250)}:9000: connect: connection refused"}`,
  ],
  [
    100,
    'origin-unreachable',
    (t) =>
      `${syslog(t)} gw01 cloudflared[1187]: ${iso(t)} ERR  error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: dial tcp [::1]:8080: connect: connection refused" cfRay=8f0a${t % 100000}-AMS connIndex=2 event=1 ingressRule=0 originService=http://localhost:8080`,
  ],
  [
    80,
    'edge-tcp-dial',
    (t, r) =>
      `{"level":"error","connIndex":${Math.floor(r() * 4)},"error":"DialContext error: dial tcp ${EDGE[Math.floor(r() * 4)]}:7844: i/o timeout","ip":"${EDGE[0]}","time":"${iso(t)}","message":"Unable to establish connection with Cloudflare edge"}`,
  ],
  [
    60,
    'request-canceled',
    (t) =>
      `cloudflared-1  | ${iso(t)} ERR  error="Incoming request ended abruptly: context canceled" connIndex=1 event=1 ingressRule=0 originService=http://localhost:8080`,
  ],
  [
    40,
    'udp-receive-buffer',
    (t) =>
      `cloudflared-1  | ${new Date(t).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/')} failed to sufficiently increase receive buffer size (was: 208 kiB, wanted: 7168 kiB, got: 416 kiB). See https://github.com/quic-go/quic-go/wiki/UDP-Buffer-Sizes for details.`,
  ],
  [
    40,
    'icmp-proxy-disabled',
    (t) =>
      `cloudflared-1  | ${iso(t)} WRN The user running cloudflared process has a GID (group ID) that is not within ping_group_range. You might need to add that user to a group within that range, or instead update the range to encompass a group the user is already in by modifying /proc/sys/net/ipv4/ping_group_range. Otherwise cloudflared will not be able to ping this network error="Group ID 65532 is not between ping group 1 to 0"`,
  ],
  [
    30,
    'edge-unauthorized',
    (t) =>
      `cloudflared-1  | ${iso(t)} ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.192.7`,
  ],
  [
    30,
    'key-unreadable',
    (t) =>
      `mcp-proxy-1    | ${new Date(t).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/')} failed to load TLS key pair: open /data/tls.key: permission denied`,
  ],
  [
    20,
    'connection-registered',
    (t, r) =>
      `cloudflared-1  | ${iso(t)} INF Registered tunnel connection connIndex=${Math.floor(r() * 4)} connection=${uuid(r)} event=0 ip=${EDGE[Math.floor(r() * 4)]} location=ams0${1 + Math.floor(r() * 4)} protocol=quic`,
  ],
  [
    10,
    'route-configured',
    (t, r) =>
      `mcp-proxy-1    | {"time":"${isoMs(t)}","level":"INFO","msg":"route configured","route":"${ROUTES[Math.floor(r() * 5)]}","upstream":"http://10.0.2.14:8080"}`,
  ],
  [
    40,
    null,
    (t, r) => `cloudflared-1  | ${iso(t)} ERR Something nobody has seen before happened code=${Math.floor(r() * 1000)}`,
  ],
];

function pick(table, r) {
  const total = table.reduce((n, [w]) => n + w, 0);
  let x = r() * total;
  for (const row of table) if ((x -= row[0]) < 0) return row;
  return table[table.length - 1];
}

/** Writes about `bytes` bytes of log to `path`; returns how many lines of each sprinkled signature it wrote. */
export function generateLog(path, bytes, seed = 7) {
  const r = prng(seed);
  const sprinkleRate = SPRINKLED.reduce((n, [rate]) => n + rate, 0) / 1e6;
  const expected = {};
  let t = Date.parse('2026-03-02T08:00:00Z');
  let written = 0;
  let lines = 0;
  const fd = openSync(path, 'w');
  try {
    while (written < bytes) {
      const parts = [];
      let size = 0;
      while (size < 4 * 1024 * 1024) {
        t += Math.floor(r() * 40);
        let line;
        if (r() < sprinkleRate) {
          const [, name, make] = pick(SPRINKLED, r);
          line = make(t, r);
          const key = name ?? 'unmatched';
          expected[key] = (expected[key] ?? 0) + 1;
        } else {
          line = pick(HEALTHY, r)[1](t, r);
        }
        parts.push(line);
        size += line.length + 1;
        lines++;
      }
      const block = Buffer.from(`${parts.join('\n')}\n`, 'utf8');
      writeSync(fd, block);
      written += block.length;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes: written, lines, expected };
}

// ---------------------------------------------------------------- measuring

/**
 * Run a command, timing it; peak RSS comes from /usr/bin/time -f %M, or, without it (Debian
 * package "time"), for node commands from a preload that prints process.resourceUsage().maxRSS.
 */
function runTimed(cmd, args, outFile, preload) {
  const useTime = existsSync(TIME);
  const argv =
    !useTime && preload && cmd === process.execPath ? ['--import', pathToFileURL(preload).href, ...args] : args;
  const started = process.hrtime.bigint();
  const res = useTime
    ? spawnSync(TIME, ['-f', '%e %M', '-o', `${outFile}.time`, cmd, ...argv], { maxBuffer: 256 * 1024 * 1024 })
    : spawnSync(cmd, argv, { maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const stderr = res.stderr?.toString() ?? '';
  let rssKiB = null;
  if (useTime) {
    const m = /([\d.]+) (\d+)\s*$/.exec(readTail(`${outFile}.time`));
    if (m) rssKiB = Number(m[2]);
  } else {
    const m = /maxrss-kib=(\d+)/.exec(stderr);
    if (m) rssKiB = Number(m[1]);
  }
  return { status: res.status, stdout: res.stdout?.toString() ?? '', stderr, wallMs, rssKiB };
}

function readTail(path) {
  try {
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    return buf.subarray(0, n).toString();
  } catch {
    return '';
  }
}

function warm(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** How the bench starts the tool: the published bin when the build wires `logs`, else the module. */
function toolCommand(dir) {
  const bin = join(root, 'bin', 'mcp-tunnel.cjs');
  const probe = join(dir, 'probe.log');
  writeFileSync(probe, '2026-01-01T00:00:00Z INF Registered tunnel connection connIndex=0\n');
  if (existsSync(bin) && existsSync(join(root, 'dist', 'src', 'main.js'))) {
    const res = spawnSync(process.execPath, [bin, 'logs', '--json', probe]);
    if (res.status === 0 && res.stdout.toString().includes('"command": "logs"'))
      return { how: 'bin/mcp-tunnel.cjs logs --json', args: [bin, 'logs', '--json'] };
  }
  const runner = join(dir, 'run-logs.mjs');
  const mod = pathToFileURL(join(root, 'dist', 'src', 'commands', 'logs.js')).href;
  writeFileSync(
    runner,
    `import { runLogs } from ${JSON.stringify(mod)};\n` +
      `const code = await runLogs({ files: process.argv.slice(2), json: true, follow: false, failOn: 'error', color: false, verbose: false },` +
      ` { stdin: process.stdin, stdinIsTTY: false, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });\n` +
      `process.exitCode = code;\n`,
  );
  return { how: 'dist/src/commands/logs.js runLogs (the CLI does not wire `logs` yet)', args: [runner] };
}

/**
 * Generate, measure, clean up. Returns one row per size and whether every target was met:
 * ratio <= 1.0, peak RSS < 150 MB, RSS flat across sizes, and the counts right.
 */
export async function runLogsBench(options = {}) {
  const sizesMiB = options.sizesMiB ?? [1024, 100];
  const rounds = options.rounds ?? 3;
  const log = options.log ?? ((line) => console.log(line));
  const dist = join(root, 'dist', 'src', 'catalog', 'signatures.js');
  if (!existsSync(dist)) throw new Error('bench/logs.mjs needs the build: run npm run build first');
  const { prefilterFragments } = await import(pathToFileURL(dist).href);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-logs-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  const rows = [];
  try {
    const fragments = prefilterFragments();
    const fragFile = join(dir, 'fragments.txt');
    writeFileSync(fragFile, `${fragments.join('\n')}\n`);
    const tool = toolCommand(dir);
    const preload = join(dir, 'maxrss.mjs');
    writeFileSync(
      preload,
      "import { writeSync } from 'node:fs';\nprocess.on('exit', () => writeSync(2, `\\nmaxrss-kib=${process.resourceUsage().maxRSS}\\n`));\n",
    );
    log(
      `mcp-tunnel logs bench: ${fragments.length} literal fragments; tool run as ${tool.how}; ${rounds} round(s) each, median shown`,
    );
    log(
      `peak RSS from ${existsSync(TIME) ? '/usr/bin/time -f %M' : 'the tool\'s own process.resourceUsage() (no /usr/bin/time; Debian package "time")'}`,
    );
    for (const mib of sizesMiB) {
      const file = join(dir, `bench-${mib}.log`);
      const gen = generateLog(file, mib * 1024 * 1024);
      warm(file);
      const grepTimes = [];
      const toolTimes = [];
      let toolRss = 0;
      let grepRss = 0;
      let report;
      let grepCount;
      for (let i = 0; i < rounds; i++) {
        const g = runTimed('grep', ['-c', '-F', '-f', fragFile, file], join(dir, 'grep'));
        if (g.status !== 0 && g.status !== 1) throw new Error(`grep failed: ${g.stderr}`);
        grepCount = Number(g.stdout.trim());
        grepTimes.push(g.wallMs);
        grepRss = Math.max(grepRss, g.rssKiB ?? 0);
        const t = runTimed(process.execPath, [...tool.args, file], join(dir, 'tool'), preload);
        if (t.status !== 0 && t.status !== 1) throw new Error(`mcp-tunnel logs failed (exit ${t.status}): ${t.stderr}`);
        report = JSON.parse(t.stdout);
        toolTimes.push(t.wallMs);
        toolRss = Math.max(toolRss, t.rssKiB ?? 0);
      }
      // Every sprinkled line must be counted under its signature, and nothing else reported.
      const counted = Object.fromEntries(
        [...report.matches, ...report.healthy, ...report.harmless].map((m) => [m.signature, m.count]),
      );
      counted.unmatched = report.unmatched.errorLines;
      const wrong = Object.entries(gen.expected)
        .filter(([k, n]) => counted[k] !== n)
        .map(([k, n]) => `${k}: expected ${n}, got ${counted[k] ?? 0}`);
      const extra = Object.keys(counted).filter((k) => !(k in gen.expected) && counted[k] > 0);
      const row = {
        sizeMiB: mib,
        bytes: gen.bytes,
        lines: gen.lines,
        linesRead: report.linesRead,
        grepMs: Math.round(median(grepTimes)),
        toolMs: Math.round(median(toolTimes)),
        ratio: median(toolTimes) / median(grepTimes),
        toolRssMB: toolRss / 1024,
        grepRssMB: grepRss / 1024,
        grepLines: grepCount,
        countsOk: wrong.length === 0 && extra.length === 0 && report.linesRead === gen.lines,
        countProblems: [...wrong, ...extra.map((k) => `${k}: not sprinkled, counted ${counted[k]}`)],
      };
      rows.push(row);
      log(
        `${String(mib).padStart(5)} MiB  ${gen.lines.toLocaleString('en-US').padStart(11)} lines  grep ${(row.grepMs / 1000).toFixed(2)} s  ` +
          `mcp-tunnel ${(row.toolMs / 1000).toFixed(2)} s  ratio ${row.ratio.toFixed(2)}  peak RSS ${row.toolRssMB.toFixed(0)} MB (grep ${row.grepRssMB ? `${row.grepRssMB.toFixed(0)} MB` : 'n/a'})  ` +
          `counts ${row.countsOk ? 'right' : `WRONG: ${row.countProblems.join('; ')}`}`,
      );
      rmSync(file, { force: true });
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    cleanup();
  }
  const rss = rows.map((r) => r.toolRssMB);
  const flat = rss.length < 2 || Math.max(...rss) - Math.min(...rss) <= Math.max(15, 0.15 * Math.min(...rss));
  const targets = {
    ratio: rows.every((r) => r.ratio <= 1.0),
    rss: rows.every((r) => r.toolRssMB > 0 && r.toolRssMB < 150),
    rssFlat: flat,
    counts: rows.every((r) => r.countsOk),
  };
  log(
    `targets: ratio <= 1.0 ${targets.ratio ? 'met' : 'MISSED'}; peak RSS < 150 MB ${targets.rss ? 'met' : 'MISSED'}; ` +
      `same RSS for every size ${targets.rssFlat ? 'met' : 'MISSED'} (${rss.map((x) => x.toFixed(0)).join(' / ')} MB); counts ${targets.counts ? 'right' : 'WRONG'}`,
  );
  return { rows, targets, ok: Object.values(targets).every(Boolean) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = arg('--sizes')?.split(',').map(Number);
  const rounds = arg('--rounds') ? Number(arg('--rounds')) : undefined;
  const result = await runLogsBench({ sizesMiB: sizes, rounds });
  process.exitCode = result.ok ? 0 : 1;
}
