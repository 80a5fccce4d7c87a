// Split OAuth discovery behind a tunnel: the URLs the two well-known documents must use, and the
// small URL judgements both OAuth checks make. Pure.

import type { Facts, FileFact, YamlDocumentFacts } from '../core/facts.js';
import { normalizeDomain } from './proxy-config.js';

/** The route keys the vendor's split-discovery recipe uses. */
export const AUTH_ROUTE = 'auth';
export const MCP_ROUTE = 'mcp';

export function tunnelIssuer(domain: string): string {
  return `https://${AUTH_ROUTE}.${domain}`;
}

export interface HttpsUrl {
  url: URL;
  host: string; // lower case, no trailing dot
  /** Port written explicitly and not the https default. */
  port: string;
  hasQuery: boolean;
  hasFragment: boolean;
}

/** Parse an absolute URL; `problem` says why it is unusable as an https:// endpoint. */
export function parseHttpsUrl(raw: string): { ok: true; value: HttpsUrl } | { ok: false; problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'is not an absolute URL' };
  }
  if (url.protocol !== 'https:')
    return { ok: false, problem: `uses ${url.protocol.replace(/:$/, '')}://; it must be https://` };
  return {
    ok: true,
    value: {
      url,
      host: normalizeDomain(url.hostname),
      port: url.port,
      hasQuery: raw.includes('?'),
      hasFragment: raw.includes('#'),
    },
  };
}

export function isUnderDomain(host: string, domain: string): boolean {
  const h = normalizeDomain(host);
  const d = normalizeDomain(domain);
  return h === d || h.endsWith(`.${d}`);
}

/**
 * Two issuer identifiers that differ only in ways a human overlooks (a trailing "/", the case of
 * the host, an explicit :443): RFC 8414 compares them as identical strings, so they still differ.
 */
export function looselyEqualUrls(a: string, b: string): boolean {
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    return ua.href.replace(/\/$/, '') === ub.href.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/**
 * The document to judge: the file given with the flag, else the one the client's walk of the
 * discovery chain used, else the one fetched from the route's well-known URL.
 * `origin` names where it came from, for sentences.
 */
export function discoveryDocument(
  facts: Readonly<Facts>,
  which: 'oauthMetadata' | 'resourceMetadata',
): { fact: FileFact<YamlDocumentFacts>; origin: string } | null {
  const file = facts[which];
  if (file) return { fact: file, origin: file.path };
  // The documents the client's walk used, when it walked one; else the fixed well-known URLs.
  const chain = facts.live?.oauthChain;
  const walked =
    which === 'resourceMetadata'
      ? { fact: chain?.resourceMetadata, url: chain?.resourceMetadataUrl }
      : { fact: chain?.authorizationServerMetadata, url: chain?.authorizationServerMetadataUrl };
  if (walked.fact && walked.url) return { fact: walked.fact, origin: walked.url };
  const fetched = facts.live?.[which];
  if (fetched?.ok && fetched.document) return { fact: fetched.document, origin: fetched.url };
  return null;
}

/** Why there is no document to judge: not given, offline, no route to fetch from, or the fetch failed. */
export function discoverySkipReason(facts: Readonly<Facts>, which: 'oauthMetadata' | 'resourceMetadata'): string {
  const flag = which === 'oauthMetadata' ? '--oauth-metadata' : '--resource-metadata';
  const given = `no document given (${flag} FILE)`;
  if (facts.offline)
    return `${given}, and fetching it from the route's upstream needs the network (run without --offline)`;
  if (!facts.live) return `${given}, and the live probes did not run`;
  const fetched = facts.live[which];
  if (!fetched) return `${given}; not fetched: ${facts.live.oauthSkipped ?? 'no route to fetch it from'}`;
  const status = fetched.httpStatus !== null ? ` (HTTP ${fetched.httpStatus})` : '';
  return `${given}; fetching ${fetched.url} failed${status}: ${fetched.detail ?? fetched.failure ?? 'unknown reason'}`;
}

/** Why neither OAuth check can judge a document: the hosts it must name are unknown. */
export const TUNNEL_DOMAIN_UNKNOWN =
  'the tunnel domain is not known (set tunnel_domain, or pass --tunnel-domain), so the tunnel hosts cannot be told';
