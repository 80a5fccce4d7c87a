// --offline opens no socket and makes no DNS query: proved with strace on the real process,
// for a healthy example, a broken one and a Helm one (hostname upstreams included).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, FIXTURES } from '../helpers/exec.js';

const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
const haveStrace = strace.status === 0;
if (!haveStrace && !process.env.CI) console.warn('strace is not installed: the --offline syscall test is skipped (CI installs it)');

function traceNetwork(args: string[], env: Record<string, string>): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-strace-')), 'trace');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=socket,connect,sendto,sendmsg,bind', '-o', out, process.execPath, BIN, ...args], { env, encoding: 'utf8', timeout: 60000 });
  expect([0, 1]).toContain(r.status);
  const calls = readFileSync(out, 'utf8').split('\n').filter((l) => /\b(socket|connect|sendto|sendmsg|bind)\(/.test(l));
  return calls.filter((l) => !/AF_UNIX|AF_LOCAL/.test(l));
}

describe('--offline makes no network calls', () => {
  it.skipIf(!haveStrace && !process.env.CI)('the trace does see sockets when the doctor does go live (loopback only)', () => {
    expect(haveStrace, 'strace is required in CI').toBe(true);
    const network = traceNetwork(
      ['doctor', '--json', '--dir', join(FIXTURES, 'compose-healthy'), '--edge', '127.0.0.1:9', '--dns-server', '127.0.0.1:9', '--proxy', 'ws://127.0.0.1:9/', '--timeout', '300'],
      cleanEnv({ MCP_TUNNEL_LOOPBACK_ONLY: '1' }),
    );
    expect(network.some((l) => /AF_INET/.test(l))).toBe(true);
    expect(network.filter((l) => /connect\(/.test(l) && /inet_addr\("(?!127\.)/.test(l))).toEqual([]);
  });

  it.skipIf(!haveStrace && !process.env.CI).each(['compose-healthy', 'broken-public-upstream', 'helm-healthy', 'compose-gateway-healthy'])('%s: no inet socket, no connect, no sendto', (name) => {
    expect(haveStrace, 'strace is required in CI').toBe(true);
    expect(traceNetwork(['doctor', '--offline', '--json', '--dir', join(FIXTURES, name)], cleanEnv())).toEqual([]);
  });
});
