// Views over Facts that several checks share: the proxy config's meaning, the tunnel domain in
// force, the hostnames the platform will ask for, and where a key sits for a location.

import type { Facts, FileFact, Location, YamlDocumentFacts } from '../core/facts.js';
import { normalizeDomain, readProxyConfig, routeHostname, type ProxyConfigModel } from './proxy-config.js';

/** Variables for ${VAR} expansion, as Compose resolves them: the shell wins over .env. */
export function expansionVars(facts: Readonly<Facts>): Record<string, string> {
  const dot = facts.dotenv?.state === 'ok' ? facts.dotenv.value : {};
  return { ...dot, ...facts.processEnv };
}

export function proxyConfigModel(facts: Readonly<Facts>): ProxyConfigModel | null {
  if (facts.proxyConfig?.state !== 'ok') return null;
  return readProxyConfig(facts.proxyConfig.value.data, expansionVars(facts));
}

/** The domain assigned to the tunnel (--tunnel-domain or data/tunnel-domain), normalized. */
export function assignedDomain(facts: Readonly<Facts>): string | null {
  return facts.assignedDomain?.state === 'ok' && facts.assignedDomain.value !== '' ? normalizeDomain(facts.assignedDomain.value) : null;
}

/**
 * The tunnel domain the proxy will strip: tunnel_domain from its config (expanded), else the
 * assigned domain (Helm's managed mode injects it as a flag). Null when neither is known.
 */
export function effectiveTunnelDomain(facts: Readonly<Facts>): { value: string; source: 'config' | 'assigned' } | null {
  const model = proxyConfigModel(facts);
  if (model?.tunnelDomain) return { value: model.tunnelDomain, source: 'config' };
  const assigned = assignedDomain(facts);
  if (assigned) return { value: assigned, source: 'assigned' };
  return null;
}

/** Each route with the hostname the platform sends for it (null when it cannot be told). */
export function routeHostnames(facts: Readonly<Facts>): { key: string; hostname: string | null }[] {
  const model = proxyConfigModel(facts);
  if (!model) return [];
  const domain = effectiveTunnelDomain(facts)?.value ?? null;
  return model.routes.map((r) => ({ key: r.key, hostname: routeHostname(r.key, domain) }));
}

/** Location of a dotted key in a YAML document fact (falls back to the file alone). */
export function locate(fact: FileFact<YamlDocumentFacts> | undefined, key: string): Location | undefined {
  if (!fact || fact.state === 'missing') return undefined;
  if (fact.state !== 'ok') return fact.state === 'invalid' && fact.location ? fact.location : { file: fact.path };
  const pos = fact.value.positions[key];
  return pos ? { file: fact.path, line: pos.line, column: pos.column } : { file: fact.path };
}

/** A one-line description of why a file fact is not usable, for skip reasons. */
export function whyUnusable(fact: FileFact<unknown> | undefined, what: string): string {
  if (!fact) return `no ${what} was found`;
  switch (fact.state) {
    case 'missing':
      return `${what} not found at ${fact.path}`;
    case 'unreadable':
      return `${what} ${fact.path} ${fact.problem}`;
    case 'invalid':
      return `${what} ${fact.path} ${fact.problem}`;
    default:
      return '';
  }
}
