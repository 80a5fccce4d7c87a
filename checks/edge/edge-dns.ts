// edge-dns: cloudflared's edge discovery works through the resolver this run used: the SRV name
// of the region answers at least two targets, and each region host resolves.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { DnsFailureKind } from '../../src/core/live-facts.js';
import { liveSkip } from '../../src/core/live.js';
import type { Finding } from '../../src/core/types.js';

const ID = 'edge-dns';

const SRV_MESSAGES: Record<DnsFailureKind, string> = {
  nxdomain: 'srv-nxdomain',
  nodata: 'srv-no-answer',
  servfail: 'srv-servfail',
  refused: 'srv-refused',
  timeout: 'srv-timeout',
  unreachable: 'resolver-unreachable',
  guard: 'srv-guard',
  error: 'srv-failed',
};

export const check: LegacyCheck = {
  id: ID,
  layer: 'edge',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const edge = facts.live.edge;
    if (!edge) return skip(facts.live.edgeSkipped ?? 'the edge was not probed');
    const resolver = edge.dnsServers.length > 0 ? edge.dnsServers.join(', ') : 'the system resolver';
    const out: Finding[] = [];
    const notChecked: string[] = [];
    if (edge.discovery === 'flag') {
      const edges = edge.hosts.map((h) => `${h.host}:${h.port}`).join(', ');
      if (edge.hosts.every((h) => !h.a && !h.aaaa)) return skip(`--edge replaced discovery with addresses (${edges}): no DNS lookup was made`);
      notChecked.push(`the SRV discovery cloudflared makes (--edge replaced it with ${edges})`);
    }
    if (edge.discovery === 'srv') {
      const srv = edge.srv;
      if (!srv) return skip('the SRV lookup did not run');
      if (!srv.ok) {
        if (srv.failure === 'guard') return skip(srv.detail);
        return judge([
          finding(ID, {
            messageId: SRV_MESSAGES[srv.failure],
            cause: `${srv.detail}. cloudflared has no edge address without this answer (it retries over DNS-over-TLS to 1.1.1.1:853, then exits).`,
            evidence: { srvName: edge.srvName, resolver, failure: srv.failure, latencyMs: srv.latencyMs, region: edge.region },
          }),
        ]);
      }
      const records = srv.value.map((r) => `${r.target}:${r.port} (priority ${r.priority})`);
      if (srv.value.length < 2) {
        out.push(finding(ID, {
          messageId: 'srv-too-few',
          cause: `${edge.srvName} answered ${srv.value.length} record(s) at ${resolver} (${records.join(', ') || 'none'}); cloudflared needs at least two (region1 and region2).`,
          fix: 'Use a resolver that answers the full SRV record set (a filtering or rewriting DNS proxy trims it), or pass the edges explicitly.',
          evidence: { srvName: edge.srvName, records },
        }));
      }
    }
    const failed = edge.hosts.filter((h) => h.a && h.aaaa && !h.a.ok && !h.aaaa.ok);
    const resolved = edge.hosts.length - failed.length;
    for (const h of failed) {
      const detail = h.a && !h.a.ok ? h.a.detail : '';
      if (h.a && !h.a.ok && h.a.failure === 'guard') return skip(detail);
      out.push(finding(ID, {
        messageId: 'region-host-unresolved',
        severity: resolved > 0 ? 'warn' : 'error',
        cause: `${h.host} has neither an A nor an AAAA record at ${resolver}: ${detail}.`,
        evidence: { host: h.host, label: h.label, a: h.a, aaaa: h.aaaa },
      }));
    }
    const hosts = Object.fromEntries(
      edge.hosts.map((h) => [h.host, { a: h.a?.ok ? h.a.value : [], aaaa: h.aaaa?.ok ? h.aaaa.value : [], latencyMs: Math.max(h.a?.latencyMs ?? 0, h.aaaa?.latencyMs ?? 0) }]),
    );
    out.push(finding(ID, {
      messageId: edge.discovery === 'srv' ? 'discovered' : 'discovery-replaced',
      severity: 'info',
      symptom: edge.discovery === 'srv' ? `${edge.srvName} answered at ${resolver}.` : `--edge replaced SRV discovery (${edge.hosts.map((h) => `${h.host}:${h.port}`).join(', ')}).`,
      cause: edge.discovery === 'srv' ? 'Edge discovery works.' : 'The --edge host names resolve.',
      fix: 'Nothing to do.',
      evidence: {
        region: edge.region,
        resolver,
        srvName: edge.srvName,
        records: edge.srv?.ok ? edge.srv.value : null,
        srvLatencyMs: edge.srv?.latencyMs ?? null,
        hosts,
      },
    }));
    return judge(out, notChecked);
  },
};
