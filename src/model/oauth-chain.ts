// The OAuth discovery chain of MCP authorization (spec 2025-11-25): the URLs a conforming client
// tries, in its order, and the rules the documents it finds must meet beyond the split-discovery
// recipe. Pure: src/probes/oauth-chain.ts fetches, the two OAuth checks report.

/** Where the client looks for protected resource metadata without a challenge (RFC 9728 section 3.1). */
export function protectedResourceMetadataUrls(resource: string): string[] {
  const u = new URL(resource);
  const root = `${u.origin}/.well-known/oauth-protected-resource`;
  const path = u.pathname.replace(/\/$/, '');
  return path === '' ? [root] : [`${root}${path}`, root];
}

/**
 * Where the client looks for the authorization server's metadata (RFC 8414 section 3.1, OpenID
 * Discovery section 4, MCP authorization "Authorization Server Metadata Discovery"): the
 * well-known suffix inserted before the issuer's path, then OpenID appended after it.
 */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/$/, '');
  if (path === '')
    return [`${u.origin}/.well-known/oauth-authorization-server`, `${u.origin}/.well-known/openid-configuration`];
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}/.well-known/openid-configuration${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** The resource a client asks for: https://mcp.<tunnel-domain> plus the MCP path. */
export function mcpResource(domain: string, mcpPath: string): string {
  return `https://mcp.${domain}${mcpPath === '/' ? '' : mcpPath}`;
}

export type ResourceIdentity =
  | { kind: 'identical' }
  /** The origin alone (the vendor's example) for a resource at a path: clients that match by prefix go on. */
  | { kind: 'origin-only' }
  /** Differs only in a trailing "/", the case or a default port: an exact-match client discards the document. */
  | { kind: 'spelling' }
  | { kind: 'other' };

/** How the document's `resource` compares with the resource the client asked for (RFC 9728 section 3.3). */
export function judgeResourceIdentity(declared: string, expected: string): ResourceIdentity {
  if (declared === expected) return { kind: 'identical' };
  let d: URL;
  let e: URL;
  try {
    d = new URL(declared);
    e = new URL(expected);
  } catch {
    return { kind: 'other' };
  }
  const trim = (u: URL) => `${u.origin}${u.pathname.replace(/\/$/, '')}`.toLowerCase();
  if (trim(d) === trim(e)) return { kind: 'spelling' };
  if (d.origin === e.origin && (declared === d.origin || declared === `${d.origin}/`) && e.pathname !== '/')
    return { kind: 'origin-only' };
  return { kind: 'other' };
}

/** The challenge's scopes a document does not list in scopes_supported (none when it has no list). */
export function scopesNotSupported(challengeScope: string | null, supported: unknown): string[] {
  if (challengeScope === null || !Array.isArray(supported)) return [];
  const listed = new Set(supported.filter((s): s is string => typeof s === 'string'));
  return challengeScope.split(/\s+/).filter((s) => s !== '' && !listed.has(s));
}
