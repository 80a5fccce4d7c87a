// edge-dns: cloudflared's edge discovery works through the resolver this run used: the SRV name
// of the region answers at least two targets, and each region host resolves.

import { defineCheck } from '../../src/core/check.js';
import type { DnsFailureKind } from '../../src/core/live-facts.js';

/** Without the SRV answer cloudflared has no edge address; the finding says what it does then. */
const SRV_FAILED =
  '{detail}. cloudflared has no edge address without this answer (it retries over DNS-over-TLS to 1.1.1.1:853, then exits).';

const MESSAGE_OF_FAILURE = {
  nxdomain: 'srv-nxdomain',
  nodata: 'srv-no-answer',
  servfail: 'srv-servfail',
  refused: 'srv-refused',
  timeout: 'srv-timeout',
  unreachable: 'resolver-unreachable',
  guard: 'srv-guard',
  error: 'srv-failed',
} as const satisfies Record<DnsFailureKind, string>;

export const check = defineCheck({
  id: 'edge-dns',
  requires: ['live.edge'],
  messages: {
    'srv-nxdomain': {
      severity: 'error',
      meaning: 'The edge SRV name does not exist at the resolver used (NXDOMAIN).',
      cause: SRV_FAILED,
    },
    'srv-no-answer': {
      severity: 'error',
      meaning: 'The resolver answered the edge SRV lookup with no records.',
      cause: SRV_FAILED,
    },
    'srv-servfail': {
      severity: 'error',
      meaning: 'The resolver failed the edge SRV lookup (SERVFAIL).',
      cause: SRV_FAILED,
    },
    'srv-refused': {
      severity: 'error',
      meaning: 'The resolver refused the edge SRV lookup.',
      cause: SRV_FAILED,
    },
    'srv-timeout': {
      severity: 'error',
      meaning: 'The edge SRV lookup got no answer before the deadline.',
      cause: SRV_FAILED,
    },
    'resolver-unreachable': {
      severity: 'error',
      meaning: 'The resolver could not be reached for the edge SRV lookup.',
      cause: SRV_FAILED,
    },
    'srv-guard': {
      severity: 'error',
      meaning: 'The lookup was not made: the loopback-only guard refused it.',
      cause: SRV_FAILED,
    },
    'srv-failed': {
      severity: 'error',
      meaning: 'The edge SRV lookup failed for another reason (in the finding).',
      cause: SRV_FAILED,
    },
    'srv-too-few': {
      severity: 'error',
      meaning: 'The SRV answer has fewer than the two records cloudflared needs.',
      cause:
        '{srvName} answered {count} record(s) at {resolver} ({records}); cloudflared needs at least two (region1 and region2).',
      fix: 'Use a resolver that answers the full SRV record set (a filtering or rewriting DNS proxy trims it), or pass the edges explicitly.',
    },
    'region-host-unresolved': {
      // A warning while another region host resolves; an error when none does.
      severity: 'error',
      meaning: 'An edge region host has neither an A nor an AAAA record.',
      cause: '{host} has neither an A nor an AAAA record at {resolver}: {detail}.',
    },
    discovered: {
      severity: 'info',
      meaning: 'Edge discovery through DNS works (info).',
      symptom: '{srvName} answered at {resolver}.',
      cause: 'Edge discovery works.',
      fix: 'Nothing to do.',
    },
    'discovery-replaced': {
      severity: 'info',
      meaning: '--edge replaced discovery; the names given were resolved (info).',
      symptom: '--edge replaced SRV discovery ({edges}).',
      cause: 'The --edge host names resolve.',
      fix: 'Nothing to do.',
    },
  },
  run({ live: { edge } }, report) {
    const resolver = edge.dnsServers.length > 0 ? edge.dnsServers.join(', ') : 'the system resolver';
    const edges = edge.hosts.map((h) => `${h.host}:${h.port}`).join(', ');
    if (edge.discovery === 'flag') {
      if (edge.hosts.every((h) => !h.a && !h.aaaa)) {
        return report.skip(`--edge replaced discovery with addresses (${edges}): no DNS lookup was made`);
      }
      report.notChecked(`the SRV discovery cloudflared makes (--edge replaced it with ${edges})`);
    }
    if (edge.discovery === 'srv') {
      const srv = edge.srv;
      if (!srv) return report.skip('the SRV lookup did not run');
      if (!srv.ok) {
        if (srv.failure === 'guard') return report.skip(srv.detail);
        const { failure, detail, latencyMs } = srv;
        const evidence = { srvName: edge.srvName, resolver, failure, latencyMs, region: edge.region };
        report(MESSAGE_OF_FAILURE[failure], { detail }, null, { evidence });
        return;
      }
      const records = srv.value.map((r) => `${r.target}:${r.port} (priority ${r.priority})`);
      if (srv.value.length < 2) {
        const { srvName } = edge;
        const data = { srvName, count: srv.value.length, resolver, records: records.join(', ') || 'none' };
        report('srv-too-few', data, null, { evidence: { srvName, records } });
      }
    }
    const failed = edge.hosts.filter((h) => h.a && h.aaaa && !h.a.ok && !h.aaaa.ok);
    const severity = failed.length < edge.hosts.length ? 'warn' : 'error';
    for (const h of failed) {
      const detail = h.a && !h.a.ok ? h.a.detail : '';
      if (h.a && !h.a.ok && h.a.failure === 'guard') return report.skip(detail);
      const evidence = { host: h.host, label: h.label, a: h.a, aaaa: h.aaaa };
      report('region-host-unresolved', { host: h.host, resolver, detail }, null, { severity, evidence });
    }
    const hosts = Object.fromEntries(
      edge.hosts.map((h) => {
        const latencyMs = Math.max(h.a?.latencyMs ?? 0, h.aaaa?.latencyMs ?? 0);
        return [h.host, { a: h.a?.ok ? h.a.value : [], aaaa: h.aaaa?.ok ? h.aaaa.value : [], latencyMs }];
      }),
    );
    const evidence = {
      region: edge.region,
      resolver,
      srvName: edge.srvName,
      records: edge.srv?.ok ? edge.srv.value : null,
      srvLatencyMs: edge.srv?.latencyMs ?? null,
      hosts,
    };
    if (edge.discovery === 'srv') report('discovered', { srvName: edge.srvName, resolver }, null, { evidence });
    else report('discovery-replaced', { edges }, null, { evidence });
  },
});
