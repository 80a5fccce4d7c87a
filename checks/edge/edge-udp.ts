// edge-udp: UDP 7844 reaches a QUIC stack at the edge (a Version Negotiation answer to a probe
// with a reserved version). Dropped UDP with working TCP is degraded, not dead: a warning.

import { finding, judge, skip, type Check } from '../../src/core/check.js';
import type { EdgeTarget } from '../../src/core/live-facts.js';
import { liveSkip } from '../../src/core/live.js';
import type { Finding } from '../../src/core/types.js';

const ID = 'edge-udp';

function describe(t: EdgeTarget): string {
  return `${t.label} ${t.family === 6 ? `[${t.address}]` : t.address}:${t.port}`;
}

const MESSAGE: Record<string, string> = { timeout: 'udp-dropped', refused: 'udp-refused', 'unexpected-answer': 'udp-not-quic', unreachable: 'udp-unreachable' };

export const check: Check = {
  id: ID,
  layer: 'edge',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const edge = facts.live.edge;
    if (!edge) return skip(facts.live.edgeSkipped ?? 'the edge was not probed');
    if (edge.targets.length === 0) return skip('no edge address to probe: edge discovery found none (see edge-dns)');
    const guarded = edge.targets.find((t) => t.udp.failure === 'guard');
    if (guarded) return skip(guarded.udp.detail ?? 'refused by loopback-only guard');
    const tcpOk = edge.targets.some((t) => t.tcp.ok);
    const udpOk = edge.targets.some((t) => t.udp.ok);
    // Degraded when another address or TCP still carries the tunnel; dead when nothing does.
    const severity = udpOk || tcpOk ? 'warn' : 'error';
    const out: Finding[] = [];
    for (const t of edge.targets.filter((x) => !x.udp.ok)) {
      const kind = t.udp.failure ?? 'error';
      out.push(finding(ID, {
        messageId: MESSAGE[kind] ?? 'udp-failed',
        severity,
        symptom: !udpOk && tcpOk ? 'Degraded: cloudflared will fall back to HTTP/2 (QUIC over UDP 7844 does not get through).' : undefined,
        cause: `${t.udp.detail ?? kind} (${describe(t)}).${!udpOk && tcpOk ? ' TCP 7844 works, so the tunnel runs over HTTP/2.' : !tcpOk && !udpOk ? ' TCP 7844 fails too: the tunnel cannot connect at all.' : ''}`,
        evidence: { target: describe(t), failure: kind, latencyMs: t.udp.latencyMs, tcpWorks: tcpOk },
      }));
    }
    if (udpOk) {
      const perRegion = Object.fromEntries(edge.targets.filter((t) => t.udp.ok).map((t) => [describe(t), { latencyMs: t.udp.latencyMs, versions: t.udp.versions }]));
      out.push(finding(ID, { messageId: 'quic-reachable', severity: 'info', symptom: 'UDP 7844 reaches a QUIC endpoint.', cause: 'A Version Negotiation answer came back; latency per region in the evidence.', fix: 'Nothing to do.', evidence: { perRegion } }));
    }
    return judge(out);
  },
};
