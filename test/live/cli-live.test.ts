// The built CLI, live, against the whole lab (loopback only): a healthy run passes every live
// check with exit 0; inside a network namespace with UDP and TCP 7844 dropped, the CLI names the
// edge as the first failing layer and still reaches the inner TLS (a failing layer hides nothing).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { cleanEnv, startCli } from '../helpers/exec.js';
import { startFullLab, type FullLab } from '../lab/full-lab.js';
import { runInNetns, RULES } from '../lab/netns.js';
import { stopAll } from '../lab/processes.js';
import { labGate, netnsMissing, programMissing } from '../lab/programs.js';

const gate = labGate(
  'the live CLI against the lab',
  programMissing('caddy', ['version']),
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);
const nsGate = labGate(
  'the live CLI in a network namespace',
  netnsMissing(),
  programMissing('caddy', ['version']),
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);
const LIVE = ['edge-dns', 'edge-tcp', 'edge-udp', 'inner-tls', 'listener-protocol', 'upstream-reachable'];

describe.skipIf(gate.skip)('mcp-tunnel doctor, live, against the lab', () => {
  let lab: FullLab;
  beforeAll(async () => {
    lab = await startFullLab({ timeoutMs: 2000, budgetMs: 6000 });
  }, 60000);
  afterAll(async () => {
    await lab?.stop();
    await stopAll();
  });

  it('a healthy lab: every live check passes, exit 0, and the API key is never printed', async () => {
    gate.assert();
    const apiKey = lab.net.apiKey ?? '';
    expect(apiKey).not.toBe('');
    const env = cleanEnv({ ANTHROPIC_API_KEY: apiKey, MCP_TUNNEL_EDGE_CA: lab.edgeCerts.caFile });
    // Asynchronously: the lab's servers run in this process and must keep answering.
    const { code, stdout, stderr } = await startCli(['doctor', ...lab.cliArgs, '--json'], { env, timeout: 30000 });
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    for (const id of LIVE) expect(report.results.find((r) => r.id === id)?.status, id).toBe('pass');
    expect(report.results.find((r) => r.id === 'ca-registration')?.findings.map((f) => f.messageId)).toContain(
      'registered',
    );
    expect(report.summary.fail).toBe(0);
    expect(stdout + stderr).not.toContain(apiKey);
  }, 60000);
});

describe.skipIf(nsGate.skip)('mcp-tunnel doctor, live, edge dropped by a firewall', () => {
  it('UDP and TCP 7844 dropped: the verdict names the edge, the inner TLS is still proved', async () => {
    nsGate.assert();
    const r = await runInNetns({
      rules: [...RULES.dropUdp, ...RULES.dropTcp],
      timeoutMs: 2000,
      budgetMs: 6000,
      cli: [],
    });
    expect(r.mode).toBe('cli');
    const report = r.report as DoctorReport;
    expect(report.verdict).toMatchObject({ status: 'fail', layer: 'edge', id: 'edge-tcp' });
    expect(report.results.find((x) => x.id === 'edge-udp')?.status).toBe('fail');
    expect(report.results.find((x) => x.id === 'inner-tls')?.status).toBe('pass');
    expect(r.exitCode).toBe(1);
  }, 60000);
});
