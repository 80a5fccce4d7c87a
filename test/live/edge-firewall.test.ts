// A real firewall in front of the edge: each case runs the whole lab and the probes inside a
// fresh network namespace (unshare --net), with the edge stand-in (Caddy) on port 7844 and
// iptables DROP or REJECT rules on that port. Needs root, iptables, caddy and dnsmasq.

import { describe, expect, it } from 'vitest';
import { check as edgeDns } from '../../checks/edge/edge-dns.js';
import { check as edgeTcp } from '../../checks/edge/edge-tcp.js';
import { check as edgeUdp } from '../../checks/edge/edge-udp.js';
import type { CheckResult } from '../../src/core/types.js';
import { runInNetns, RULES } from '../lab/netns.js';
import { labGate, netnsMissing, programMissing } from '../lab/programs.js';

const gate = labGate(
  'firewall cases in a network namespace',
  netnsMissing(),
  programMissing('caddy', ['version']),
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);
const TIMEOUT = 1000;

function result(results: CheckResult[] | undefined, id: string): CheckResult {
  const r = results?.find((x) => x.id === id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}

function problems(r: CheckResult): string[] {
  return r.findings.filter((f) => f.severity !== 'info').map((f) => f.messageId);
}

describe.skipIf(gate.skip)('edge behind a firewall (network namespace)', () => {
  it('UDP 7844 dropped, TCP fine: edge-udp warns (degraded, HTTP/2 fallback), edge-tcp passes', async () => {
    gate.assert();
    const r = await runInNetns({ rules: RULES.dropUdp, timeoutMs: TIMEOUT, budgetMs: TIMEOUT * 3 });
    expect(result(r.results, edgeDns.id).status).toBe('pass');
    expect(result(r.results, edgeTcp.id).status).toBe('pass');
    const udp = result(r.results, edgeUdp.id);
    expect(udp.status).toBe('warn');
    expect(problems(udp)).toEqual(['udp-dropped', 'udp-dropped']);
    expect(udp.findings[0]?.symptom).toMatch(/degraded: cloudflared will fall back to HTTP\/2/i);
    expect(r.live?.edge?.targets.every((t) => t.udp.failure === 'timeout' && t.udp.latencyMs >= TIMEOUT - 10)).toBe(
      true,
    );
  }, 60000);

  it('TCP 7844 dropped, UDP fine: edge-tcp fails with timeouts, edge-udp passes', async () => {
    gate.assert();
    const r = await runInNetns({ rules: RULES.dropTcp, timeoutMs: TIMEOUT, budgetMs: TIMEOUT * 3 });
    const tcp = result(r.results, edgeTcp.id);
    expect(tcp.status).toBe('fail');
    expect(problems(tcp)).toEqual(['tcp-timeout', 'tcp-timeout']);
    expect(result(r.results, edgeUdp.id).status).toBe('pass');
  }, 60000);

  it('both dropped: edge-tcp and edge-udp fail, and the run still takes about one timeout', async () => {
    gate.assert();
    const r = await runInNetns({
      rules: [...RULES.dropUdp, ...RULES.dropTcp],
      timeoutMs: TIMEOUT,
      budgetMs: TIMEOUT * 3,
    });
    expect(result(r.results, edgeTcp.id).status).toBe('fail');
    const udp = result(r.results, edgeUdp.id);
    expect(udp.status).toBe('fail');
    expect(problems(udp)).toEqual(['udp-dropped', 'udp-dropped']);
    // Four transport probes of TIMEOUT each, overlapped: far less than their sum.
    expect(r.wallMs).toBeLessThan(TIMEOUT * 2.5);
    // The layers after the edge are still judged (the edge failing hides nothing).
    expect(result(r.results, 'inner-tls').status).toBe('pass');
    expect(result(r.results, 'upstream-reachable').status).toBe('pass');
  }, 60000);

  it('REJECT rules: TCP reset and ICMP port unreachable are named as refused', async () => {
    gate.assert();
    const r = await runInNetns({
      rules: [...RULES.rejectUdp, ...RULES.rejectTcp],
      timeoutMs: TIMEOUT,
      budgetMs: TIMEOUT * 3,
    });
    expect(problems(result(r.results, edgeTcp.id))).toEqual(['tcp-refused', 'tcp-refused']);
    expect(problems(result(r.results, edgeUdp.id))).toEqual(['udp-refused', 'udp-refused']);
    // Refusals come back at once, not after the timeout.
    expect(r.live?.edge?.targets.every((t) => t.tcp.latencyMs < TIMEOUT / 2 && t.udp.latencyMs < TIMEOUT / 2)).toBe(
      true,
    );
  }, 60000);
});
