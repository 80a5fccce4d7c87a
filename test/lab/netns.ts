// Runs the lab and the doctor's probes inside a fresh network namespace (`unshare --net`), where
// iptables rules on port 7844 make dropped and rejected edges real without touching the host's
// firewall. The child is a plain node process importing the TypeScript sources through
// ts-register.mjs; it is killed with its whole process group on timeout.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../../src/core/types.js';
import type { LiveFacts } from '../../src/core/live-facts.js';

const REGISTER = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./netns-child.ts', import.meta.url));
const MARK = '@@NETNS-RESULT@@';

/** iptables rules (argument lists) for the edge port. */
export const RULES = {
  dropUdp: [['-A', 'INPUT', '-p', 'udp', '--dport', '7844', '-j', 'DROP']],
  dropTcp: [['-A', 'INPUT', '-p', 'tcp', '--dport', '7844', '-j', 'DROP']],
  rejectUdp: [
    ['-A', 'INPUT', '-p', 'udp', '--dport', '7844', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
  ],
  rejectTcp: [['-A', 'INPUT', '-p', 'tcp', '--dport', '7844', '-j', 'REJECT', '--reject-with', 'tcp-reset']],
};

export interface NetnsResult {
  mode: 'direct' | 'cli';
  wallMs: number;
  live?: LiveFacts;
  results?: CheckResult[];
  exitCode?: number;
  report?: { results: CheckResult[]; durationMs: number } | null;
}

export function runInNetns(
  scenario: { rules: string[][]; timeoutMs: number; budgetMs: number; cli?: string[] },
  killAfterMs = 45000,
): Promise<NetnsResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" --import "$1" "$2" "$3"',
        process.execPath,
        REGISTER,
        CHILD,
        JSON.stringify(scenario),
      ],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, MCP_TUNNEL_LOOPBACK_ONLY: '1' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)));
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, killAfterMs);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (!line)
        return reject(new Error(`netns run produced no result (exit ${code}):\n${stderr}\n${stdout.slice(-2000)}`));
      resolve(JSON.parse(line.slice(MARK.length)) as NetnsResult);
    });
  });
}
