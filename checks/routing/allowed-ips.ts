// allowed-ips: upstream.allowed_ips (and disable_ip_validation) form a sound policy.
// Whether each upstream is inside the policy is upstream-ip's question, not this one.
// Decisions: 0.0.0.0/0, loopback, metadata-service, broad public ranges and host bits are warnings
// (the proxy runs, but unsafely or not as meant); invalid or IPv6 entries, a non-list, and
// combining with disable_ip_validation are errors. An empty list warns: whether it means "the
// default" or "nothing" is not documented.

import { defineCheck } from '../../src/core/check.js';
import { isRecord } from '../../src/model/compose.js';
import {
  configKeyName,
  configSnippet,
  describeLocation,
  locate,
  proxyRestartCommand,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import {
  cidrContains,
  cidrsOverlap,
  cidrText,
  describePolicy,
  parseCidr,
  readUpstreamPolicy,
  RFC1918_RANGES,
  type AllowedIpEntry,
} from '../../src/model/ip-policy.js';

const LOOPBACK = parseCidr('127.0.0.0/8');
const METADATA = '169.254.169.254';
/** Ranges that are not the public internet: a broad entry inside one of them is not an SSRF opening to the internet. */
const NON_PUBLIC = [...RFC1918_RANGES, '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'].map(parseCidr);
const RESTART = 'then restart the proxy ({restart}).';

const addressCount = (prefix: number) => (2 ** (32 - prefix)).toLocaleString('en-US');

export const check = defineCheck({
  id: 'allowed-ips',
  requires: ['proxyConfig'],
  uses: ['helmValues', 'compose'],
  messages: {
    'not-a-list': {
      severity: 'error',
      meaning: 'upstream.allowed_ips is not a list.',
      symptom: 'The proxy refuses its config: {listKey} ({where}) cannot be read.',
      cause: '{listKey} is {what}; it must be a YAML list with one IPv4 CIDR or address per item.',
      fix: `Write it as a list:\n{list}\n${RESTART}`,
    },
    'invalid-entry': {
      severity: 'error',
      meaning: 'An entry is not a valid IPv4 CIDR.',
      symptom: 'The proxy refuses its config or ignores {where}.',
      cause: '{entry} {problem}.',
      fix: `Write an IPv4 CIDR such as 10.0.0.0/8 or a single address such as 10.0.0.5, ${RESTART}`,
    },
    'ipv6-entry': {
      severity: 'error',
      meaning: 'An entry is IPv6; the policy is IPv4 only.',
      symptom: '{where} never matches anything.',
      cause: '{entry} {problem}.',
      fix:
        'Remove it; give the upstream an IPv4 address (or a hostname with an A record) and allow that instead. ' +
        'Then restart the proxy ({restart}).',
    },
    'allow-all': {
      severity: 'warn',
      meaning: '0.0.0.0/0 allows every address.',
      symptom: '{where} lets the proxy dial any IPv4 address: SSRF protection is off.',
      cause:
        `{entry} matches every address, including the cloud metadata service (${METADATA}), loopback and the whole ` +
        'internet; it is meant for local testing only.',
      fix:
        `Replace it with the narrowest ranges your upstreams need (the RFC 1918 default is ` +
        `${RFC1918_RANGES.join(', ')}), ${RESTART}`,
    },
    'host-bits': {
      severity: 'warn',
      meaning: 'A CIDR has host bits set.',
      symptom: '{where} allows more addresses than it seems to.',
      cause:
        '{entry} has host bits set: it is read as {range} ({count} addresses), which is usually a typo for one ' +
        'address.',
      fix:
        'Write {range} if you mean the whole range, or {address}/32 for the single address; then restart the proxy ' +
        '({restart}).',
    },
    loopback: {
      severity: 'warn',
      meaning: 'Loopback is allowed (for local tests only).',
      symptom: '{where} allows loopback addresses, meant for local testing only.',
      cause:
        "{range} overlaps 127.0.0.0/8. In a container, loopback is the proxy's own network namespace (shared with " +
        "cloudflared): a route to it reaches the proxy's neighbours, not your host.",
      fix:
        "Outside a local test, remove it and route to the upstream's service name or private address instead; then " +
        'restart the proxy ({restart}).',
    },
    'metadata-service': {
      severity: 'warn',
      meaning: 'The cloud metadata address is allowed.',
      symptom: `{where} lets the proxy dial the cloud instance metadata service (${METADATA}).`,
      cause:
        `{range} contains ${METADATA}, the usual target of SSRF attacks: on most clouds it hands out the machine's ` +
        `credentials.`,
      fix: `Remove {range} (or narrow it so it leaves out 169.254.0.0/16), ${RESTART}`,
    },
    'too-broad': {
      severity: 'warn',
      meaning: 'An entry is much wider than needed.',
      symptom: '{where} lets the proxy dial a large part of the public internet.',
      cause:
        '{range} ({count} addresses) reaches outside the private ranges; SSRF protection only holds if the allowed set ' +
        'is as small as your upstreams need.',
      fix:
        `Replace it with the narrowest CIDRs that cover your upstreams' addresses (a /32 per public address), ` +
        `${RESTART}`,
    },
    'redundant-entry': {
      severity: 'info',
      meaning: 'An entry is covered by a wider one (info).',
      symptom: '{listKey} item {item} ({entry}) adds nothing.',
      cause: '{range} is inside {wider} (item {widerItem}).',
      fix: 'Remove the narrower entry, or the wider one if it was not meant.',
    },
    'empty-list': {
      severity: 'warn',
      meaning: 'An empty list allows nothing.',
      symptom: '{listKey} is an empty list: the proxy may allow no upstream at all.',
      cause: 'An empty allowed_ips is not documented: it may mean the RFC 1918 default, or nothing.',
      fix:
        'Remove the key to get the RFC 1918 default, or list the ranges your upstreams need; then restart the proxy ' +
        '({restart}).',
    },
    'disable-invalid-type': {
      severity: 'error',
      meaning: 'disable_ip_validation is not a boolean.',
      symptom: 'The proxy refuses its config: {disableKey} ({where}) is not a boolean.',
      cause: '{disableKey} is {value}; it takes true or false, unquoted.',
      fix: `Remove {disableKey} (validation on, the safe default), ${RESTART}`,
    },
    'conflicts-with-disable': {
      severity: 'error',
      meaning: 'allowed_ips is set while validation is disabled.',
      symptom: 'The proxy refuses its config: {disableKey} is true and {listKey} is set ({where}).',
      cause:
        'allowed_ips cannot be combined with disable_ip_validation: one says which addresses to allow, the other ' +
        'turns the check off.',
      fix: `Remove {disableKey} and keep {listKey} (the safe choice), ${RESTART}`,
    },
    'validation-disabled': {
      severity: 'warn',
      meaning: 'IP validation is disabled.',
      symptom: 'The proxy dials any IPv4 address its routes name: SSRF protection is off.',
      cause: '{disableKey} is true ({where}).',
      fix:
        'Remove it; if an upstream sits outside RFC 1918, list the ranges your upstreams need under {listKey} instead. ' +
        'Then restart the proxy ({restart}).',
    },
    'default-replaced': {
      severity: 'info',
      meaning: 'allowed_ips replaces the RFC 1918 default; ranges dropped (info).',
      symptom: '{listKey} replaces the RFC 1918 default instead of extending it.',
      cause: 'These default ranges are no longer (fully) allowed: {dropped}.',
      fix: 'If an upstream lives in one of them, add that range back (upstream-ip names each refused address).',
    },
    policy: {
      severity: 'info',
      meaning: 'The policy in force (info).',
      symptom: 'The upstream IP policy in force.',
      cause: '{policy}.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const fact = facts.proxyConfig;
    if (fact.state !== 'ok') return report.skip(whyUnusable(fact, 'proxy config'));
    if (!isRecord(fact.value.data)) return report.skip('the proxy config is not a map (reported by proxy-config)');
    const reading = readUpstreamPolicy(fact.value.data);
    if (reading.upstreamShape === 'other') return report.skip('upstream is not a map (reported by proxy-config)');
    const loc = (k: string) => locate(fact, k);
    const restart = proxyRestartCommand(facts);
    const listKey = configKeyName(facts, 'upstream.allowed_ips');
    const { allowedIps, disableValidation } = reading;
    const listYaml = (items: string[]) =>
      configSnippet(facts, `upstream:\n  allowed_ips:\n${items.map((i) => `    - ${i}`).join('\n')}`);

    if (allowedIps.shape === 'other') {
      const raw = allowedIps.raw;
      const items = typeof raw === 'string' ? raw.split(/[\s,;]+/).filter(Boolean) : ['10.0.0.0/8'];
      const what =
        typeof raw === 'string' ? `the string ${JSON.stringify(raw)}` : `a ${isRecord(raw) ? 'map' : typeof raw}`;
      const l = loc('upstream.allowed_ips');
      report('not-a-list', { listKey, where: describeLocation(l), what, list: listYaml(items), restart }, l, {
        evidence: { value: raw },
      });
    }

    const good: Extract<AllowedIpEntry, { ok: true }>[] = [];
    for (const e of allowedIps.entries) {
      const l = loc(`upstream.allowed_ips.${e.index}`);
      const where = `${listKey} item ${e.index + 1} (${describeLocation(l)})`;
      const entry = JSON.stringify(e.raw);
      const evidence = { entry: e.raw };
      if (!e.ok) {
        report(e.family === 6 ? 'ipv6-entry' : 'invalid-entry', { where, entry, problem: e.problem, restart }, l, {
          evidence,
        });
        continue;
      }
      good.push(e);
      const range = cidrText(e.cidr);
      if (e.cidr.prefix === 0) {
        report('allow-all', { where, entry, restart }, l, { evidence });
        continue;
      }
      if (e.hostBitsSet) {
        const data = {
          where,
          entry: String(e.raw),
          range,
          count: addressCount(e.cidr.prefix),
          address: String(e.raw).split('/')[0] ?? '',
          restart,
        };
        report('host-bits', data, l, { evidence: { entry: e.raw, readAs: range } });
      }
      if (cidrsOverlap(e.cidr, LOOPBACK)) report('loopback', { where, range, restart }, l, { evidence });
      if (cidrContains(e.cidr, METADATA)) report('metadata-service', { where, range, restart }, l, { evidence });
      else if (
        e.cidr.prefix < 16 &&
        !NON_PUBLIC.some((n) => n.prefix <= e.cidr.prefix && cidrContains(n, e.cidr.network))
      ) {
        report('too-broad', { where, range, count: addressCount(e.cidr.prefix), restart }, l, { evidence });
      }
    }

    // Entries another entry already covers: harmless, but a sign the list drifted.
    for (const e of good) {
      const covers = (o: typeof e) => o !== e && o.cidr.prefix <= e.cidr.prefix && cidrContains(o.cidr, e.cidr.network);
      const wider = good.find((o) => covers(o) && (o.cidr.prefix < e.cidr.prefix || o.index < e.index));
      if (wider && wider.cidr.prefix > 0) {
        const data = {
          listKey,
          item: e.index + 1,
          entry: String(e.raw),
          range: cidrText(e.cidr),
          wider: cidrText(wider.cidr),
          widerItem: wider.index + 1,
        };
        report('redundant-entry', data, loc(`upstream.allowed_ips.${e.index}`), {
          evidence: { entry: e.raw, coveredBy: cidrText(wider.cidr) },
        });
      }
    }

    const listSet = allowedIps.shape === 'list' && allowedIps.entries.length > 0;
    if (allowedIps.shape === 'list' && allowedIps.entries.length === 0)
      report('empty-list', { listKey, restart }, loc('upstream.allowed_ips'));

    const disableKey = configKeyName(facts, 'upstream.disable_ip_validation');
    const dl = loc('upstream.disable_ip_validation');
    const where = describeLocation(dl);
    if (!disableValidation.valid) {
      const value = JSON.stringify(disableValidation.raw);
      report('disable-invalid-type', { disableKey, where, value, restart }, dl, {
        evidence: { value: disableValidation.raw },
      });
    } else if (disableValidation.value && listSet) {
      report('conflicts-with-disable', { disableKey, listKey, where, restart }, dl, {
        evidence: { allowed_ips: allowedIps.raw },
      });
    } else if (disableValidation.value) {
      report('validation-disabled', { disableKey, listKey, where, restart }, dl);
    }

    if (listSet && allowedIps.entries.every((e) => e.ok)) {
      const coversDefault = (r: string) =>
        good.some((e) => cidrContains(e.cidr, parseCidr(r).network) && e.cidr.prefix <= parseCidr(r).prefix);
      const dropped = RFC1918_RANGES.filter((r) => !coversDefault(r));
      if (dropped.length > 0) {
        report('default-replaced', { listKey, dropped: dropped.join(', ') }, loc('upstream.allowed_ips'), {
          evidence: { noLongerAllowed: dropped },
        });
      }
    }
    if (reading.policy) {
      const { mode, ranges } = reading.policy;
      report('policy', { policy: describePolicy(reading.policy) }, null, {
        evidence: { mode, ranges: ranges.map(cidrText) },
      });
    }
  },
});
