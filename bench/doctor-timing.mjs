// What the benches that time the doctor through the CLI share: one timed run and the median.

import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../bin/mcp-tunnel.cjs', import.meta.url));

/**
 * `mcp-tunnel doctor ARGS --json`, timed, with the loopback-only guard. Asynchronous: a lab whose
 * servers live in the calling process must answer while the doctor runs.
 */
export async function timedDoctor(args) {
  const started = performance.now();
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [BIN, 'doctor', ...args, '--json'], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, MCP_TUNNEL_LOOPBACK_ONLY: '1' },
    }));
  } catch (err) {
    if (!err.stdout) throw err;
    stdout = err.stdout;
  }
  return { ms: performance.now() - started, report: JSON.parse(stdout) };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
