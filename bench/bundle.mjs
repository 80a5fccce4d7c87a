// Benchmark of `mcp-tunnel bundle`: the healthy example's bundle offline (size < 1 MB, time < 2 s,
// against `doctor --offline --json` on the same directory), then with 100 MiB of generated logs
// (time < 30 s, peak RSS < 200 MB, against `gzip -c` of the same logs), measured in the same
// invocation. Needs the build (npm run build). Temporary files are deleted.
//
//   node bench/bundle.mjs [--mib 100] [--rounds 3]

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from './logs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'mcp-tunnel.cjs');
const HEALTHY = join(root, 'fixtures', 'deployments', 'compose-healthy');
const TIME = process.env.BENCH_TIME_BIN ?? '/usr/bin/time';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a command under /usr/bin/time (when there) for its wall time and peak RSS. */
function timed(cmd, args, timeFile) {
  const useTime = existsSync(TIME);
  const started = process.hrtime.bigint();
  const res = useTime
    ? spawnSync(TIME, ['-f', '%M', '-o', timeFile, cmd, ...args], { maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let rssMB = null;
  if (useTime) {
    const fd = openSync(timeFile, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    const m = /(\d+)\s*$/.exec(buf.subarray(0, n).toString());
    if (m) rssMB = Number(m[1]) / 1024;
  }
  if (res.status !== 0 && res.status !== 1) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr?.toString()}`);
  }
  return { wallMs, rssMB };
}

export async function runBundleBench(options = {}) {
  const mib = options.mib ?? 100;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? ((line) => console.log(line));
  if (!existsSync(join(root, 'dist', 'bundle', 'mcp-tunnel.cjs'))) throw new Error('bench/bundle.mjs needs the build');
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bundle-bench-'));
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.TUNNEL_TOKEN;
  let n = 0;
  const bundle = (extra) => {
    const out = join(dir, `b${n++}.tar.gz`);
    const t = timed(
      process.execPath,
      [BIN, 'bundle', '--offline', '--dir', HEALTHY, ...extra, '--out', out],
      join(dir, 't'),
    );
    return { ...t, size: statSync(out).size };
  };
  try {
    log(`mcp-tunnel bundle bench: ${rounds} round(s) each, median shown`);
    const doctor = [];
    const small = [];
    for (let i = 0; i < rounds; i++) {
      doctor.push(
        timed(process.execPath, [BIN, 'doctor', '--offline', '--json', '--dir', HEALTHY], join(dir, 't')).wallMs,
      );
      small.push(bundle([]));
    }
    const smallMs = median(small.map((r) => r.wallMs));
    const size = small[0].size;
    const doctorMs = median(doctor);
    log(
      `healthy example offline: bundle ${(smallMs / 1000).toFixed(2)} s, ${(size / 1024).toFixed(1)} kB; ` +
        `doctor --offline --json ${(doctorMs / 1000).toFixed(2)} s; ratio ${(smallMs / doctorMs).toFixed(2)}`,
    );

    const file = join(dir, 'bench.log');
    const gen = generateLog(file, mib * 1024 * 1024);
    const gzip = [];
    const big = [];
    for (let i = 0; i < rounds; i++) {
      gzip.push(timed('sh', ['-c', `gzip -c "${file}" > /dev/null`], join(dir, 't')).wallMs);
      big.push(bundle(['--logs', file]));
    }
    const bigMs = median(big.map((r) => r.wallMs));
    const rss = Math.max(...big.map((r) => r.rssMB ?? 0));
    const gzipMs = median(gzip);
    log(
      `${mib} MiB of logs (${gen.lines.toLocaleString('en-US')} lines): bundle ${(bigMs / 1000).toFixed(2)} s, ` +
        `peak RSS ${rss ? `${rss.toFixed(0)} MB` : 'n/a'}, ${(big[0].size / 1024).toFixed(1)} kB; ` +
        `gzip -c ${(gzipMs / 1000).toFixed(2)} s; ratio ${(bigMs / gzipMs).toFixed(2)}`,
    );
    const targets = {
      size: size < 1024 * 1024,
      time: smallMs < 2000,
      logsTime: bigMs < 30_000,
      logsRss: rss > 0 && rss < 200,
    };
    const met = (ok) => (ok ? 'met' : 'MISSED');
    log(
      `targets: size < 1 MB ${met(targets.size)}; offline < 2 s ${met(targets.time)}; ` +
        `${mib} MiB of logs < 30 s ${met(targets.logsTime)}, < 200 MB ${met(targets.logsRss)}`,
    );
    return { targets, ok: Object.values(targets).every(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const result = await runBundleBench({
    mib: arg('--mib') ? Number(arg('--mib')) : undefined,
    rounds: arg('--rounds') ? Number(arg('--rounds')) : undefined,
  });
  process.exitCode = result.ok ? 0 : 1;
}
