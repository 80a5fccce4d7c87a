// certificate-san: tls.crt's DNS Subject Alternative Names cover <route>.<tunnel-domain> for
// every route (RFC 6125 matching: a wildcard stands for exactly one left-most label). With no
// routes yet, the names must cover the tunnel domain's subdomains. The common name is ignored,
// as the platform ignores it.

import { defineCheck } from '../../src/core/check.js';
import type { CertificateFacts, Facts } from '../../src/core/facts.js';
import type { Location } from '../../src/core/types.js';
import {
  configKeyName,
  effectiveTunnelDomain,
  locate,
  proxyConfigModel,
  routeHostnames,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import { coveringName, wildcardProblem } from '../../src/pki/dns-name.js';
import { displayPath, usableCertificate } from '../../src/pki/tls-inputs.js';

const REISSUE =
  "Re-issue {file} with subjectAltName=DNS:*.{domain} (the domain on the tunnel's detail page), then restart the proxy.";

/** Why the names miss `host`, in words: no names at all, a wildcard one level off, or simply other names. */
function whyNotCovered(cert: CertificateFacts, host: string): string {
  if (cert.sanDns.length === 0)
    return `the certificate has no DNS Subject Alternative Names (its subject "${cert.subject}" is not consulted)`;
  const parent = host.slice(host.indexOf('.') + 1);
  const offByLevel = cert.sanDns.find(
    (n) =>
      n.startsWith('*.') &&
      n.toLowerCase() !== `*.${parent}` &&
      (host.endsWith(n.slice(1).toLowerCase()) || n.toLowerCase().endsWith(`.${parent}`)),
  );
  if (offByLevel)
    return `${offByLevel} covers exactly one label under ${offByLevel.slice(2)}, and ${host} is not one label under it`;
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
  const parents = new Set(
    cert.sanDns.map((n) => n.toLowerCase().slice(n.indexOf('.') + 1)).filter((p) => p.includes('.')),
  );
  for (const p of parents) {
    if (p === domain || domain.endsWith(`.${p}`)) continue;
    if (keys.every((k) => coveringName(cert.sanDns, `${k.toLowerCase()}.${p}`))) return p;
  }
  return null;
}

export const check = defineCheck({
  id: 'certificate-san',
  requires: ['serverCert'],
  uses: ['proxyConfig', 'assignedDomain', 'compose', 'dotenv', 'helmValues'],
  messages: {
    'route-not-covered': {
      severity: 'error',
      meaning: "The certificate's DNS names do not cover a route's <route>.<tunnel-domain>.",
      symptom:
        'Requests for route "{route}" ({hostname}) fail: the proxy logs "tls handshake failed ... bad certificate".',
      cause: '{file} does not cover {hostname}: {why}.',
      fix: REISSUE,
    },
    'domain-not-covered': {
      severity: 'error',
      meaning: 'No DNS name covers <route>.<tunnel-domain> (no routes yet).',
      cause: 'No name covers <route>.{domain}: {why}.',
      fix: REISSUE,
    },
    'no-wildcard': {
      severity: 'warn',
      meaning: 'Only some names under the domain are covered: routes added later will fail.',
      symptom: 'Routes added later will fail the handshake with "bad certificate".',
      cause: 'The certificate names only {names} under {domain}; any other route name will fail the handshake.',
      fix: REISSUE,
    },
    'domain-disagreement': {
      severity: 'error',
      meaning: 'tunnel_domain and the certificate name different domains, and which is right is unknown.',
      symptom:
        '{key} says "{domain}", {file} was made for "{certificateDomain}": one of them is wrong, and requests fail ' +
        'either way.',
      cause:
        "The tunnel's assigned domain is unknown (no data/tunnel-domain, no --tunnel-domain), so which one is right cannot be " +
        'told. If it is {certificateDomain}, {key} is wrong and the proxy answers "no route for host"; if it is {domain}, the ' +
        'certificate is wrong and handshakes fail with "bad certificate".',
      fix:
        "Look up the domain on the tunnel's detail page and run again with --tunnel-domain <it>. If it is {certificateDomain}: " +
        'set {key}: {certificateDomain}, then restart the proxy. If it is {domain}: re-issue {file} with ' +
        'subjectAltName=DNS:*.{domain}, then restart the proxy.',
    },
    'covers-configured-domain': {
      severity: 'info',
      meaning: 'The certificate matches tunnel_domain, which differs from the assigned domain (info).',
      symptom:
        '{file} covers routes {routes} under tunnel_domain {configuredDomain}, not under the assigned domain ' +
        '{domain}.',
      cause:
        'tunnel_domain and the assigned domain differ (reported by tunnel-domain); the certificate matches ' +
        'tunnel_domain.',
      fix: 'Once the domain is settled: if it is {domain}, re-issue {file} with subjectAltName=DNS:*.{domain}.',
    },
    'routes-off-domain': {
      severity: 'info',
      meaning: 'Routes outside the tunnel domain were not judged (info).',
      symptom: 'Routes {routes} were not judged.',
      cause:
        'They are not under the tunnel domain {domain}, so the platform never sends their hostnames (reported by ' +
        'tunnel-domain).',
      fix: 'Fix the route keys first.',
    },
    'routes-not-judged': {
      severity: 'info',
      meaning: 'Bare route names were not judged: the tunnel domain is unknown (info).',
      symptom: 'Routes {routes} were not judged.',
      cause: 'They are bare names and the tunnel domain is unknown.',
      fix: 'Set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain.',
    },
    'domain-covered': {
      severity: 'info',
      meaning: 'A wildcard covers every <route>.<tunnel-domain> (info).',
      symptom: '{covering} covers every <route>.{domain}.',
      cause: 'No routes are configured yet; the wildcard covers any route.',
      fix: 'Nothing to do.',
    },
    'routes-covered': {
      severity: 'info',
      meaning: 'The certificate covers every route hostname (info).',
      symptom: '{file} covers every route hostname.',
      cause: 'Each <route>.<tunnel-domain> matches a DNS name of the certificate.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const config = facts.proxyConfig;
    const usable = usableCertificate(facts, 'serverCert');
    if ('unusable' in usable) return report.skip(usable.unusable);
    if (config && config.state !== 'ok')
      return report.skip(`${whyUnusable(config, 'the proxy config')}, so its routes cannot be told`);
    const shape = proxyConfigModel(facts)?.routesShape;
    if (config && shape !== 'map' && shape !== 'missing') {
      return report.skip('routes is not a map (reported by proxy-config), so the route hostnames cannot be told');
    }
    const { certificate: cert, path: file } = usable;
    const effective = effectiveTunnelDomain(facts);
    const domain = effective?.value ?? null;
    const routes = routeHostnames(facts);
    const named = routes.filter((r): r is { key: string; hostname: string } => r.hostname !== null);
    // A full-hostname key outside the tunnel domain never receives a request (no handshake is made
    // for it): tunnel-domain reports that key, so it is not held against the certificate here.
    const offDomain = domain ? named.filter((r) => r.hostname !== domain && !r.hostname.endsWith(`.${domain}`)) : [];
    const known = named.filter((r) => !offDomain.includes(r));
    const evidence = { file, san: cert.sanDns, tunnelDomain: domain };
    const texts = { file, domain: domain ?? '<tunnel-domain>' };

    if (offDomain.length > 0) {
      const keys = offDomain.map((r) => r.key);
      report('routes-off-domain', { routes: keys.join(', '), domain }, null, { evidence: { routes: keys } });
    }
    if (known.length === 0) {
      if (!domain) {
        return report.skip(
          routes.length > 0
            ? `the tunnel domain is unknown, so the hostnames of routes ${routes.map((r) => r.key).join(', ')} cannot be told (set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain)`
            : 'the tunnel domain is unknown and there are no routes (set tunnel_domain, write data/tunnel-domain or pass --tunnel-domain)',
        );
      }
      // No routes yet: any future route is <name>.<domain>; a sample label stands for them.
      if (!config)
        report.notChecked(`the routes (no proxy config was found): the names were judged for any <route>.${domain}`);
      const covering = coveringName(cert.sanDns, `route.${domain}`);
      const under = cert.sanDns.filter((n) => n.toLowerCase().endsWith(`.${domain}`) && !n.includes('*'));
      if (covering) report('domain-covered', { covering, domain }, null, { evidence });
      else if (under.length > 0) report('no-wildcard', { ...texts, names: under.join(', ') }, null, { evidence });
      else {
        const why = whyNotCovered(cert, `route.${domain}`).split(`route.${domain}`).join(`<route>.${domain}`);
        report('domain-not-covered', { ...texts, why }, { file }, { evidence });
      }
      return;
    }

    // The domain came from tunnel_domain alone (the assigned domain is unknown): when the certificate
    // was made for another domain, either may be the wrong one, so neither is blamed.
    const bareKeys = known.filter((r) => !r.key.includes('.')).map((r) => r.key);
    const uncovered = known.filter((r) => !coveringName(cert.sanDns, r.hostname));
    const certDomain =
      effective?.source === 'config' && uncovered.length > 0
        ? certificateDomain(cert, effective.value, bareKeys)
        : null;
    if (effective && certDomain) {
      const tdLoc = locate(facts.proxyConfig, 'tunnel_domain');
      const data = {
        file,
        domain: effective.value,
        certificateDomain: certDomain,
        key: configKeyName(facts, 'tunnel_domain'),
      };
      report('domain-disagreement', data, tdLoc ? { ...tdLoc, file: displayPath(facts, tdLoc.file) } : undefined, {
        evidence: {
          ...evidence,
          configuredDomain: domain,
          certificateDomain: certDomain,
          routes: uncovered.map((r) => r.key),
        },
      });
      return;
    }

    // When tunnel_domain and the assigned domain disagree (tunnel-domain's finding), a certificate
    // made for tunnel_domain is not a second defect: which of the two domains is wrong is not known.
    const configDomain = proxyConfigModel(facts)?.tunnelDomain ?? null;
    const otherDomain = configDomain && domain && configDomain !== domain ? configDomain : null;
    const covered: Record<string, string> = {};
    const asConfigured: string[] = [];
    let notCovered = 0;
    for (const r of known) {
      const name = coveringName(cert.sanDns, r.hostname);
      if (name) {
        covered[r.hostname] = name;
        continue;
      }
      const alt =
        otherDomain && !r.key.includes('.') ? coveringName(cert.sanDns, `${r.key.toLowerCase()}.${otherDomain}`) : null;
      if (alt) {
        asConfigured.push(r.key);
        continue;
      }
      notCovered += 1;
      const data = { ...texts, route: r.key, hostname: r.hostname, why: whyNotCovered(cert, r.hostname) };
      report('route-not-covered', data, where(facts, r.key), {
        evidence: { ...evidence, route: r.key, hostname: r.hostname },
      });
    }
    if (otherDomain && asConfigured.length > 0) {
      const data = { ...texts, routes: asConfigured.join(', '), configuredDomain: otherDomain };
      report('covers-configured-domain', data, null, {
        evidence: { ...evidence, configuredDomain: otherDomain, routes: asConfigured },
      });
    }
    const unjudged = routes.filter((r) => r.hostname === null).map((r) => r.key);
    if (unjudged.length > 0) {
      report.notChecked(`routes ${unjudged.join(', ')} (bare names, and the tunnel domain is unknown)`);
      report('routes-not-judged', { routes: unjudged.join(', ') }, null, { evidence: { routes: unjudged } });
    }
    if (Object.keys(covered).length > 0 && notCovered === 0)
      report('routes-covered', { file }, null, { evidence: { ...evidence, covered } });
  },
});
