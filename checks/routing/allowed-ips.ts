// allowed-ips: upstream.allowed_ips (and disable_ip_validation) form a sound policy.
// Whether each upstream is inside the policy is upstream-ip's question, not this one.
// Decisions: 0.0.0.0/0, loopback, metadata-service, broad public ranges and host bits are warnings
// (the proxy runs, but unsafely or not as meant); invalid or IPv6 entries, a non-list, and
// combining with disable_ip_validation are errors. An empty list warns: whether it means "the
// default" or "nothing" is not documented.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { isRecord } from '../../src/model/compose.js';
import { configKeyName, configSnippet, describeLocation, locate, proxyRestartCommand, whyUnusable } from '../../src/model/deployment-view.js';
import { cidrContains, cidrsOverlap, cidrText, describePolicy, parseCidr, readUpstreamPolicy, RFC1918_RANGES, type AllowedIpEntry } from '../../src/model/ip-policy.js';

const ID = 'allowed-ips';
const LOOPBACK = parseCidr('127.0.0.0/8');
const METADATA = '169.254.169.254';
/** Ranges that are not the public internet: a broad entry inside one of them is not an SSRF opening to the internet. */
const NON_PUBLIC = [...RFC1918_RANGES, '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'].map(parseCidr);

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'static',
  run(facts) {
    const fact = facts.proxyConfig;
    if (fact?.state !== 'ok') return skip(whyUnusable(fact, 'proxy config'));
    if (!isRecord(fact.value.data)) return skip('the proxy config is not a map (reported by proxy-config)');
    const reading = readUpstreamPolicy(fact.value.data);
    if (reading.upstreamShape === 'other') return skip('upstream is not a map (reported by proxy-config)');
    const key = (k: string) => configKeyName(facts, k);
    const loc = (k: string) => locate(fact, k);
    const restart = proxyRestartCommand(facts);
    const listKey = key('upstream.allowed_ips');
    const out: Finding[] = [];
    const { allowedIps, disableValidation } = reading;
    const listYaml = (items: string[]) => configSnippet(facts, `upstream:\n  allowed_ips:\n${items.map((i) => `    - ${i}`).join('\n')}`);

    if (allowedIps.shape === 'other') {
      const raw = allowedIps.raw;
      const items = typeof raw === 'string' ? raw.split(/[\s,;]+/).filter(Boolean) : ['10.0.0.0/8'];
      out.push(finding(ID, {
        messageId: 'not-a-list', location: loc('upstream.allowed_ips'), evidence: { value: raw },
        symptom: `The proxy refuses its config: ${listKey} (${describeLocation(loc('upstream.allowed_ips'))}) cannot be read.`,
        cause: `${listKey} is ${typeof raw === 'string' ? `the string ${JSON.stringify(raw)}` : `a ${isRecord(raw) ? 'map' : typeof raw}`}; it must be a YAML list with one IPv4 CIDR or address per item.`,
        fix: `Write it as a list:\n${listYaml(items)}\nthen restart the proxy (${restart}).`,
      }));
    }

    const good: Extract<AllowedIpEntry, { ok: true }>[] = [];
    for (const e of allowedIps.entries) {
      const path = `upstream.allowed_ips.${e.index}`;
      const l = loc(path);
      const where = `${listKey} item ${e.index + 1} (${describeLocation(l)})`;
      if (!e.ok) {
        out.push(finding(ID, {
          messageId: e.family === 6 ? 'ipv6-entry' : 'invalid-entry', location: l, evidence: { entry: e.raw },
          symptom: e.family === 6 ? `${where} never matches anything.` : `The proxy refuses its config or ignores ${where}.`,
          cause: `${JSON.stringify(e.raw)} ${e.problem}.`,
          fix: e.family === 6
            ? `Remove it; give the upstream an IPv4 address (or a hostname with an A record) and allow that instead. Then restart the proxy (${restart}).`
            : `Write an IPv4 CIDR such as 10.0.0.0/8 or a single address such as 10.0.0.5, then restart the proxy (${restart}).`,
        }));
        continue;
      }
      good.push(e);
      const range = cidrText(e.cidr);
      if (e.cidr.prefix === 0) {
        out.push(finding(ID, {
          messageId: 'allow-all', severity: 'warn', location: l, evidence: { entry: e.raw },
          symptom: `${where} lets the proxy dial any IPv4 address: SSRF protection is off.`,
          cause: `${JSON.stringify(e.raw)} matches every address, including the cloud metadata service (${METADATA}), loopback and the whole internet; it is meant for local testing only.`,
          fix: `Replace it with the narrowest ranges your upstreams need (the RFC 1918 default is ${RFC1918_RANGES.join(', ')}), then restart the proxy (${restart}).`,
        }));
        continue;
      }
      if (e.hostBitsSet) {
        out.push(finding(ID, {
          messageId: 'host-bits', severity: 'warn', location: l, evidence: { entry: e.raw, readAs: range },
          symptom: `${where} allows more addresses than it seems to.`,
          cause: `${e.raw} has host bits set: it is read as ${range} (${(2 ** (32 - e.cidr.prefix)).toLocaleString('en-US')} addresses), which is usually a typo for one address.`,
          fix: `Write ${range} if you mean the whole range, or ${String(e.raw).split('/')[0]}/32 for the single address; then restart the proxy (${restart}).`,
        }));
      }
      if (cidrsOverlap(e.cidr, LOOPBACK)) {
        out.push(finding(ID, {
          messageId: 'loopback', severity: 'warn', location: l, evidence: { entry: e.raw },
          symptom: `${where} allows loopback addresses, meant for local testing only.`,
          cause: `${range} overlaps 127.0.0.0/8. In a container, loopback is the proxy's own network namespace (shared with cloudflared): a route to it reaches the proxy's neighbours, not your host.`,
          fix: `Outside a local test, remove it and route to the upstream's service name or private address instead; then restart the proxy (${restart}).`,
        }));
      }
      if (cidrContains(e.cidr, METADATA)) {
        out.push(finding(ID, {
          messageId: 'metadata-service', severity: 'warn', location: l, evidence: { entry: e.raw },
          symptom: `${where} lets the proxy dial the cloud instance metadata service (${METADATA}).`,
          cause: `${range} contains ${METADATA}, the usual target of SSRF attacks: on most clouds it hands out the machine's credentials.`,
          fix: `Remove ${range} (or narrow it so it leaves out 169.254.0.0/16), then restart the proxy (${restart}).`,
        }));
      } else if (e.cidr.prefix < 16 && !NON_PUBLIC.some((n) => n.prefix <= e.cidr.prefix && cidrContains(n, e.cidr.network))) {
        out.push(finding(ID, {
          messageId: 'too-broad', severity: 'warn', location: l, evidence: { entry: e.raw },
          symptom: `${where} lets the proxy dial a large part of the public internet.`,
          cause: `${range} (${(2 ** (32 - e.cidr.prefix)).toLocaleString('en-US')} addresses) reaches outside the private ranges; SSRF protection only holds if the allowed set is as small as your upstreams need.`,
          fix: `Replace it with the narrowest CIDRs that cover your upstreams' addresses (a /32 per public address), then restart the proxy (${restart}).`,
        }));
      }
    }

    // Entries another entry already covers: harmless, but a sign the list drifted.
    for (const e of good) {
      const wider = good.find((o) => o !== e && o.cidr.prefix <= e.cidr.prefix && cidrContains(o.cidr, e.cidr.network) && (o.cidr.prefix < e.cidr.prefix || o.index < e.index));
      if (wider && wider.cidr.prefix > 0) {
        out.push(finding(ID, {
          messageId: 'redundant-entry', severity: 'info', location: loc(`upstream.allowed_ips.${e.index}`), evidence: { entry: e.raw, coveredBy: cidrText(wider.cidr) },
          symptom: `${listKey} item ${e.index + 1} (${e.raw}) adds nothing.`,
          cause: `${cidrText(e.cidr)} is inside ${cidrText(wider.cidr)} (item ${wider.index + 1}).`,
          fix: 'Remove the narrower entry, or the wider one if it was not meant.',
        }));
      }
    }

    const listSet = allowedIps.shape === 'list' && allowedIps.entries.length > 0;
    if (allowedIps.shape === 'list' && allowedIps.entries.length === 0) {
      out.push(finding(ID, {
        messageId: 'empty-list', severity: 'warn', location: loc('upstream.allowed_ips'),
        symptom: `${listKey} is an empty list: the proxy may allow no upstream at all.`,
        cause: 'An empty allowed_ips is not documented: it may mean the RFC 1918 default, or nothing.',
        fix: `Remove the key to get the RFC 1918 default, or list the ranges your upstreams need; then restart the proxy (${restart}).`,
      }));
    }

    const disableKey = key('upstream.disable_ip_validation');
    const dl = loc('upstream.disable_ip_validation');
    if (!disableValidation.valid) {
      out.push(finding(ID, {
        messageId: 'disable-invalid-type', location: dl, evidence: { value: disableValidation.raw },
        symptom: `The proxy refuses its config: ${disableKey} (${describeLocation(dl)}) is not a boolean.`,
        cause: `${disableKey} is ${JSON.stringify(disableValidation.raw)}; it takes true or false, unquoted.`,
        fix: `Remove ${disableKey} (validation on, the safe default), then restart the proxy (${restart}).`,
      }));
    } else if (disableValidation.value && listSet) {
      out.push(finding(ID, {
        messageId: 'conflicts-with-disable', location: dl, evidence: { allowed_ips: allowedIps.raw },
        symptom: `The proxy refuses its config: ${disableKey} is true and ${listKey} is set (${describeLocation(dl)}).`,
        cause: 'allowed_ips cannot be combined with disable_ip_validation: one says which addresses to allow, the other turns the check off.',
        fix: `Remove ${disableKey} and keep ${listKey} (the safe choice), then restart the proxy (${restart}).`,
      }));
    } else if (disableValidation.value) {
      out.push(finding(ID, {
        messageId: 'validation-disabled', severity: 'warn', location: dl,
        symptom: 'The proxy dials any IPv4 address its routes name: SSRF protection is off.',
        cause: `${disableKey} is true (${describeLocation(dl)}).`,
        fix: `Remove it; if an upstream sits outside RFC 1918, list the ranges your upstreams need under ${listKey} instead. Then restart the proxy (${restart}).`,
      }));
    }

    if (listSet && allowedIps.entries.every((e) => e.ok)) {
      const dropped = RFC1918_RANGES.filter((r) => !good.some((e) => cidrContains(e.cidr, parseCidr(r).network) && e.cidr.prefix <= parseCidr(r).prefix));
      if (dropped.length > 0) {
        out.push(finding(ID, {
          messageId: 'default-replaced', severity: 'info', location: loc('upstream.allowed_ips'), evidence: { noLongerAllowed: dropped },
          symptom: `${listKey} replaces the RFC 1918 default instead of extending it.`,
          cause: `These default ranges are no longer (fully) allowed: ${dropped.join(', ')}.`,
          fix: 'If an upstream lives in one of them, add that range back (upstream-ip names each refused address).',
        }));
      }
    }
    if (reading.policy) {
      out.push(finding(ID, {
        messageId: 'policy', severity: 'info', evidence: { mode: reading.policy.mode, ranges: reading.policy.ranges.map(cidrText) },
        symptom: 'The upstream IP policy in force.',
        cause: `${describePolicy(reading.policy)}.`,
        fix: 'Nothing to do.',
      }));
    }
    return judge(out);
  },
};
