// Probe planning on the real process, proved with strace: without --offline, a selection of
// static checks opens no inet socket and sends no DNS query, on a deployment whose proxy config
// has a listen_addr and routes (so a full run does probe); and a selection of edge checks never
// connects to the proxy listener.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import { isLiveCheck } from '../../src/core/check.js';
import type { DoctorReport } from '../../src/core/types.js';
import { BIN, cleanEnv, FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { freePort } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate('probe planning under strace', programMissing('strace', ['-V']));
const DIR = join(FIXTURES, 'compose-healthy');
/** listen_addr ":8080" of compose-healthy's proxy config: what a proxy probe would dial. */
const LISTENER_PORT = 8080;

function trace(args: string[]): { calls: string[]; report: DoctorReport } {
  const out = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-plan-')), 'trace');
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=socket,connect,sendto,sendmsg,bind',
      '-o',
      out,
      process.execPath,
      BIN,
      'doctor',
      '--json',
      ...args,
    ],
    { env: cleanEnv(), encoding: 'utf8', timeout: 60000 },
  );
  expect([0, 1], r.stderr).toContain(r.status);
  const calls = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => /\b(socket|connect|sendto|sendmsg|bind)\(/.test(l) && !/AF_UNIX|AF_LOCAL/.test(l));
  return { calls, report: JSON.parse(r.stdout) as DoctorReport };
}

const staticIds = CHECKS.filter((c) => !isLiveCheck(c)).map((c) => c.id);
/** Checks whose only live fact is the edge's (edge-udp today; edge-dns and edge-tcp once they declare it). */
const edgeOnlyIds = CHECKS.filter((c) => {
  const live = [...c.requires, ...c.uses].filter((k) => k.startsWith('live.'));
  return live.length > 0 && live.every((k) => k === 'live.edge');
}).map((c) => c.id);

describe.skipIf(gate.skip)('probe planning: only the probes the selected checks need', () => {
  it.each([
    ['tunnel-token', ['tunnel-token']],
    ['every static check', staticIds],
  ])(
    '--only %s without --offline: no inet socket, no DNS query',
    (_, ids) => {
      gate.assert();
      expect(ids.length).toBeGreaterThan(0);
      const { calls, report } = trace(['--dir', DIR, '--only', ids.join(',')]);
      expect(calls).toEqual([]);
      const judged = report.results.filter((r) => ids.includes(r.id));
      expect(judged.map((r) => r.id)).toEqual(ids);
      expect(judged.some((r) => r.status === 'pass')).toBe(true);
    },
    60000,
  );

  it('the same deployment with every check selected does probe (the trace is not vacuous)', () => {
    gate.assert();
    const { calls } = trace(['--dir', DIR, '--edge', '127.0.0.1:9', '--dns-server', '127.0.0.1:9', '--timeout', '300']);
    expect(calls.some((l) => /AF_INET/.test(l))).toBe(true);
    expect(calls.some((l) => /connect\(/.test(l) && l.includes(`htons(${LISTENER_PORT})`))).toBe(true);
  }, 60000);

  it('--only with the edge checks: the edge is probed, the proxy listener is not', async () => {
    gate.assert();
    expect(edgeOnlyIds).toContain('edge-udp');
    const port = await freePort();
    const { calls, report } = trace([
      '--dir',
      DIR,
      '--only',
      edgeOnlyIds.join(','),
      '--edge',
      `127.0.0.1:${port}`,
      '--dns-server',
      `127.0.0.1:${port}`,
      '--timeout',
      '300',
    ]);
    expect(calls.some((l) => /connect\(|sendto\(/.test(l) && l.includes(`htons(${port})`))).toBe(true);
    expect(calls.filter((l) => l.includes(`htons(${LISTENER_PORT})`))).toEqual([]);
    expect(calls.filter((l) => l.includes('htons(53)'))).toEqual([]);
    expect(report.results.find((r) => r.id === 'edge-udp')?.status).not.toBe('skip');
  }, 60000);
});

describe('network inputs are checked before any probe, whatever the plan', () => {
  it.each([
    [['--edge', '127.0.0.1:70000'], {}, '--edge 127.0.0.1:70000: invalid port'],
    [['--proxy', 'wss://127.0.0.1:9/'], {}, '--proxy wss://127.0.0.1:9/: expected ws://host:port[/path]'],
    [
      [],
      { MCP_TUNNEL_EDGE_CA: '/nonexistent/edge-ca.pem' },
      'MCP_TUNNEL_EDGE_CA /nonexistent/edge-ca.pem: no such file',
    ],
  ])('%j %j: exit 2, "%s"', async (args, env, message) => {
    const r = await runInProcess(['doctor', '--dir', DIR, '--only', 'tunnel-token', ...args], { env: cleanEnv(env) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
