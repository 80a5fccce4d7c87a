// edge-udp: UDP 7844 reaches a QUIC stack at the edge (a Version Negotiation answer to a probe
// with a reserved version). Dropped UDP with working TCP is degraded, not dead: a warning.

import { catalogEntry } from '../../src/catalog/catalog.js';
import { defineCheck } from '../../src/core/check.js';
import type { EdgeTarget } from '../../src/core/live-facts.js';

const DEGRADED = 'Degraded: cloudflared will fall back to HTTP/2 (QUIC over UDP 7844 does not get through).';
/** What cloudflared logs when QUIC cannot connect (the check's own symptom in the catalog). */
const QUIC_FAILS = catalogEntry('edge-udp').symptom;
const CAUSE = '{detail} ({target}).{consequence}';

function describe(t: EdgeTarget): string {
  return `${t.label} ${t.family === 6 ? `[${t.address}]` : t.address}:${t.port}`;
}

const MESSAGE_OF_FAILURE = {
  timeout: 'udp-dropped',
  refused: 'udp-refused',
  'unexpected-answer': 'udp-not-quic',
  unreachable: 'udp-unreachable',
} as const;

export const check = defineCheck({
  id: 'edge-udp',
  requires: ['live.edge'],
  messages: {
    'udp-dropped': {
      severity: 'error',
      meaning: 'UDP 7844 to the edge got no QUIC answer: it is dropped; cloudflared falls back to HTTP/2.',
      symptom: '{symptom}',
      cause: CAUSE,
    },
    'udp-refused': {
      severity: 'error',
      meaning: 'UDP 7844 to the edge was refused (ICMP port unreachable).',
      symptom: '{symptom}',
      cause: CAUSE,
    },
    'udp-not-quic': {
      severity: 'error',
      meaning: 'Something answered on UDP 7844, but not as a QUIC endpoint.',
      symptom: '{symptom}',
      cause: CAUSE,
    },
    'udp-unreachable': {
      severity: 'error',
      meaning: 'There is no route for UDP to the edge address.',
      symptom: '{symptom}',
      cause: CAUSE,
    },
    'udp-failed': {
      severity: 'error',
      meaning: 'The QUIC probe failed for another reason (in the finding).',
      symptom: '{symptom}',
      cause: CAUSE,
    },
    'quic-reachable': {
      severity: 'info',
      meaning: 'UDP 7844 reaches a QUIC endpoint at the edge (info).',
      symptom: 'UDP 7844 reaches a QUIC endpoint.',
      cause: 'A Version Negotiation answer came back; latency per region in the evidence.',
      fix: 'Nothing to do.',
    },
  },
  run({ live: { edge } }, report) {
    if (edge.targets.length === 0)
      return report.skip('no edge address to probe: edge discovery found none (see edge-dns)');
    const guarded = edge.targets.find((t) => t.udp.failure === 'guard');
    if (guarded) return report.skip(guarded.udp.detail ?? 'refused by loopback-only guard');
    const tcpOk = edge.targets.some((t) => t.tcp.ok);
    const udpOk = edge.targets.some((t) => t.udp.ok);
    // Degraded when another address or TCP still carries the tunnel; dead when nothing does.
    const severity = udpOk || tcpOk ? 'warn' : 'error';
    const consequence =
      !udpOk && tcpOk
        ? ' TCP 7844 works, so the tunnel runs over HTTP/2.'
        : !tcpOk && !udpOk
          ? ' TCP 7844 fails too: the tunnel cannot connect at all.'
          : '';
    for (const t of edge.targets.filter((x) => !x.udp.ok)) {
      const failure = t.udp.failure ?? 'error';
      const messageId =
        failure in MESSAGE_OF_FAILURE ? MESSAGE_OF_FAILURE[failure as keyof typeof MESSAGE_OF_FAILURE] : 'udp-failed';
      report(
        messageId,
        {
          symptom: !udpOk && tcpOk ? DEGRADED : QUIC_FAILS,
          detail: t.udp.detail ?? failure,
          target: describe(t),
          consequence,
        },
        null,
        { severity, evidence: { target: describe(t), failure, latencyMs: t.udp.latencyMs, tcpWorks: tcpOk } },
      );
    }
    if (udpOk) {
      const reached = edge.targets.filter((t) => t.udp.ok);
      const perRegion = Object.fromEntries(
        reached.map((t) => [describe(t), { latencyMs: t.udp.latencyMs, versions: t.udp.versions }]),
      );
      report('quic-reachable', {}, null, { evidence: { perRegion } });
    }
  },
});
