// tunnel-transport: which transport cloudflared's connections use. QUIC (UDP 7844) is the default;
// HTTP/2 (TCP 7844) means UDP was blocked and cloudflared fell back (it never returns to QUIC
// until restarted), or --protocol http2 forces it. quic_client_* series exist only while
// connected over QUIC; /diag/tunnel names each connection's protocol.

import { defineCheck } from '../../src/core/check.js';
import type { EdgeLiveFacts } from '../../src/core/live-facts.js';
import { argvFlag } from '../../src/model/cloudflared-args.js';
import { metricsSource, metricsUnread, transportInUse } from '../../src/model/cloudflared-metrics.js';
import { cloudflaredContainer } from '../../src/model/runtime-roles.js';

/** What the doctor's own edge probes saw of UDP 7844, as a sentence (empty without them). */
function edgeProbesSay(edge: EdgeLiveFacts | null): string {
  const targets = edge?.targets ?? [];
  if (targets.length === 0) return '';
  const udpOk = targets.filter((t) => t.udp.ok).length;
  const tcpOk = targets.filter((t) => t.tcp.ok).length;
  if (udpOk === 0 && tcpOk > 0)
    return ` The edge probes agree: UDP 7844 got no QUIC answer from ${targets.length} edge address(es) while TCP 7844 answered.`;
  if (udpOk > 0)
    return ` The edge probes got QUIC answers over UDP 7844 from ${udpOk} of ${targets.length} edge address(es): the block may be over, but cloudflared stays on HTTP/2 until restarted.`;
  return '';
}

export const check = defineCheck({
  id: 'tunnel-transport',
  requires: ['live.metrics'],
  uses: ['compose', 'live.runtime', 'live.edge'],
  messages: {
    quic: {
      severity: 'info',
      meaning: "cloudflared's edge connections use QUIC (info).",
      symptom: 'None.',
      cause: '{source} shows its connections over QUIC ({evidence}).',
      fix: 'Nothing to do.',
    },
    'http2-forced': {
      severity: 'warn',
      meaning: 'cloudflared uses HTTP/2 because its command or environment forces it.',
      symptom: 'cloudflared connects over HTTP/2 (TCP 7844) instead of QUIC.',
      cause: '{setting} forces HTTP/2 ({evidence}).',
      fix:
        'If UDP 7844 can reach the edge, remove {setting} from the {service} service and recreate it ' +
        '(docker compose up -d {service}); keep it only where UDP is blocked on purpose.',
    },
    'http2-fallback': {
      severity: 'warn',
      meaning: 'cloudflared fell back to HTTP/2: UDP 7844 to the edge is blocked, or was when it connected.',
      symptom: 'cloudflared connects over HTTP/2 (TCP 7844) instead of QUIC.',
      cause:
        'UDP 7844 is blocked, or --protocol http2 is set: {source} shows HTTP/2 ({evidence}), and ' +
        '{forced}.{probes}',
      fix:
        'Allow UDP 7844 out to the edge (see edge-udp), then restart cloudflared (docker compose restart ' +
        '{service}): after a fallback it stays on HTTP/2 until restarted.',
    },
  },
  run(facts, report) {
    const m = facts.live.metrics;
    const unread = metricsUnread(m);
    if (unread) return report.skip(unread);
    const transport = transportInUse(m);
    if (!transport)
      return report.skip('cloudflared holds no edge connection, so no transport is in use (see tunnel-connections)');
    const source = metricsSource(m);
    const diagProtocols = m.diagTunnel?.value?.connections.map((c) => c.protocol) ?? null;
    const evidenceText = diagProtocols?.length
      ? `/diag/tunnel: ${diagProtocols.join(', ')}`
      : `quic_client_* series ${m.metrics.value?.quicSeries ? 'present' : 'absent'}`;
    const evidence = { transport, diagProtocols, quicSeries: m.metrics.value?.quicSeries ?? null, from: m.from };
    if (transport === 'quic') {
      report('quic', { source, evidence: evidenceText }, null, { evidence });
      return;
    }
    const container = cloudflaredContainer(facts);
    const service = container?.service ?? 'cloudflared';
    const flag = argvFlag(container?.argv ?? [], ['protocol']);
    const env = container?.env.TUNNEL_TRANSPORT_PROTOCOL ?? null;
    const setting =
      flag === 'http2' ? '--protocol http2 in its command' : env === 'http2' ? 'TUNNEL_TRANSPORT_PROTOCOL=http2' : null;
    if (setting) {
      report('http2-forced', { setting, evidence: evidenceText, service }, null, {
        evidence: { ...evidence, setting },
      });
      return;
    }
    const forced = container
      ? `the ${container.name} container sets neither --protocol http2 nor TUNNEL_TRANSPORT_PROTOCOL, so it fell back`
      : 'whether its command forces it was not seen (no container facts)';
    report(
      'http2-fallback',
      { source, evidence: evidenceText, forced, probes: edgeProbesSay(facts.live.edge ?? null), service },
      null,
      { evidence },
    );
  },
});
