// With MCP_TUNNEL_LOOPBACK_ONLY=1 the guard stands before any name resolution: with an API key
// set, the CA-registration probe once looked api.anthropic.com up through the system resolver
// (a DNS query off the machine) before refusing the address. Proved with strace on the real
// process: no connect or send to an address outside loopback, and nothing to port 53 at all
// (the system resolver), even when the system resolver is itself on loopback.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { cleanEnv, FIXTURES, runCli } from '../helpers/exec.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate('the loopback guard under strace', programMissing('strace', ['-V']));

describe.skipIf(gate.skip)('loopback-only guard: no query leaves the machine', () => {
  it('a live run with an API key and the default API URL: no inet traffic off loopback, no DNS query', () => {
    gate.assert();
    const out = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-guard-')), 'trace');
    const args = [
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
      '500',
    ];
    const env = cleanEnv({ ANTHROPIC_API_KEY: 'sk-ant-guard-test-000000000000000000' });
    const r = runCli(args, { env, under: ['strace', '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', out] });
    expect([0, 1]).toContain(r.code);
    const inet = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => /AF_INET6?\b/.test(l));
    // The trace does see the run's loopback traffic (the test would pass vacuously otherwise).
    expect(inet.some((l) => /inet_addr\("127\.0\.0\.1"\)/.test(l))).toBe(true);
    expect(inet.filter((l) => /inet_addr\("(?!127\.)/.test(l) || /inet_pton\(AF_INET6, "(?!::1")/.test(l))).toEqual([]);
    expect(inet.filter((l) => /htons\(53\)/.test(l))).toEqual([]);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(JSON.stringify(report.results.find((x) => x.id === 'ca-registration'))).toMatch(/loopback-only guard/);
  }, 60000);
});
