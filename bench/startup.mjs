// Start-up benchmark: `mcp-tunnel --version` and `doctor --offline` on the healthy example,
// each against `node -e 0` measured in the same run, interleaved so machine noise hits both.

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'mcp-tunnel.cjs');
const healthy = join(root, 'fixtures', 'deployments', 'compose-healthy');
const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

function timeOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function runStartupBench(rounds = 25) {
  const cases = {
    baseline: ['-e', '0'],
    version: [bin, '--version'],
    doctor: [bin, 'doctor', '--offline', '--dir', healthy, '--json'],
  };
  const times = { baseline: [], version: [], doctor: [] };
  for (const k of Object.keys(cases)) timeOnce(cases[k]); // warm the file cache
  for (let i = 0; i < rounds; i++) for (const k of Object.keys(cases)) times[k].push(timeOnce(cases[k]));
  const base = median(times.baseline);
  const rows = [
    ['node -e 0 (baseline)', base, 1, null],
    ['mcp-tunnel --version', median(times.version), median(times.version) / base, 1.3],
    ['mcp-tunnel doctor --offline (healthy example)', median(times.doctor), median(times.doctor) / base, 3],
  ];
  console.log(`start-up (median of ${rounds} runs each, interleaved)`);
  for (const [name, ms, ratio, target] of rows) {
    const verdict =
      target === null ? '' : ratio <= target ? `  target <= ${target}: met` : `  target <= ${target}: NOT MET`;
    console.log(`  ${name.padEnd(48)} ${ms.toFixed(1).padStart(7)} ms  x${ratio.toFixed(2)}${verdict}`);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) runStartupBench();
