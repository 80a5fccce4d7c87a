// edge-tcp: TCP 7844 to every probed edge address connects and completes TLS (server name
// h2.cftunnel.com) with a certificate from an issuer the edge uses. Latency per region.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { ConnectFailureKind, EdgeTarget } from '../../src/core/live-facts.js';
import { liveSkip } from '../../src/core/live.js';
import type { Finding } from '../../src/core/types.js';

const ID = 'edge-tcp';

const TEXT: Partial<Record<ConnectFailureKind, { messageId: string; cause: string; fix: string }>> = {
  refused: { messageId: 'tcp-refused', cause: 'The connection to {t} was refused: a firewall rejects outbound TCP 7844 (or nothing listens there).', fix: 'Allow outbound TCP 7844 to the edge ranges (198.41.192.0/24, 198.41.200.0/24, or the regional ones).' },
  timeout: { messageId: 'tcp-timeout', cause: 'TCP to {t} got no answer: outbound TCP 7844 is dropped.', fix: 'Allow outbound TCP 7844 to the edge ranges (198.41.192.0/24, 198.41.200.0/24, or the regional ones).' },
  reset: { messageId: 'tcp-reset', cause: 'The connection to {t} was reset: a firewall or proxy kills TCP 7844 sessions.', fix: 'Exempt TCP 7844 to the edge from the device that resets it.' },
  'tls-stall': { messageId: 'tls-stall', cause: 'TCP to {t} connected, but the TLS handshake (h2.cftunnel.com) never completed: a middlebox holds or inspects it.', fix: 'Exempt TCP 7844 and the SNI h2.cftunnel.com from TLS inspection (DPI, SSL proxy).' },
  'tls-untrusted-issuer': { messageId: 'tls-untrusted-issuer', cause: 'TLS to {t} was answered with a certificate from an issuer the edge does not use: TLS is intercepted.', fix: 'Exempt TCP 7844 and the SNI h2.cftunnel.com from TLS interception; cloudflared refuses the interceptor\'s certificate.' },
  unreachable: { messageId: 'tcp-unreachable', cause: 'There is no route to {t}.', fix: 'Give the host a route to the edge ranges (default route, egress gateway).' },
};

function describe(t: EdgeTarget): string {
  return `${t.label} ${t.family === 6 ? `[${t.address}]` : t.address}:${t.port}`;
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'edge',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const edge = facts.live.edge;
    if (!edge) return skip(facts.live.edgeSkipped ?? 'the edge was not probed');
    if (edge.targets.length === 0) return skip('no edge address to probe: edge discovery found none (see edge-dns)');
    const guarded = edge.targets.find((t) => t.tcp.failure === 'guard');
    if (guarded) return skip(guarded.tcp.detail ?? 'refused by loopback-only guard');
    const anyOk = edge.targets.some((t) => t.tcp.ok);
    const out: Finding[] = [];
    for (const t of edge.targets.filter((x) => !x.tcp.ok)) {
      const kind = t.tcp.failure ?? 'error';
      const text = TEXT[kind] ?? { messageId: 'tls-failed', cause: `TCP or TLS to {t} failed: ${t.tcp.detail}.`, fix: 'Check the firewall and any TLS proxy between this host and the edge.' };
      out.push(finding(ID, {
        messageId: text.messageId,
        severity: anyOk ? 'warn' : 'error',
        cause: `${text.cause.replace('{t}', describe(t))}${anyOk ? ' Other edge addresses work, so cloudflared can still connect.' : ''}`,
        fix: text.fix,
        evidence: { target: describe(t), failure: kind, detail: t.tcp.detail, latencyMs: t.tcp.latencyMs, connectMs: t.tcp.connectMs, issuer: t.tcp.certificate?.issuer ?? null },
      }));
    }
    const perRegion = Object.fromEntries(
      edge.targets.filter((t) => t.tcp.ok).map((t) => [describe(t), { connectMs: t.tcp.connectMs, tlsMs: t.tcp.latencyMs, issuer: t.tcp.certificate?.issuer ?? null, acceptedBy: t.tcp.acceptedBy }]),
    );
    if (anyOk) {
      out.push(finding(ID, { messageId: 'connected', severity: 'info', symptom: 'TCP 7844 and TLS to the edge work.', cause: 'Latency per region in the evidence.', fix: 'Nothing to do.', evidence: { perRegion } }));
    }
    return judge(out);
  },
};
