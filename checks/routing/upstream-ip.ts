// upstream-ip (static half): every upstream given as an IP literal is an IPv4 address the policy
// allows. Hostnames need DNS: they are judged from the live layer's A records when a live run
// produced them, otherwise listed as not judged. The judgement itself is judgeRouteAddresses
// (src/model/ip-policy.ts), shared with the live half. "localhost" is judged as 127.0.0.1:
// RFC 6761 reserves it, and it is the classic container mistake.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { isRecord } from '../../src/model/compose.js';
import { configKeyName, configSnippet, describeLocation, locate, proxyConfigModel, proxyRestartCommand, whyUnusable } from '../../src/model/deployment-view.js';
import { cidrText, describePolicy, judgeRouteAddresses, narrowestCoveringCidr, readUpstreamPolicy, RFC1918_RANGES, type IpPolicy, type RouteAddressVerdict } from '../../src/model/ip-policy.js';

const ID = 'upstream-ip';

/** Addresses a route's host stands for without DNS, or null when it needs a lookup. */
function knownAddresses(facts: Readonly<Facts>, route: string, host: string, ipVersion: number): { addresses: string[]; via: string } | null {
  if (ipVersion !== 0) return { addresses: [host], via: 'literal' };
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return { addresses: ['127.0.0.1'], via: 'localhost' };
  const live = facts.live?.upstreams?.find((u) => u.route === route);
  if (live?.resolution?.ok) return { addresses: live.resolution.value, via: 'dns' };
  return null;
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'static',
  run(facts) {
    const fact = facts.proxyConfig;
    if (fact?.state !== 'ok') return skip(whyUnusable(fact, 'proxy config'));
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(fact.value.data) || model.routesShape !== 'map') return skip('routes is not a map of upstreams (reported by proxy-config)');
    const reading = readUpstreamPolicy(fact.value.data);
    if (!reading.policy) return skip(`${reading.unusable} (reported by allowed-ips), so the policy the proxy enforces cannot be told`);
    const policy: IpPolicy = reading.policy;
    const routes = model.routes.filter((r) => r.upstream !== null);
    if (routes.length === 0) return skip(model.routes.length === 0 ? 'no routes to judge' : 'no upstream could be parsed (reported by proxy-config)');

    const verdicts: (RouteAddressVerdict & { via: string })[] = [];
    const unjudged: string[] = [];
    for (const r of routes) {
      const known = knownAddresses(facts, r.key, r.upstream!.host, r.upstream!.ipVersion);
      if (known) verdicts.push({ ...judgeRouteAddresses({ key: r.key, host: r.upstream!.host }, known.addresses, policy), via: known.via });
      else unjudged.push(`${r.key} (${r.upstream!.host})`);
    }
    const noDns = facts.offline ? 'resolving them needs DNS (run without --offline)' : 'no live DNS result';
    if (verdicts.length === 0) return skip(`${unjudged.length} upstream${unjudged.length > 1 ? 's are hostnames' : ' is a hostname'}; ${noDns}`);

    const restart = proxyRestartCommand(facts);
    const listKey = configKeyName(facts, 'upstream.allowed_ips');
    const out: Finding[] = [];
    const refusedAll = [...new Set(verdicts.flatMap((v) => v.refused))];
    const suggestions = new Map(refusedAll.map((a) => [a, narrowestCoveringCidr(a, refusedAll.filter((x) => x !== a))]));
    // Only addresses worth allowing take part in the corrected list and the common CIDR.
    const addable = refusedAll.filter((a) => ['allow', 'testing'].includes(suggestions.get(a)!.allowing));
    const current = policy.mode === 'default' ? [...RFC1918_RANGES] : policy.ranges.map(cidrText);
    const corrected = [...current, ...addable.map((a) => `${a}/32${suggestions.get(a)!.allowing === 'testing' ? '   # loopback: local testing only' : ''}`)];
    const correctedYaml = configSnippet(facts, `upstream:\n  allowed_ips:\n${corrected.map((c) => `    - ${c}`).join('\n')}`);

    for (const v of verdicts) {
      const l = locate(fact, `routes.${v.route}`);
      const upstream = String(routes.find((r) => r.key === v.route)!.raw);
      for (const a of v.refused) {
        const s = suggestions.get(a)!;
        const named = s.ranges.map((r) => `${r.cidr === '0.0.0.0/0' ? '' : `${r.cidr}, `}${r.name}: ${r.advice}`).join(' ');
        // A common CIDR only among refused addresses of the same kind (two CGNAT Service addresses, say).
        const peers = addable.filter((x) => x !== a && suggestions.get(x)!.ranges[0].cidr === s.ranges[0].cidr);
        const wide = peers.length > 0 && addable.includes(a) ? narrowestCoveringCidr(a, peers) : null;
        const common = wide && wide.coveringAllSize <= 65536
          ? ` One CIDR covering ${peers.length === 1 ? 'both' : `all ${peers.length + 1}`} refused ${s.ranges[0].name} addresses (${[a, ...peers].join(', ')}) is ${wide.coveringAll} (${wide.coveringAllSize.toLocaleString('en-US')} addresses); use it instead only if everything in it is yours.`
          : '';
        const addFix = `add its narrowest covering CIDR, ${s.narrowest}, to ${listKey}.${common} Setting allowed_ips replaces the RFC 1918 default, so keep the private ranges your other upstreams use; the full list:\n${correctedYaml}\nthen restart the proxy (${restart}).`;
        const fix = s.allowing === 'wrong-address'
          ? `Correct route "${v.route}" to the upstream's real address or service name; ${a} cannot be a working upstream. Then restart the proxy (${restart}).`
          : s.allowing === 'never'
            ? `Do not allow ${a}. Point route "${v.route}" at the real upstream (its service name or private address), then restart the proxy (${restart}).`
            : s.allowing === 'testing'
              ? `Point route "${v.route}" at the upstream's service name or private address. For a local test only, ${addFix}`
              : `If ${a} is the right upstream, ${addFix}`;
        out.push(finding(ID, {
          messageId: 'ip-not-allowed', location: l, evidence: { route: v.route, host: v.host, address: a, via: v.via, narrowest: s.narrowest, coveringAll: wide && wide.coveringAllSize <= 65536 ? wide.coveringAll : null, ranges: s.ranges.map((r) => r.cidr), allowing: s.allowing },
          symptom: `Route "${v.route}" (${describeLocation(l)}) fails: the proxy logs "IP validation failed: ${a} is not a private address".`,
          cause: `${v.via === 'literal' ? `The upstream ${upstream} is` : v.via === 'localhost' ? `The upstream ${upstream} names localhost, which is` : `The upstream host ${v.host} resolves to`} ${a}, outside the policy: ${describePolicy(policy)}. About ${a}: ${named}`,
          fix,
        }));
      }
      if (v.verdict === 'ipv6-only') {
        out.push(finding(ID, {
          messageId: 'ipv6-upstream', location: l, evidence: { route: v.route, host: v.host, addresses: v.ipv6 },
          symptom: `Route "${v.route}" (${describeLocation(l)}) fails: the proxy cannot dial its upstream.`,
          cause: `${v.via === 'literal' ? `The upstream ${upstream} is the IPv6 address` : `${v.host} resolves only to IPv6:`} ${v.ipv6.join(', ')}; the proxy dials IPv4 only.`,
          fix: `Give the upstream an IPv4 address${v.via === 'literal' ? ` (e.g. ${v.route}: ${routes.find((r) => r.key === v.route)!.upstream!.scheme}://<ipv4>:${routes.find((r) => r.key === v.route)!.upstream!.port})` : ' (an A record)'}, inside ${listKey}; then restart the proxy (${restart}).`,
        }));
      }
    }

    const allowed = verdicts.filter((v) => v.verdict === 'allowed');
    if (allowed.length > 0) {
      out.push(finding(ID, {
        messageId: policy.mode === 'disabled' ? 'validation-disabled' : 'addresses-allowed', severity: 'info',
        evidence: { allowed: allowed.flatMap((v) => v.allowed.map((a) => ({ route: v.route, address: a.address, range: a.range }))) },
        symptom: `Upstream addresses the proxy will dial: ${allowed.map((v) => `${v.route} -> ${v.allowed.map((a) => a.address).join(', ')}`).join('; ')}.`,
        cause: policy.mode === 'disabled' ? 'upstream.disable_ip_validation is true: every IPv4 address is allowed (see allowed-ips).' : `Each is inside ${[...new Set(allowed.flatMap((v) => v.allowed.map((a) => a.range)))].join(', ')}.`,
        fix: 'Nothing to do.',
      }));
    }
    if (unjudged.length > 0) {
      out.push(finding(ID, {
        messageId: 'hostnames-not-judged', severity: 'info', evidence: { routes: unjudged },
        symptom: `Not judged: ${unjudged.join(', ')}.`,
        cause: `These upstreams are hostnames; ${noDns}.`,
        fix: 'Run the doctor without --offline, beside the proxy, so it resolves them with the resolver the proxy uses.',
      }));
    }
    return judge(out, unjudged.length > 0 ? [`the addresses of ${unjudged.join(', ')}: ${noDns}`] : []);
  },
};
