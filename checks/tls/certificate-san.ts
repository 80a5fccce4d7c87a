// certificate-san: tls.crt's DNS Subject Alternative Names cover <route>.<tunnel-domain> for
// every route (RFC 6125 matching: a wildcard stands for exactly one left-most label). With no
// routes yet, the names must cover the tunnel domain's subdomains. The common name is ignored,
// as the platform ignores it.

import { finding, judge, skip, type LegacyCheck, type Outcome } from '../../src/core/check.js';
import type { CertificateFacts, Facts } from '../../src/core/facts.js';
import type { Finding, Location } from '../../src/core/types.js';
import { configKeyName, effectiveTunnelDomain, locate, proxyConfigModel, routeHostnames, whyUnusable } from '../../src/model/deployment-view.js';
import { coveringName, wildcardProblem } from '../../src/pki/dns-name.js';
import { displayPath, firstCertificate, unusableReason } from '../../src/pki/tls-inputs.js';

const ID = 'certificate-san';

/** Why the names miss `host`, in words: no names at all, a wildcard one level off, or simply other names. */
function whyNotCovered(cert: CertificateFacts, host: string): string {
  if (cert.sanDns.length === 0) return `the certificate has no DNS Subject Alternative Names (its subject "${cert.subject}" is not consulted)`;
  const parent = host.slice(host.indexOf('.') + 1);
  const offByLevel = cert.sanDns.find((n) => n.startsWith('*.') && n.toLowerCase() !== `*.${parent}` && (host.endsWith(n.slice(1).toLowerCase()) || n.toLowerCase().endsWith(`.${parent}`)));
  if (offByLevel) return `${offByLevel} covers exactly one label under ${offByLevel.slice(2)}, and ${host} is not one label under it`;
  const broken = cert.sanDns.map((n) => ({ n, why: wildcardProblem(n) })).find((p) => p.why);
  if (broken) return `${broken.n} matches nothing: ${broken.why}`;
  return `its names (${cert.sanDns.join(', ')}) do not include ${host} or *.${parent}`;
}

/** The route's key in the proxy config, as a path relative to the deployment. */
function where(facts: Readonly<Facts>, key: string): Location | undefined {
  const loc = locate(facts.proxyConfig, `routes.${key}`);
  return loc ? { ...loc, file: displayPath(facts, loc.file) } : undefined;
}

/**
 * The domain the certificate was made for when it is not `domain`: a parent of its names under
 * which every bare route key is covered. Null when there is none, or when it is a parent of
 * `domain` (a wildcard one level too high is a certificate mistake, explained by whyNotCovered).
 */
function certificateDomain(cert: CertificateFacts, domain: string, keys: readonly string[]): string | null {
  if (keys.length === 0) return null;
  const parents = new Set(cert.sanDns.map((n) => n.toLowerCase().slice(n.indexOf('.') + 1)).filter((p) => p.includes('.')));
  for (const p of parents) {
    if (p === domain || domain.endsWith(`.${p}`)) continue;
    if (keys.every((k) => coveringName(cert.sanDns, `${k.toLowerCase()}.${p}`))) return p;
  }
  return null;
}

