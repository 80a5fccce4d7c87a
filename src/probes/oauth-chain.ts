// Walks the OAuth discovery chain as the platform's client does, from the `mcp` route's Bearer
// challenge. Every URL on a tunnel host (<route>.<tunnel-domain>) is fetched from that route's
// upstream with its Host header, never from the internet; a URL on another host is not fetched,
// and the attempt says so.

import type { BearerChallenge, ChainAttempt, OAuthChainFacts } from '../core/live-facts.js';
import { authorizationServerMetadataUrls, protectedResourceMetadataUrls } from '../model/oauth-chain.js';
import { isRecord } from '../model/compose.js';
import { parseYamlText } from '../model/yaml-document.js';

/** One GET through a route's upstream, or why the URL was not fetched. */
export type TunnelFetch =
  | { route: string; status: number | null; body: string | null; detail: string | null }
  | { route: null; detail: string };

async function firstDocument(
  step: ChainAttempt['step'],
  urls: string[],
  fetch: (url: string) => Promise<TunnelFetch>,
  attempts: ChainAttempt[],
): Promise<{ url: string; text: string } | null> {
  for (const url of urls) {
    const r = await fetch(url);
    if (r.route === null) {
      attempts.push({ step, url, route: null, httpStatus: null, notUsed: r.detail });
      continue;
    }
    let notUsed: string | null = r.detail ?? (r.status !== 200 ? `HTTP ${r.status}` : null);
    if (notUsed === null) {
      try {
        if (!isRecord(JSON.parse(r.body ?? ''))) notUsed = 'not a JSON object';
      } catch {
        notUsed = 'not JSON';
      }
    }
    attempts.push({ step, url, route: r.route, httpStatus: r.status, notUsed });
    if (notUsed === null) return { url, text: r.body ?? '' };
  }
  return null;
}

export async function walkOAuthChain(
  resource: string,
  challenge: BearerChallenge | null,
  fetch: (url: string) => Promise<TunnelFetch>,
): Promise<OAuthChainFacts> {
  const attempts: ChainAttempt[] = [];
  const out: OAuthChainFacts = {
    resource,
    challenge,
    attempts,
    resourceMetadataUrl: null,
    resourceMetadata: null,
    issuer: null,
    authorizationServerMetadataUrl: null,
    authorizationServerMetadata: null,
    stopped: null,
  };
  const prmUrls = challenge?.resourceMetadata ? [challenge.resourceMetadata] : protectedResourceMetadataUrls(resource);
  const prm = await firstDocument('resource-metadata', prmUrls, fetch, attempts);
  if (!prm) {
    out.stopped = 'no protected resource metadata was found';
    return out;
  }
  out.resourceMetadataUrl = prm.url;
  out.resourceMetadata = parseYamlText(prm.text, prm.url);
  const data = out.resourceMetadata.state === 'ok' ? out.resourceMetadata.value.data : undefined;
  const servers = isRecord(data) ? data.authorization_servers : undefined;
  const first: unknown = Array.isArray(servers) ? servers[0] : undefined;
  if (typeof first !== 'string') {
    out.stopped = 'the protected resource metadata names no authorization server';
    return out;
  }
  out.issuer = first;
  let asUrls: string[];
  try {
    asUrls = authorizationServerMetadataUrls(first);
  } catch {
    out.stopped = `authorization_servers[0] "${first}" is not a URL`;
    return out;
  }
  const as = await firstDocument('authorization-server-metadata', asUrls, fetch, attempts);
  if (!as) return out;
  out.authorizationServerMetadataUrl = as.url;
  out.authorizationServerMetadata = parseYamlText(as.text, as.url);
  return out;
}
