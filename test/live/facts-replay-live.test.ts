// A replay of a live run against the whole lab (Caddy as the edge, dnsmasq, the reference proxy,
// the upstreams and the fake vendor API; loopback only) gives the live run's report.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { cleanEnv } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { withoutDurations } from '../helpers/without-durations.js';
import { startFullLab, type FullLab } from '../lab/full-lab.js';
import { stopAll } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate(
  'replaying a live lab run',
  programMissing('caddy', ['version']),
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);

describe.skipIf(gate.skip)('doctor --facts replays a live lab run', () => {
  let lab: FullLab;
  beforeAll(async () => {
    lab = await startFullLab({ timeoutMs: 2000, budgetMs: 6000 });
  }, 60000);
  afterAll(async () => {
    await lab?.stop();
    await stopAll();
  });

  it('the same results, statuses, findings and verdict; the API key is not in the file', async () => {
    gate.assert();
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-lab-facts-')), 'facts.json');
    const env = cleanEnv({ ANTHROPIC_API_KEY: lab.net.apiKey!, MCP_TUNNEL_EDGE_CA: lab.edgeCerts.caFile });
    const live = await runInProcess(['doctor', ...lab.cliArgs, '--json', '--save-facts', file], { env });
    const liveReport = JSON.parse(live.stdout) as DoctorReport;
    for (const id of ['edge-dns', 'edge-tcp', 'edge-udp', 'inner-tls', 'listener-protocol', 'upstream-reachable']) {
      expect(liveReport.results.find((r) => r.id === id)?.status, id).toBe('pass');
    }
    // Replayed with the lab stopped: nothing is probed, and nothing would answer.
    await lab.stop();
    const replay = await runInProcess(['doctor', '--json', '--facts', file], { env: cleanEnv() });
    expect(replay.code).toBe(live.code);
    expect(withoutDurations(JSON.parse(replay.stdout) as DoctorReport)).toEqual(withoutDurations(liveReport));
    expect(readFileSync(file, 'utf8')).not.toContain(lab.net.apiKey!);
  }, 60000);
});
