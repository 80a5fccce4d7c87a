// `npm run bench` (or `node bench/mcp-oauth.mjs`): what speaking MCP and OAuth to the routes costs.
// The healthy MCP + OAuth lab (the SDK's MCP server behind its bearer auth, oidc-provider for split
// discovery, on 127.0.0.1); the doctor through the CLI on the routing and OAuth layers against the
// same run without them (--skip oauth, and the MCP handshake check when the build has one),
// interleaved, in the same invocation. They must add at most 300 ms.
// MCP_TUNNEL_LOOPBACK_ONLY=1 guards every probe.

import { register } from 'node:module';
import { performance } from 'node:perf_hooks';
import { median, timedDoctor as doctor } from './doctor-timing.mjs';

const ROUNDS = 5;
const LIMIT_MS = 300;
const HANDSHAKE_CHECK = 'mcp-handshake';

const fmt = (ms) => `${Math.round(ms)} ms`;

export async function runMcpOauthBench() {
  register('../test/lab/ts-hooks.mjs', import.meta.url);
  const { startMcpOauthLab } = await import('../test/lab/mcp/lab.ts');
  const { removeLabDirs } = await import('../test/lab/certs.ts');
  console.log('doctor speaking MCP and OAuth to the routes (the healthy MCP + OAuth lab, loopback only)');
  const started = performance.now();
  const lab = await startMcpOauthLab('healthy');
  console.log(
    `  lab start          ${fmt(performance.now() - started).padStart(8)}  (MCP server, oidc-provider, deployment)`,
  );
  try {
    const first = await doctor(lab.cliArgs); // also warms the file cache and the code cache
    const hasHandshake = first.report.results.some((r) => r.id === HANDSHAKE_CHECK);
    const without = [...lab.cliArgs, '--skip', hasHandshake ? `${HANDSHAKE_CHECK},oauth` : 'oauth'];
    await doctor(without);
    const times = { with: [], without: [] };
    let last;
    for (let i = 0; i < ROUNDS; i++) {
      times.without.push((await doctor(without)).ms);
      last = await doctor(lab.cliArgs);
      times.with.push(last.ms);
    }
    const base = median(times.without);
    const full = median(times.with);
    const added = full - base;
    const judged = last.report.results.filter((r) => r.layer === 'oauth' || r.id === HANDSHAKE_CHECK);
    console.log(`  without MCP/OAuth  ${fmt(base).padStart(8)}  (baseline: --skip ${without.at(-1)})`);
    console.log(
      `  with MCP/OAuth     ${fmt(full).padStart(8)}  x${(full / base).toFixed(2)}  ` +
        `(${judged.map((r) => `${r.id} ${r.status}`).join(', ')}; medians of ${ROUNDS})`,
    );
    const ok = added <= LIMIT_MS;
    console.log(`  added              ${fmt(added).padStart(8)}  (limit ${fmt(LIMIT_MS)} ${ok ? 'met' : 'EXCEEDED'})`);
    if (!ok) throw new Error(`speaking MCP and OAuth added ${fmt(added)} to a live run, over ${fmt(LIMIT_MS)}`);
  } finally {
    await lab.stop();
    removeLabDirs();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMcpOauthBench().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
