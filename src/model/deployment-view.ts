// Views over Facts that several checks share: the proxy config's meaning, the tunnel domain in
// force, the hostnames the platform will ask for, and where a key sits for a location.

import type { Facts, FileFact, Location, YamlDocumentFacts } from '../core/facts.js';
import { findProxyService, serviceEnvironment } from './compose.js';
import { interpolate } from './interpolate.js';
import { normalizeDomain, readProxyConfig, routeHostname, type ProxyConfigModel } from './proxy-config.js';

/** Variables for ${VAR} expansion, as Compose resolves them: the shell wins over .env. */
export function expansionVars(facts: Readonly<Facts>): Record<string, string> {
  const dot = facts.dotenv?.state === 'ok' ? facts.dotenv.value : {};
  return { ...dot, ...facts.processEnv };
}

/**
 * Variables the proxy sees when it expands ${VAR} in its config: expansionVars, overlaid with
 * the proxy service's own `environment:` (its values expanded by Compose first), so a literal
 * `TUNNEL_DOMAIN: abcd.tunnel.example` in the Compose file counts.
 */
function proxyConfigVars(facts: Readonly<Facts>): Record<string, string> {
  const vars = expansionVars(facts);
  const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
  if (!service) return vars;
  const out = { ...vars };
  for (const [name, value] of Object.entries(serviceEnvironment(service))) {
    const exp = value === null ? null : interpolate(value, vars);
    // `NAME: ${NAME}` with NAME set nowhere: Compose passes an empty string, but the variable is
    // what is missing, so it stays unset here and the config's ${NAME} is reported as unset.
    if (exp && exp.unset.length > 0 && exp.value === '') continue;
    const v = exp ? exp.value : vars[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export function proxyConfigModel(facts: Readonly<Facts>): ProxyConfigModel | null {
  if (facts.proxyConfig?.state !== 'ok') return null;
  return readProxyConfig(facts.proxyConfig.value.data, proxyConfigVars(facts));
}

/** True when the proxy config was taken from Helm values (gateway.config), not from a file of its own. */
export function proxyConfigFromHelm(facts: Readonly<Facts>): boolean {
  const values = facts.helmValues;
  const config = facts.proxyConfig;
  if (values?.state !== 'ok' || !config) return false;
  return values.value.files.includes(config.path) || values.path === config.path;
}

/** How a proxy config key is spelled where the user edits it: `routes`, or `gateway.config.routes` in Helm values. */
export function configKeyName(facts: Readonly<Facts>, key: string): string {
  return proxyConfigFromHelm(facts) ? `gateway.config.${key}` : key;
}

/** A YAML snippet of proxy config, nested under gateway.config when the config lives in Helm values. */
export function configSnippet(facts: Readonly<Facts>, yamlText: string): string {
  const body = yamlText.replace(/\n+$/, '');
  if (!proxyConfigFromHelm(facts)) return body;
  return ['gateway:', '  config:', ...body.split('\n').map((l) => `    ${l}`)].join('\n');
}

/**
 * The one command that makes a change take effect, for the checks' fix text and for --fix alike.
 * An edited config file (bind-mounted) needs a restart, as the proxy reads it only at start; an
 * edited .env, Compose file or variable needs the container re-created: `docker compose restart`
 * keeps the environment the container was created with. `service` defaults to the proxy's.
 */
export function applyChangeCommand(
  facts: Readonly<Facts>,
  changed: 'config-file' | 'environment',
  service?: string,
): string {
  if (proxyConfigFromHelm(facts) || facts.deployment.layout === 'helm') {
    return 'helm upgrade (same release and values files), and make sure the proxy pod restarts (kubectl rollout restart) since the proxy reads its config only at start';
  }
  const proxy = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
  const name = service ?? proxy?.name ?? facts.deployment.generation ?? 'mcp-proxy';
  return changed === 'config-file'
    ? `docker compose restart ${name}`
    : `docker compose up -d ${name} (a restart alone does not re-read .env or the Compose file)`;
}

/** How to make the proxy read an edited config file (it is not hot-reloaded). */
export function proxyRestartCommand(facts: Readonly<Facts>): string {
  return applyChangeCommand(facts, 'config-file');
}

/** The proxy image's non-root user. */
const PROXY_UID = 65532;

/** The user the proxy runs as: the Compose service's numeric `user:`, else the image's 65532. */
export function proxyUser(facts: Readonly<Facts>): { uid: number; gid: number; source: string } {
  const compose = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
  const service = compose ? findProxyService(compose) : null;
  const m =
    typeof service?.spec.user === 'string' || typeof service?.spec.user === 'number'
      ? /^(\d+)(?::(\d+))?$/.exec(String(service.spec.user).trim())
      : null;
  if (service && m) {
    const uid = Number(m[1]);
    return {
      uid,
      gid: m[2] !== undefined ? Number(m[2]) : uid,
      source: `user "${String(service.spec.user)}" of the ${service.name} service`,
    };
  }
  return { uid: PROXY_UID, gid: PROXY_UID, source: "the proxy image's user" };
}

/** The domain assigned to the tunnel (--tunnel-domain or data/tunnel-domain), normalized. */
export function assignedDomain(facts: Readonly<Facts>): string | null {
  return facts.assignedDomain?.state === 'ok' && facts.assignedDomain.value !== ''
    ? normalizeDomain(facts.assignedDomain.value)
    : null;
}

/**
 * The tunnel's domain as the platform uses it (SNI and Host are <route>.<this>): the assigned
 * domain (--tunnel-domain or data/tunnel-domain) when known, else the config's tunnel_domain.
 * When the two differ, the tunnel-domain check reports it; the other checks judge against the
 * domain the platform really sends, so one wrong setting fails one check.
 */
export function effectiveTunnelDomain(facts: Readonly<Facts>): { value: string; source: 'config' | 'assigned' } | null {
  const assigned = assignedDomain(facts);
  if (assigned) return { value: assigned, source: 'assigned' };
  const model = proxyConfigModel(facts);
  if (model?.tunnelDomain) return { value: model.tunnelDomain, source: 'config' };
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

/** `file:line` (or the file alone) for sentences that point at a place. */
export function describeLocation(loc: Location | undefined, fallback = 'the proxy config'): string {
  if (!loc) return fallback;
  return loc.line ? `${loc.file}:${loc.line}` : loc.file;
}
