// Runs inside a fresh network namespace (started by netns.ts): brings up the whole lab with the
// edge stand-in on the real port 7844, applies the scenario's iptables rules, runs the live
// probes and the checks, and prints one JSON line. Nothing here can reach outside the namespace.

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CHECKS } from '../../checks/index.js';
import { runChecks } from '../../src/core/runner.js';
import { gatherLiveFacts } from '../../src/probes/live.js';
import { startFullLab } from './full-lab.js';
import { stopAll } from './processes.js';
import { cleanEnv, startCli } from '../helpers/exec.js';

export const RESULT_MARK = '@@NETNS-RESULT@@';

interface Scenario {
  rules: string[][];
  timeoutMs: number;
  budgetMs: number;
  /** Run the CLI (dist) with these extra arguments instead of calling the probes directly. */
  cli?: string[];
}

const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario;
process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const lab = await startFullLab({ edgePort: 7844, timeoutMs: scenario.timeoutMs, budgetMs: scenario.budgetMs });
try {
  for (const rule of scenario.rules) execFileSync('iptables', rule, { stdio: 'pipe' });
  const started = performance.now();
  let out: Record<string, unknown>;
  if (scenario.cli) {
    // Asynchronously: the lab's servers run in this process and must keep answering.
    const r = await startCli(['doctor', ...lab.cliArgs, ...scenario.cli, '--json'], {
      env: cleanEnv({ ANTHROPIC_API_KEY: lab.net.apiKey ?? '', MCP_TUNNEL_EDGE_CA: lab.edgeCerts.caFile }),
      timeout: 30000,
    });
    const stdout = r.stdout;
    const exitCode = r.code ?? -1;
    out = { mode: 'cli', exitCode, report: JSON.parse(stdout || 'null'), wallMs: performance.now() - started };
  } else {
    const live = await gatherLiveFacts(lab.facts, lab.net);
    const results = runChecks(CHECKS, { ...lab.facts, live }, { only: [], skip: [] });
    out = { mode: 'direct', live, results, wallMs: performance.now() - started };
  }
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(out)}\n`);
} finally {
  await lab.stop();
  await stopAll();
}