function run(facts: Readonly<Facts>): Outcome {
  const whyNot = unusableReason(facts, 'serverCert');
  if (whyNot) return skip(whyNot);
  const config = facts.proxyConfig;
  if (config && config.state !== 'ok') return skip(`${whyUnusable(config, 'the proxy config')}, so its routes cannot be told`);
  const shape = proxyConfigModel(facts)?.routesShape;
  if (config && shape !== 'map' && shape !== 'missing') {
    return skip('routes is not a map (reported by proxy-config), so the route hostnames cannot be told');
  }
  const cert = firstCertificate(facts.serverCert)!;
  const path = displayPath(facts, facts.serverCert!.path);
  const effective = effectiveTunnelDomain(facts);
  const domain = effective?.value ?? null;
  const routes = routeHostnames(facts);
  const named = routes.filter((r): r is { key: string; hostname: string } => r.hostname !== null);
  // A full-hostname key outside the tunnel domain never receives a request (no handshake is made
  // for it): tunnel-domain reports that key, so it is not held against the certificate here.
  const offDomain = domain ? named.filter((r) => r.hostname !== domain && !r.hostname.endsWith(`.${domain}`)) : [];
  const known = named.filter((r) => !offDomain.includes(r));
  const evidence = { file: path, san: cert.sanDns, tunnelDomain: domain };
  const fix = `Re-issue ${path} with subjectAltName=DNS:*.${domain ?? '<tunnel-domain>'} (the domain on the tunnel's detail page), then restart the proxy.`;
  const out: Finding[] = [];

  if (offDomain.length > 0) {
    out.push(finding(ID, { messageId: 'routes-off-domain', severity: 'info', symptom: `Routes ${offDomain.map((r) => r.key).join(', ')} were not judged.`, cause: `They are not under the tunnel domain ${domain}, so the platform never sends their hostnames (reported by tunnel-domain).`, fix: 'Fix the route keys first.', evidence: { routes: offDomain.map((r) => r.key) } }));
  }
  if (known.length === 0) {
    if (!domain) {
      return skip(routes.length > 0
        ? `the tunnel domain is unknown, so the hostnames of routes ${routes.map((r) => r.key).join(', ')} cannot be told (set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain)`
        : 'the tunnel domain is unknown and there are no routes (set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain)');
    }
    // No routes yet: any future route is <name>.<domain>; a sample label stands for them.
    const notChecked = config ? [] : [`the routes (no proxy config was found): the names were judged for any <route>.${domain}`];
    const covering = coveringName(cert.sanDns, `route.${domain}`);
    if (covering) {
      out.push(finding(ID, { messageId: 'domain-covered', severity: 'info', symptom: `${covering} covers every <route>.${domain}.`, cause: 'No routes are configured yet; the wildcard covers any route.', fix: 'Nothing to do.', evidence }));
    } else {
      const under = cert.sanDns.filter((n) => n.toLowerCase().endsWith(`.${domain}`) && !n.includes('*'));
      out.push(under.length > 0
        ? finding(ID, { messageId: 'no-wildcard', severity: 'warn', symptom: 'Routes added later will fail the handshake with "bad certificate".', cause: `The certificate names only ${under.join(', ')} under ${domain}; any other route name will fail the handshake.`, fix, evidence })
        : finding(ID, { messageId: 'domain-not-covered', cause: `No name covers <route>.${domain}: ${whyNotCovered(cert, `route.${domain}`).split(`route.${domain}`).join(`<route>.${domain}`)}.`, fix, evidence, location: { file: path } }));
    }
    return judge(out, notChecked);
  }

  // The domain came from tunnel_domain alone (the assigned domain is unknown): when the certificate
  // was made for another domain, either may be the wrong one, so neither is blamed.
  const bareKeys = known.filter((r) => !r.key.includes('.')).map((r) => r.key);
  const uncovered = known.filter((r) => !coveringName(cert.sanDns, r.hostname));
  const certDomain = effective?.source === 'config' && uncovered.length > 0 ? certificateDomain(cert, effective.value, bareKeys) : null;
  if (certDomain) {
    const tdKey = configKeyName(facts, 'tunnel_domain');
    const tdLoc = locate(facts.proxyConfig, 'tunnel_domain');
    out.push(finding(ID, {
      messageId: 'domain-disagreement',
      symptom: `${tdKey} says "${domain}", ${path} was made for "${certDomain}": one of them is wrong, and requests fail either way.`,
      cause: `The tunnel's assigned domain is unknown (no data/tunnel-domain, no --tunnel-domain), so which one is right cannot be told. If it is ${certDomain}, ${tdKey} is wrong and the proxy answers "no route for host"; if it is ${domain}, the certificate is wrong and handshakes fail with "bad certificate".`,
      fix: `Look up the domain on the tunnel's detail page and run again with --tunnel-domain <it>. If it is ${certDomain}: set ${tdKey}: ${certDomain}, then restart the proxy. If it is ${domain}: re-issue ${path} with subjectAltName=DNS:*.${domain}, then restart the proxy.`,
      evidence: { ...evidence, configuredDomain: domain, certificateDomain: certDomain, routes: uncovered.map((r) => r.key) },
      location: tdLoc ? { ...tdLoc, file: displayPath(facts, tdLoc.file) } : undefined,
    }));
    return judge(out);
  }

  // When tunnel_domain and the assigned domain disagree (tunnel-domain's finding), a certificate
  // made for tunnel_domain is not a second defect: which of the two domains is wrong is not known.
  const configDomain = proxyConfigModel(facts)?.tunnelDomain ?? null;
  const otherDomain = configDomain && domain && configDomain !== domain ? configDomain : null;
  const covered: Record<string, string> = {};
  const asConfigured: string[] = [];
  for (const r of known) {
    const name = coveringName(cert.sanDns, r.hostname);
    if (name) {
      covered[r.hostname] = name;
      continue;
    }
    const alt = otherDomain && !r.key.includes('.') ? coveringName(cert.sanDns, `${r.key.toLowerCase()}.${otherDomain}`) : null;
    if (alt) {
      asConfigured.push(r.key);
      continue;
    }
    out.push(finding(ID, {
      messageId: 'route-not-covered',
      symptom: `Requests for route "${r.key}" (${r.hostname}) fail: the proxy logs "tls handshake failed ... bad certificate".`,
      cause: `${path} does not cover ${r.hostname}: ${whyNotCovered(cert, r.hostname)}.`,
      fix,
      evidence: { ...evidence, route: r.key, hostname: r.hostname },
      location: where(facts, r.key),
    }));
  }
  if (asConfigured.length > 0) {
    out.push(finding(ID, { messageId: 'covers-configured-domain', severity: 'info', symptom: `${path} covers routes ${asConfigured.join(', ')} under tunnel_domain ${otherDomain}, not under the assigned domain ${domain}.`, cause: 'tunnel_domain and the assigned domain differ (reported by tunnel-domain); the certificate matches tunnel_domain.', fix: `Once the domain is settled: if it is ${domain}, re-issue ${path} with subjectAltName=DNS:*.${domain}.`, evidence: { ...evidence, configuredDomain: otherDomain, routes: asConfigured } }));
  }
  const unjudged = routes.filter((r) => r.hostname === null).map((r) => r.key);
  const notChecked: string[] = [];
  if (unjudged.length > 0) {
    notChecked.push(`routes ${unjudged.join(', ')} (bare names, and the tunnel domain is unknown)`);
    out.push(finding(ID, { messageId: 'routes-not-judged', severity: 'info', symptom: `Routes ${unjudged.join(', ')} were not judged.`, cause: 'They are bare names and the tunnel domain is unknown.', fix: 'Set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain.', evidence: { routes: unjudged } }));
  }
  if (Object.keys(covered).length > 0 && !out.some((f) => f.severity === 'error')) {
    out.push(finding(ID, { messageId: 'routes-covered', severity: 'info', symptom: `${path} covers every route hostname.`, cause: 'Each <route>.<tunnel-domain> matches a DNS name of the certificate.', fix: 'Nothing to do.', evidence: { ...evidence, covered } }));
  }
  return judge(out, notChecked);
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
