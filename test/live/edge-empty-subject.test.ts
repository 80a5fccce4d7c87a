// An edge certificate with an empty subject (leaves of Caddy's internal CA are like that) once
// ended a live run with a TypeError thrown inside the TLS callback, and no report at all. The
// built CLI, live against Caddy serving such a leaf, must print a full report.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { probeEdgeTcpTls } from '../../src/probes/edge-tcp-tls.js';
import { cleanEnv, FIXTURES, startCli } from '../helpers/exec.js';
import { startCaddyEdge, type CaddyEdge } from '../lab/caddy.js';
import { makeEdgeCerts, type EdgeCerts } from '../lab/certs.js';
import { stopAll } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';

const gate = labGate(
  'an edge with an empty-subject certificate',
  programMissing('caddy', ['version']),
  programMissing('openssl', ['version']),
);

describe.skipIf(gate.skip)('edge certificate with an empty subject (Caddy)', () => {
  let certs: EdgeCerts;
  let edge: CaddyEdge;
  beforeAll(async () => {
    if (gate.reasons.length > 0) return;
    certs = makeEdgeCerts('Empty Subject Lab', { emptySubject: true });
    edge = await startCaddyEdge({ certFile: certs.certFile, keyFile: certs.keyFile });
  }, 60000);
  afterAll(async () => {
    await edge?.stop();
    await stopAll();
  });

  it('the lab leaf really has no subject', () => {
    gate.assert();
    expect(new X509Certificate(readFileSync(certs.certFile)).subject).toBeUndefined();
  });

  it('the edge TLS probe settles with the certificate described (no throw)', async () => {
    gate.assert();
    const r = await probeEdgeTcpTls(edge.host, edge.port, 3000, undefined, { edgeCaPems: [certs.caPem] });
    expect(r).toMatchObject({ ok: true, acceptedBy: 'edge-ca' });
    expect(r.certificate?.subject).toBe('');
    expect(r.certificate?.sanDns).toContain('h2.cftunnel.com');
  });

  it('a live doctor run prints a full JSON report, edge-tcp judged', async () => {
    gate.assert();
    const env = cleanEnv({ MCP_TUNNEL_EDGE_CA: certs.caFile });
    const args = [
      'doctor',
      '--json',
      '--dir',
      join(FIXTURES, 'compose-healthy'),
      '--edge',
      `${edge.host}:${edge.port}`,
      '--dns-server',
      '127.0.0.1:9',
      '--timeout',
      '1500',
    ];
    // Asynchronously: Caddy runs beside this process, and a failing run must still be read.
    const r = await startCli(args, { env, timeout: 30000 });
    expect(r.stderr).not.toMatch(/TypeError|internal error/);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.results.length).toBeGreaterThan(20);
    expect(report.results.find((x) => x.id === 'edge-tcp')?.status).toBe('pass');
  }, 60000);
});
