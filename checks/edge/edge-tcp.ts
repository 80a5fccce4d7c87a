// edge-tcp: TCP 7844 to every probed edge address connects and completes TLS (server name
// h2.cftunnel.com) with a certificate from an issuer the edge uses. Latency per region.

import { defineCheck } from '../../src/core/check.js';
import type { EdgeTarget } from '../../src/core/live-facts.js';

/** Appended to a failure's cause while another edge address still connects (then a warning). */
const OTHERS_WORK = ' Other edge addresses work, so cloudflared can still connect.';
const ALLOW_7844 =
  'Allow outbound TCP 7844 to the edge ranges (198.41.192.0/24, 198.41.200.0/24, or the regional ones).';

const MESSAGE_OF_FAILURE = {
  refused: 'tcp-refused',
  timeout: 'tcp-timeout',
  reset: 'tcp-reset',
  'tls-stall': 'tls-stall',
  'tls-untrusted-issuer': 'tls-untrusted-issuer',
  unreachable: 'tcp-unreachable',
} as const;

function describe(t: EdgeTarget): string {
  return `${t.label} ${t.family === 6 ? `[${t.address}]` : t.address}:${t.port}`;
}

export const check = defineCheck({
  id: 'edge-tcp',
  requires: ['live.edge'],
  messages: {
    // Each failure is an error while no edge address connects, a warning while another one does.
    'tcp-refused': {
      severity: 'error',
      meaning: 'TCP 7844 to the edge was refused.',
      cause:
        'The connection to {target} was refused: a firewall rejects outbound TCP 7844 (or nothing listens there).{othersWork}',
      fix: ALLOW_7844,
    },
    'tcp-timeout': {
      severity: 'error',
      meaning: 'TCP 7844 to the edge got no answer: it is dropped.',
      cause: 'TCP to {target} got no answer: outbound TCP 7844 is dropped.{othersWork}',
      fix: ALLOW_7844,
    },
    'tcp-reset': {
      severity: 'error',
      meaning: 'The TCP 7844 connection to the edge was reset.',
      cause: 'The connection to {target} was reset: a firewall or proxy kills TCP 7844 sessions.{othersWork}',
      fix: 'Exempt TCP 7844 to the edge from the device that resets it.',
    },
    'tcp-unreachable': {
      severity: 'error',
      meaning: 'There is no route to the edge address.',
      cause: 'There is no route to {target}.{othersWork}',
      fix: 'Give the host a route to the edge ranges (default route, egress gateway).',
    },
    'tls-stall': {
      severity: 'error',
      meaning: 'TCP connected, but the TLS handshake with the edge never completed.',
      cause:
        'TCP to {target} connected, but the TLS handshake (h2.cftunnel.com) never completed: a middlebox holds or inspects it.{othersWork}',
      fix: 'Exempt TCP 7844 and the SNI h2.cftunnel.com from TLS inspection (DPI, SSL proxy).',
    },
    'tls-untrusted-issuer': {
      severity: 'error',
      meaning: "The edge's TLS was answered by a certificate from another issuer: interception.",
      cause:
        'TLS to {target} was answered with a certificate from an issuer the edge does not use: TLS is intercepted.{othersWork}',
      fix: "Exempt TCP 7844 and the SNI h2.cftunnel.com from TLS interception; cloudflared refuses the interceptor's certificate.",
    },
    'tls-failed': {
      severity: 'error',
      meaning: 'TCP or TLS to the edge failed for another reason (in the finding).',
      cause: 'TCP or TLS to {target} failed: {detail}.{othersWork}',
      fix: 'Check the firewall and any TLS proxy between this host and the edge.',
    },
    connected: {
      severity: 'info',
      meaning: 'TCP 7844 and TLS to the edge work (info).',
      symptom: 'TCP 7844 and TLS to the edge work.',
      cause: 'Latency per region in the evidence.',
      fix: 'Nothing to do.',
    },
  },
  run({ live: { edge } }, report) {
    if (edge.targets.length === 0)
      return report.skip('no edge address to probe: edge discovery found none (see edge-dns)');
    const guarded = edge.targets.find((t) => t.tcp.failure === 'guard');
    if (guarded) return report.skip(guarded.tcp.detail ?? 'refused by loopback-only guard');
    const anyOk = edge.targets.some((t) => t.tcp.ok);
    const severity = anyOk ? 'warn' : 'error';
    for (const t of edge.targets.filter((x) => !x.tcp.ok)) {
      const failure = t.tcp.failure ?? 'error';
      const messageId =
        failure in MESSAGE_OF_FAILURE ? MESSAGE_OF_FAILURE[failure as keyof typeof MESSAGE_OF_FAILURE] : 'tls-failed';
      const target = describe(t);
      const evidence = {
        target,
        failure,
        detail: t.tcp.detail,
        latencyMs: t.tcp.latencyMs,
        connectMs: t.tcp.connectMs,
        issuer: t.tcp.certificate?.issuer ?? null,
      };
      report(messageId, { target, detail: t.tcp.detail, othersWork: anyOk ? OTHERS_WORK : '' }, null, {
        severity,
        evidence,
      });
    }
    if (anyOk) {
      const connected = edge.targets.filter((t) => t.tcp.ok);
      const perRegion = Object.fromEntries(
        connected.map((t) => {
          const { connectMs, latencyMs: tlsMs, acceptedBy } = t.tcp;
          return [describe(t), { connectMs, tlsMs, issuer: t.tcp.certificate?.issuer ?? null, acceptedBy }];
        }),
      );
      report('connected', {}, null, { evidence: { perRegion } });
    }
  },
});
