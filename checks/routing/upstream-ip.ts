// upstream-ip (static half): every upstream given as an IP literal is an IPv4 address the policy
// allows. Hostnames need DNS: they are judged from the live layer's A records when a live run
// produced them, otherwise listed as not judged. The judgement itself is judgeRouteAddresses
// (src/model/ip-policy.ts), shared with the live half. "localhost" is judged as 127.0.0.1:
// RFC 6761 reserves it, and it is the classic container mistake.

import { defineCheck } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import { isRecord } from '../../src/model/compose.js';
import {
  configKeyName,
  configSnippet,
  describeLocation,
  locate,
  proxyConfigModel,
  proxyRestartCommand,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import {
  cidrText,
  describePolicy,
  judgeRouteAddresses,
  narrowestCoveringCidr,
  readUpstreamPolicy,
  RFC1918_RANGES,
  type CidrSuggestion,
  type IpPolicy,
} from '../../src/model/ip-policy.js';

type Via = 'literal' | 'localhost' | 'dns';

/** Addresses a route's host stands for without DNS, or null when it needs a lookup. */
function knownAddresses(
  facts: Readonly<Facts>,
  route: string,
  host: string,
  ipVersion: number,
): { addresses: string[]; via: Via } | null {
  if (ipVersion !== 0) return { addresses: [host], via: 'literal' };
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return { addresses: ['127.0.0.1'], via: 'localhost' };
  const live = facts.live?.upstreams?.find((u) => u.route === route);
  if (live?.resolution?.ok) return { addresses: live.resolution.value, via: 'dns' };
  return null;
}

/** How the cause names where a refused address came from. */
const ADDRESS_SOURCE: Record<Via, (upstream: string, host: string) => string> = {
  literal: (upstream) => `The upstream ${upstream} is`,
  localhost: (upstream) => `The upstream ${upstream} names localhost, which is`,
  dns: (_, host) => `The upstream host ${host} resolves to`,
};

/** An upstream the proxy cannot dial because it is IPv6: written as a literal, or resolved from a name. */
const IPV6 = {
  literal: {
    source: (upstream: string) => `The upstream ${upstream} is the IPv6 address`,
    example: (route: string, scheme: string, port: number) => ` (e.g. ${route}: ${scheme}://<ipv4>:${port})`,
  },
  resolved: { source: (host: string) => `${host} resolves only to IPv6:`, example: ' (an A record)' },
};

interface RefusedFix {
  route: string;
  address: string;
  restart: string;
  /** How to add the address to allowed_ips, for the kinds of address worth allowing. */
  addIt: string;
}

/** A CIDR covering several refused addresses of one kind, offered beside their /32s. */
function commonCidrNote(addresses: string[], kind: string, cidr: string, size: number): string {
  const count = addresses.length === 2 ? 'both' : `all ${addresses.length}`;
  return (
    ` One CIDR covering ${count} refused ${kind} addresses (${addresses.join(', ')}) is ${cidr} ` +
    `(${size.toLocaleString('en-US')} addresses); use it instead only if everything in it is yours.`
  );
}

/** How to allow a refused address: its /32 in the full corrected list (allowed_ips replaces the default). */
function addToList(narrowest: string, listKey: string, common: string, correctedYaml: string, restart: string): string {
  return (
    `add its narrowest covering CIDR, ${narrowest}, to ${listKey}.${common} Setting allowed_ips replaces the RFC 1918 ` +
    `default, so keep the private ranges your other upstreams use; the full list:\n${correctedYaml}\nthen restart the proxy (${restart}).`
  );
}

/** The fix for a refused address, by whether allowing it is sound at all. */
const FIX_OF_ALLOWING: Record<CidrSuggestion['allowing'], (d: RefusedFix) => string> = {
  'wrong-address': (d) =>
    `Correct route "${d.route}" to the upstream's real address or service name; ${d.address} cannot be a working upstream. ` +
    `Then restart the proxy (${d.restart}).`,
  never: (d) =>
    `Do not allow ${d.address}. Point route "${d.route}" at the real upstream (its service name or private address), ` +
    `then restart the proxy (${d.restart}).`,
  testing: (d) =>
    `Point route "${d.route}" at the upstream's service name or private address. For a local test only, ${d.addIt}`,
  allow: (d) => `If ${d.address} is the right upstream, ${d.addIt}`,
};

export const check = defineCheck({
  id: 'upstream-ip',
  requires: ['proxyConfig'],
  uses: ['live.upstreams', 'helmValues', 'compose', 'dotenv'],
  messages: {
    'ip-not-allowed': {
      severity: 'error',
      meaning: 'An upstream address is outside the allowed_ips policy: "IP validation failed".',
      symptom:
        'Route "{route}" ({where}) fails: the proxy logs "IP validation failed: {address} is not a private address".',
      cause: '{source} {address}, outside the policy: {policy}. About {address}: {ranges}',
      fix: '{fix}',
    },
    'ipv6-upstream': {
      severity: 'error',
      meaning: 'An upstream is IPv6 only; the proxy dials IPv4.',
      symptom: 'Route "{route}" ({where}) fails: the proxy cannot dial its upstream.',
      cause: '{source} {addresses}; the proxy dials IPv4 only.',
      fix: 'Give the upstream an IPv4 address{example}, inside {listKey}; then restart the proxy ({restart}).',
    },
    'addresses-allowed': {
      severity: 'info',
      meaning: 'The upstream addresses the proxy will dial are allowed (info).',
      symptom: 'Upstream addresses the proxy will dial: {dialled}.',
      cause: 'Each is inside {ranges}.',
      fix: 'Nothing to do.',
    },
    'validation-disabled': {
      severity: 'info',
      meaning: 'IP validation is disabled: every address is allowed (info).',
      symptom: 'Upstream addresses the proxy will dial: {dialled}.',
      cause: 'upstream.disable_ip_validation is true: every IPv4 address is allowed (see allowed-ips).',
      fix: 'Nothing to do.',
    },
    'hostnames-not-judged': {
      severity: 'info',
      meaning: 'Upstream hostnames were not resolved, so not judged (info).',
      symptom: 'Not judged: {routes}.',
      cause: 'These upstreams are hostnames; {noDns}.',
      fix: 'Run the doctor without --offline, beside the proxy, so it resolves them with the resolver the proxy uses.',
    },
  },
  run(facts, report) {
    const fact = facts.proxyConfig;
    if (fact.state !== 'ok') return report.skip(whyUnusable(fact, 'proxy config'));
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(fact.value.data) || model.routesShape !== 'map') {
      return report.skip('routes is not a map of upstreams (reported by proxy-config)');
    }
    const reading = readUpstreamPolicy(fact.value.data);
    if (!reading.policy)
      return report.skip(
        `${reading.unusable} (reported by allowed-ips), so the policy the proxy enforces cannot be told`,
      );
    const policy: IpPolicy = reading.policy;
    const routes = model.routes.flatMap((r) => (r.upstream ? [{ ...r, upstream: r.upstream }] : []));
    if (routes.length === 0) {
      return report.skip(
        model.routes.length === 0 ? 'no routes to judge' : 'no upstream could be parsed (reported by proxy-config)',
      );
    }

    const verdicts = [];
    const unjudged: string[] = [];
    for (const r of routes) {
      const known = knownAddresses(facts, r.key, r.upstream.host, r.upstream.ipVersion);
      if (known)
        verdicts.push({
          ...judgeRouteAddresses({ key: r.key, host: r.upstream.host }, known.addresses, policy),
          via: known.via,
          r,
        });
      else unjudged.push(`${r.key} (${r.upstream.host})`);
    }
    const noDns = facts.offline ? 'resolving them needs DNS (run without --offline)' : 'no live DNS result';
    if (verdicts.length === 0)
      return report.skip(
        `${unjudged.length} upstream${unjudged.length > 1 ? 's are hostnames' : ' is a hostname'}; ${noDns}`,
      );

    const restart = proxyRestartCommand(facts);
    const listKey = configKeyName(facts, 'upstream.allowed_ips');
    const refusedAll = [...new Set(verdicts.flatMap((v) => v.refused))];
    const suggestionOf = (a: string) =>
      narrowestCoveringCidr(
        a,
        refusedAll.filter((x) => x !== a),
      );
    const firstRange = (a: string) => suggestionOf(a).ranges[0]?.cidr;
    // Only addresses worth allowing take part in the corrected list and the common CIDR.
    const addable = refusedAll.filter((a) => ['allow', 'testing'].includes(suggestionOf(a).allowing));
    const current = policy.mode === 'default' ? [...RFC1918_RANGES] : policy.ranges.map(cidrText);
    const added = addable.map(
      (a) => `${a}/32${suggestionOf(a).allowing === 'testing' ? '   # loopback: local testing only' : ''}`,
    );
    const correctedYaml = configSnippet(
      facts,
      `upstream:\n  allowed_ips:\n${[...current, ...added].map((c) => `    - ${c}`).join('\n')}`,
    );

    for (const v of verdicts) {
      const l = locate(fact, `routes.${v.route}`);
      const where = describeLocation(l);
      const upstream = String(v.r.raw);
      for (const a of v.refused) {
        const s = suggestionOf(a);
        const ranges = s.ranges
          .map((r) => `${r.cidr === '0.0.0.0/0' ? '' : `${r.cidr}, `}${r.name}: ${r.advice}`)
          .join(' ');
        // A common CIDR only among refused addresses of the same kind (two CGNAT Service addresses, say).
        const peers = addable.filter((x) => x !== a && firstRange(x) === firstRange(a));
        const wide = peers.length > 0 && addable.includes(a) ? narrowestCoveringCidr(a, peers) : null;
        const coveringAll = wide && wide.coveringAllSize <= 65536 ? wide.coveringAll : null;
        const common =
          wide && coveringAll
            ? commonCidrNote([a, ...peers], s.ranges[0]?.name ?? '', coveringAll, wide.coveringAllSize)
            : '';
        const addIt = addToList(s.narrowest, listKey, common, correctedYaml, restart);
        const fix = FIX_OF_ALLOWING[s.allowing]({ route: v.route, address: a, restart, addIt });
        const data = {
          route: v.route,
          where,
          address: a,
          source: ADDRESS_SOURCE[v.via](upstream, v.host),
          policy: describePolicy(policy),
          ranges,
          fix,
        };
        report('ip-not-allowed', data, l, {
          evidence: {
            route: v.route,
            host: v.host,
            address: a,
            via: v.via,
            narrowest: s.narrowest,
            coveringAll,
            ranges: s.ranges.map((r) => r.cidr),
            allowing: s.allowing,
          },
        });
      }
      if (v.verdict === 'ipv6-only') {
        const literal = v.via === 'literal';
        const data = {
          route: v.route,
          where,
          source: literal ? IPV6.literal.source(upstream) : IPV6.resolved.source(v.host),
          addresses: v.ipv6.join(', '),
          example: literal
            ? IPV6.literal.example(v.route, v.r.upstream.scheme, v.r.upstream.port)
            : IPV6.resolved.example,
          listKey,
          restart,
        };
        report('ipv6-upstream', data, l, { evidence: { route: v.route, host: v.host, addresses: v.ipv6 } });
      }
    }

    const allowed = verdicts.filter((v) => v.verdict === 'allowed');
    if (allowed.length > 0) {
      const dialled = allowed.map((v) => `${v.route} -> ${v.allowed.map((a) => a.address).join(', ')}`).join('; ');
      const ranges = [...new Set(allowed.flatMap((v) => v.allowed.map((a) => a.range)))].join(', ');
      const evidence = {
        allowed: allowed.flatMap((v) => v.allowed.map((a) => ({ route: v.route, address: a.address, range: a.range }))),
      };
      report(policy.mode === 'disabled' ? 'validation-disabled' : 'addresses-allowed', { dialled, ranges }, null, {
        evidence,
      });
    }
    if (unjudged.length > 0) {
      report('hostnames-not-judged', { routes: unjudged.join(', '), noDns }, null, { evidence: { routes: unjudged } });
      report.notChecked(`the addresses of ${unjudged.join(', ')}: ${noDns}`);
    }
  },
});
