// The proxy config's meaning, read from parsed YAML: listen port, tunnel domain, routes with
// their upstreams parsed, the upstream policy. Pure; the checks judge what this returns.

import { ipVersion } from './ip-policy.js';
import { isRecord } from './compose.js';
import { interpolate } from './interpolate.js';

export interface Upstream {
  scheme: string;
  host: string;
  port: number;
  /** 4 or 6 when the host is an IP literal, else 0 (a name to resolve). */
  ipVersion: 0 | 4 | 6;
}

export interface ProxyRoute {
  key: string;
  raw: unknown;
  upstream: Upstream | null;
  /** Why the upstream is not exactly scheme://host:port, when it is not. */
  problem: string | null;
  /** Severity of the problem: a trailing "/" is tolerated by most parsers but not by the rule. */
  problemSeverity: 'error' | 'warn' | null;
}

export interface ProxyConfigModel {
  listenAddr: string | null;
  listenPort: number | null;
  /** tunnel_domain as written and as expanded from the environment. */
  tunnelDomainRaw: string | null;
  tunnelDomain: string | null;
  tunnelDomainUnset: string[];
  routesShape: 'map' | 'list' | 'missing' | 'other';
  routes: ProxyRoute[];
}

export function parseUpstream(raw: unknown): {
  upstream: Upstream | null;
  problem: string | null;
  severity: 'error' | 'warn' | null;
} {
  if (typeof raw !== 'string')
    return {
      upstream: null,
      problem: `is a ${raw === null ? 'null' : Array.isArray(raw) ? 'list' : typeof raw}, not a "scheme://host:port" string`,
      severity: 'error',
    };
  // Credentials before "@" would otherwise be read as host and port (and echoed as a "port").
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(raw.trim())) {
    return {
      upstream: null,
      problem:
        'carries credentials (user:password@host); the proxy dials only scheme://host:port, so remove them, and change that password: it sits in the config in clear',
      severity: 'error',
    };
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(
    raw.trim(),
  );
  if (!m) return { upstream: null, problem: 'is not a URL of the form scheme://host:port', severity: 'error' };
  const [, schemeRaw = '', hostRaw = '', portRaw, path, query, fragment] = m;
  const scheme = schemeRaw.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https')
    return { upstream: null, problem: `uses scheme "${scheme}"; only http and https are dialled`, severity: 'error' };
  if (hostRaw === '') return { upstream: null, problem: 'has no host', severity: 'error' };
  if (portRaw === undefined || portRaw === '')
    return { upstream: null, problem: 'has no port (write it explicitly, e.g. :8080 or :443)', severity: 'error' };
  const port = /^\d+$/.test(portRaw) ? Number(portRaw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { upstream: null, problem: `has an invalid port "${portRaw}"`, severity: 'error' };
  if (query || fragment)
    return { upstream: null, problem: 'has a query or fragment; give only scheme://host:port', severity: 'error' };
  const host = hostRaw.startsWith('[') ? hostRaw.slice(1, -1) : hostRaw;
  const version = ipVersion(host);
  const upstream: Upstream = { scheme, host, port, ipVersion: version };
  if (path === '/')
    return { upstream, problem: 'ends with "/"; the rule is exactly scheme://host:port', severity: 'warn' };
  if (path)
    return {
      upstream,
      problem: `has a path ("${path}"); the proxy rejects it with "invalid upstream (must be scheme://host:port)" (the request path is forwarded unchanged)`,
      severity: 'error',
    };
  return { upstream, problem: null, severity: null };
}

export function listenPort(listenAddr: string): number | null {
  const m = /:(\d+)$/.exec(listenAddr.trim());
  if (!m) return null;
  const port = Number(m[1]);
  return port >= 1 && port <= 65535 ? port : null;
}

export function readProxyConfig(data: unknown, vars: Readonly<Record<string, string | undefined>>): ProxyConfigModel {
  const root = isRecord(data) ? data : {};
  const listenAddr =
    typeof root.listen_addr === 'string'
      ? root.listen_addr
      : typeof root.listen_addr === 'number'
        ? String(root.listen_addr)
        : null;
  let tunnelDomainRaw: string | null = null;
  let tunnelDomain: string | null = null;
  let tunnelDomainUnset: string[] = [];
  if (typeof root.tunnel_domain === 'string' && root.tunnel_domain.trim() !== '') {
    tunnelDomainRaw = root.tunnel_domain;
    const exp = interpolate(root.tunnel_domain, vars);
    tunnelDomainUnset = exp.unset;
    tunnelDomain = normalizeDomain(exp.value) || null;
  }
  const r = root.routes;
  const routesShape: ProxyConfigModel['routesShape'] =
    r === undefined || r === null ? 'missing' : Array.isArray(r) ? 'list' : isRecord(r) ? 'map' : 'other';
  const routes: ProxyRoute[] =
    routesShape === 'map'
      ? Object.entries(r as Record<string, unknown>).map(([key, raw]) => {
          const p = parseUpstream(raw);
          return { key, raw, upstream: p.upstream, problem: p.problem, problemSeverity: p.severity };
        })
      : [];
  return {
    listenAddr,
    listenPort: listenAddr ? listenPort(listenAddr) : null,
    tunnelDomainRaw,
    tunnelDomain,
    tunnelDomainUnset,
    routesShape,
    routes,
  };
}

export function normalizeDomain(d: string): string {
  return d.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * The hostname the platform sends for a route: a bare key is `<key>.<tunnel_domain>`; a key that
 * is already a full hostname is used as it is. Null when a bare key has no domain to join.
 */
export function routeHostname(key: string, tunnelDomain: string | null): string | null {
  const k = normalizeDomain(key);
  if (k.includes('.')) return k;
  return tunnelDomain ? `${k}.${tunnelDomain}` : null;
}
