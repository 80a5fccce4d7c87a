// `npm run bench` (or `node bench/live.mjs`): the live doctor against the lab, on loopback only.
//   1. offline: the doctor with --offline on the lab's deployment (no socket at all), for reference;
//   2. healthy: a full live run against the lab (Caddy edge found through dnsmasq, reference proxy,
//      upstreams with the OAuth documents, fake vendor API);
//   3. edge dropped: the same lab inside a network namespace with iptables dropping UDP and TCP
//      7844 and --timeout 2000; its wall time must stay under 3 s (the probes overlap).
// Each run goes through the CLI when it runs live probes, else through gatherLiveFacts and the
// runner directly (the same code the CLI calls). MCP_TUNNEL_LOOPBACK_ONLY=1 guards every probe.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { register } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const TIMEOUT = 2000;
const LIMIT_MS = 3000;
const BIN = fileURLToPath(new URL('../bin/mcp-tunnel.cjs', import.meta.url));

function fmt(ms) {
  return `${Math.round(ms)} ms`;
}

function summary(results) {
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] ?? 0) + 1;
  return Object.entries(by)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

function statusOf(results, ids) {
  return ids.map((id) => `${id}=${results.find((r) => r.id === id)?.status ?? '?'}`).join(' ');
}

/** Run the built CLI, asynchronously: the lab's servers live in this process and must keep answering. */
async function runCli(args, env) {
  const started = performance.now();
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [BIN, 'doctor', ...args, '--json'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30000,
    }));
  } catch (err) {
    if (!err.stdout) return null;
    stdout = err.stdout;
  }
  return { wallMs: performance.now() - started, report: JSON.parse(stdout) };
}

export async function runLiveBench() {
  process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
  register('../test/lab/ts-hooks.mjs', import.meta.url);
  const { labGate, netnsMissing, programMissing } = await import('../test/lab/programs.ts');
  const gate = labGate(
    'the live bench',
    programMissing('caddy', ['version']),
    programMissing('dnsmasq'),
    programMissing('openssl', ['version']),
  );
  console.log('live doctor against the lab (loopback only)');
  if (gate.reasons.length > 0) {
    console.log(`  skipped: ${gate.reasons.join('; ')}`);
    if (process.env.CI) throw new Error('the live bench needs caddy, dnsmasq and openssl in CI');
    return;
  }
  const { startFullLab } = await import('../test/lab/full-lab.ts');
  const { stopAll } = await import('../test/lab/processes.ts');
  const { gatherLiveFacts } = await import('../src/probes/live.ts');
  const { runChecks } = await import('../src/core/runner.ts');
  const { CHECKS } = await import('../checks/index.ts');
  const { runInNetns, RULES } = await import('../test/lab/netns.ts');

  const lab = await startFullLab({ timeoutMs: TIMEOUT, budgetMs: TIMEOUT * 3 });
  let viaCli = false;
  try {
    const env = { ANTHROPIC_API_KEY: lab.net.apiKey, MCP_TUNNEL_EDGE_CA: lab.edgeCerts.caFile };
    const offline = await runCli(['--dir', lab.dir, '--offline'], env);
    if (offline)
      console.log(
        `  offline        ${fmt(offline.wallMs).padStart(8)}  (CLI, --offline: ${summary(offline.report.results)})`,
      );

    const cliLive = await runCli(lab.cliArgs, env);
    viaCli = !!cliLive && cliLive.report.results.find((r) => r.id === 'edge-tcp')?.status !== 'skip';
    let healthyResults;
    let healthyMs;
    let note;
    if (viaCli) {
      healthyResults = cliLive.report.results;
      healthyMs = cliLive.wallMs;
      note = 'CLI';
    } else {
      const started = performance.now();
      const live = await gatherLiveFacts(lab.facts, lab.net);
      healthyResults = runChecks(CHECKS, { ...lab.facts, live }, { only: [], skip: [] });
      healthyMs = performance.now() - started;
      const slowest = Math.max(...live.probes.map((p) => p.durationMs));
      note = `probes + checks; ${live.probes.length} probes, slowest ${fmt(slowest)}`;
    }
    console.log(
      `  healthy live   ${fmt(healthyMs).padStart(8)}  (${note}: ${statusOf(healthyResults, ['edge-dns', 'edge-tcp', 'edge-udp', 'inner-tls', 'listener-protocol', 'upstream-reachable'])})`,
    );
  } finally {
    await lab.stop();
    await stopAll();
  }

  const missingNs = netnsMissing();
  if (missingNs) {
    console.log(`  edge dropped   skipped: ${missingNs}`);
    if (process.env.CI) throw new Error(`the dropped-edge bench needs root and iptables in CI: ${missingNs}`);
    return;
  }
  const started = performance.now();
  const r = await runInNetns({
    rules: [...RULES.dropUdp, ...RULES.dropTcp],
    timeoutMs: TIMEOUT,
    budgetMs: TIMEOUT * 3,
    cli: viaCli ? [] : undefined,
  });
  const total = performance.now() - started;
  const results = r.mode === 'cli' ? r.report.results : r.results;
  const ok = r.wallMs < LIMIT_MS;
  console.log(
    `  edge dropped   ${fmt(r.wallMs).padStart(8)}  (${r.mode === 'cli' ? 'CLI' : 'probes + checks'}, --timeout ${TIMEOUT}, UDP+TCP 7844 dropped in a netns: ${statusOf(results, ['edge-tcp', 'edge-udp', 'inner-tls'])}; limit ${fmt(LIMIT_MS)} ${ok ? 'met' : 'EXCEEDED'}; lab set-up included: ${fmt(total)})`,
  );
  if (!ok) throw new Error(`live doctor with the edge dropped took ${fmt(r.wallMs)}, over ${fmt(LIMIT_MS)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runLiveBench().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
