// --offline opens no socket and makes no DNS query: proved with strace on the real process,
// for a healthy example, a broken one and a Helm one (hostname upstreams included).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, FIXTURES, runCli } from '../helpers/exec.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate('the --offline syscall test', programMissing('strace', ['-V']));

function traceNetwork(args: string[], env: Record<string, string>): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-strace-')), 'trace');
  const r = runCli(args, {
    env,
    under: ['strace', '-f', '-qq', '-e', 'trace=socket,connect,sendto,sendmsg,bind', '-o', out],
  });
  expect([0, 1]).toContain(r.code);
  const calls = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => /\b(socket|connect|sendto|sendmsg|bind)\(/.test(l));
  return calls.filter((l) => !/AF_UNIX|AF_LOCAL/.test(l));
}

describe('--offline makes no network calls', () => {
  it.skipIf(gate.skip)('the trace does see sockets when the doctor does go live (loopback only)', () => {
    gate.assert();
    const network = traceNetwork(
      [
        'doctor',
        '--json',
        '--dir',
        join(FIXTURES, 'compose-healthy'),
        '--edge',
        '127.0.0.1:9',
        '--dns-server',
        '127.0.0.1:9',
        '--proxy',
        'ws://127.0.0.1:9/',
        '--timeout',
        '300',
      ],
      cleanEnv({ MCP_TUNNEL_LOOPBACK_ONLY: '1' }),
    );
    expect(network.some((l) => /AF_INET/.test(l))).toBe(true);
    expect(network.filter((l) => /connect\(/.test(l) && /inet_addr\("(?!127\.)/.test(l))).toEqual([]);
  });

  it.skipIf(gate.skip).each(['compose-healthy', 'broken-public-upstream', 'helm-healthy', 'compose-gateway-healthy'])(
    '%s: no inet socket, no connect, no sendto',
    (name) => {
      gate.assert();
      expect(traceNetwork(['doctor', '--offline', '--json', '--dir', join(FIXTURES, name)], cleanEnv())).toEqual([]);
    },
  );
});
