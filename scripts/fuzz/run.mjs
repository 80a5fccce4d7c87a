// `npm run fuzz`: feeds every loader at least 100,000 generated inputs (scripts/fuzz/loaders.mjs)
// on the build (dist/), each timed. One child process per loader, one after the other (one core),
// with a capped heap, so its peak RSS is the loader's own. Prints per loader the inputs, crashes
// (any throw), hangs (an input over 2 s), the slowest input and the peak RSS; exits 1 on any
// crash, hang or RSS of 200 MB or more.
//
//   node scripts/fuzz/run.mjs [--count N] [--seed S] [--only NAME]
//   FUZZ_LAST=/tmp/last node scripts/fuzz/run.mjs --only 'proxy YAML' --seed S   # a child that dies leaves its input there

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { defineLoaders } from './loaders.mjs';

const HANG_MS = 2000;
const RSS_LIMIT = 200 * 1024 * 1024;
const BATCH = 500;

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const count = Number(arg('--count', '100000'));
const seed = Number(arg('--seed', String(Date.now() % 1e9)));

async function implementations() {
  const dist = new URL('../../dist/src/', import.meta.url);
  const load = (path) => import(new URL(path, dist).href);
  const [yaml, proxy, compose, dotenv, cert, key, jwt, token, line, runner] = await Promise.all([
    load('model/yaml-document.js'),
    load('model/proxy-config.js'),
    load('model/compose.js'),
    load('model/dotenv.js'),
    load('probes/certificate-file.js'),
    load('probes/private-key-file.js'),
    load('model/jwt.js'),
    load('model/tunnel-token.js'),
    load('logs/line.js'),
    load('core/runner.js'),
  ]);
  return { ...yaml, ...proxy, ...compose, ...dotenv, ...cert, ...key, ...jwt, ...token, ...line, ...runner };
}

/** Child: run one loader over `count` inputs and print its numbers as one JSON line. */
async function fuzzOne(index) {
  const loader = defineLoaders(await implementations())[index];
  const out = {
    name: loader.name,
    count: 0,
    crashes: 0,
    hangs: 0,
    slowestMs: 0,
    slowestInput: '',
    firstCrash: null,
    peakRssBytes: 0,
    seed,
  };
  for (let batch = 0; out.count < count; batch++) {
    for (const input of fc.sample(loader.inputs, { numRuns: Math.min(BATCH, count - out.count), seed: seed + batch })) {
      // A child that dies (out of memory) reports nothing: FUZZ_LAST names a file that holds the input being run.
      if (process.env.FUZZ_LAST) writeFileSync(process.env.FUZZ_LAST, input);
      const started = performance.now();
      try {
        loader.run(input);
      } catch (err) {
        out.crashes++;
        out.firstCrash ??= {
          error: String(err?.stack ?? err)
            .split('\n')
            .slice(0, 4)
            .join(' | '),
          input: describe(input),
        };
      }
      const ms = performance.now() - started;
      if (ms > HANG_MS) out.hangs++;
      if (ms > out.slowestMs) {
        out.slowestMs = ms;
        out.slowestInput = describe(input);
      }
      out.count++;
    }
  }
  out.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function describe(input) {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  return `${text.length} ${Buffer.isBuffer(input) ? 'bytes' : 'chars'}: ${JSON.stringify(text.slice(0, 60))}`;
}

async function main() {
  const names = defineLoaders(await implementations()).map((l) => l.name);
  const only = arg('--only', null);
  const rows = [];
  console.log(`fuzz: ${count} inputs per loader, seed ${seed} (repeat with --seed ${seed})`);
  for (const [i, name] of names.entries()) {
    if (only && name !== only) continue;
    const r = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=150',
        '--single-threaded-gc',
        fileURLToPath(import.meta.url),
        '--child',
        String(i),
        '--count',
        String(count),
        '--seed',
        String(seed),
      ],
      {
        encoding: 'utf8',
        timeout: 30 * 60 * 1000,
        maxBuffer: 1024 * 1024,
        env: { ...process.env, MCP_TUNNEL_LOOPBACK_ONLY: '1' },
      },
    );
    const line = r.stdout.trim().split('\n').pop();
    const row =
      r.status === 0 && line
        ? JSON.parse(line)
        : {
            name,
            count: 0,
            crashes: 1,
            hangs: r.error ? 1 : 0,
            slowestMs: 0,
            peakRssBytes: 0,
            firstCrash: {
              error: `the child ended with ${r.error?.message ?? `status ${r.status} ${r.signal ?? ''}`}: ${r.stderr.slice(-400)}`,
            },
          };
    rows.push(row);
    const mb = (row.peakRssBytes / 2 ** 20).toFixed(0);
    console.log(
      `${row.name.padEnd(20)} inputs ${String(row.count).padStart(7)}  crashes ${row.crashes}  hangs ${row.hangs}  slowest ${row.slowestMs.toFixed(1).padStart(7)} ms  peak RSS ${mb.padStart(4)} MB`,
    );
    if (row.firstCrash) console.log(`  first crash: ${row.firstCrash.error}\n  input: ${row.firstCrash.input ?? '?'}`);
    if (row.slowestMs > HANG_MS) console.log(`  slowest input: ${row.slowestInput}`);
  }
  const bad = rows.filter((r) => r.crashes > 0 || r.hangs > 0 || r.peakRssBytes >= RSS_LIMIT);
  console.log(
    bad.length === 0
      ? 'fuzz: no crash, no hang, every loader under 200 MB'
      : `fuzz: FAILED for ${bad.map((r) => r.name).join(', ')}`,
  );
  process.exitCode = bad.length === 0 ? 0 : 1;
}

if (process.argv.includes('--child')) await fuzzOne(Number(arg('--child', '0')));
else await main();
