// The MCP + OAuth lab: an MCP upstream (the SDK's Streamable HTTP server behind its bearer-auth
// middleware, or something that is not MCP) and an oidc-provider authorization server, each on
// a 127.0.0.1 ephemeral port, plus a deployment directory whose proxy config routes `mcp` and
// `auth` to them, so `doctor --dir` walks the chain the way the proxy would reach it.
//
// One table of variants: the healthy lab, and each variant the healthy lab with one change,
// named for the rule it breaks. `fine` marks those a conforming client still accepts.

import type { Facts } from '../../../src/core/facts.js';
import { makeCertSet, type CertSet } from '../certs.js';
import { makeLabDeployment } from '../deployment.js';
import { LAB_DOMAIN } from '../full-lab.js';
import { startAuthServer, type AuthServerShape } from './auth-server.js';
import { MCP_SCOPE, startMcpUpstream, type ProtectedResourceShape, type UpstreamKind } from './mcp-server.js';

/** The operator's allowlisted public host, where browsers reach the authorization endpoint. */
export const LOGIN_HOST = 'login.example.com';
const MCP_PATH = '/mcp';

interface LabUrls {
  domain: string;
  /** https://mcp.<domain> + MCP_PATH: the resource identifier. */
  mcpUrl: string;
  /** https://auth.<domain>: the issuer. */
  authUrl: string;
}

interface LabSpec {
  upstream: UpstreamKind;
  resource: ProtectedResourceShape;
  auth: AuthServerShape;
}

interface Variant {
  /** The rule broken, in one line (empty for the healthy lab). */
  breaks: string;
  /** A conforming client still succeeds (a warning at most). */
  fine: boolean;
  change(spec: LabSpec, u: LabUrls): void;
}

function healthySpec(u: LabUrls): LabSpec {
  return {
    upstream: 'mcp-oauth',
    resource: {
      document: { resource: u.mcpUrl, authorization_servers: [u.authUrl], scopes_supported: [MCP_SCOPE] },
      at: 'path',
      challengeScope: MCP_SCOPE,
    },
    auth: {
      metadataAt: 'both',
      codeChallengeMethods: ['S256'],
      registration: true,
      authorizationEndpoint: `https://${LOGIN_HOST}/authorize`,
      scopes: ['openid', 'offline_access', MCP_SCOPE],
    },
  };
}

const upstream =
  (kind: UpstreamKind): Variant['change'] =>
  (s) => {
    s.upstream = kind;
  };

export const MCP_LAB_VARIANTS = {
  healthy: { breaks: '', fine: true, change: () => undefined },
  'resource-trailing-slash': {
    breaks: 'protected-resource `resource` has a trailing slash the resource URL has not (RFC 9728 3.3)',
    fine: false,
    change: (s, u) => void (s.resource.document.resource = `${u.mcpUrl}/`),
  },
  'resource-case': {
    breaks: 'protected-resource `resource` differs in case from the resource URL (RFC 9728 3.3)',
    fine: false,
    change: (s, u) => void (s.resource.document.resource = `https://mcp.${u.domain}${MCP_PATH.toUpperCase()}`),
  },
  'resource-port': {
    breaks: 'protected-resource `resource` names a port the resource URL has not (RFC 9728 3.3)',
    fine: false,
    change: (s, u) => void (s.resource.document.resource = `https://mcp.${u.domain}:8443${MCP_PATH}`),
  },
  'authorization-servers-missing': {
    breaks: 'protected-resource has no `authorization_servers` (MCP authorization 2025-11-25)',
    fine: false,
    change: (s) => void delete s.resource.document.authorization_servers,
  },
  'authorization-servers-other-host': {
    breaks: '`authorization_servers` names a host other than https://auth.<tunnel-domain>',
    fine: false,
    change: (s) => void (s.resource.document.authorization_servers = [`https://${LOGIN_HOST}`]),
  },
  'resource-metadata-root-only': {
    breaks: 'protected-resource only at the root well-known URL, and no resource_metadata in the challenge',
    fine: true,
    change: (s) => void (s.resource.at = 'root'),
  },
  'resource-metadata-missing': {
    breaks: 'protected-resource at neither well-known URL, and no resource_metadata in the challenge',
    fine: false,
    change: (s) => void (s.resource.at = 'neither'),
  },
  'oauth-metadata-openid-only': {
    breaks: 'authorization server metadata only at /.well-known/openid-configuration',
    fine: true,
    change: (s) => void (s.auth.metadataAt = 'openid-only'),
  },
  'oauth-metadata-missing': {
    breaks: 'authorization server metadata at neither well-known location',
    fine: false,
    change: (s) => void (s.auth.metadataAt = 'neither'),
  },
  'issuer-mismatch': {
    breaks: '`issuer` differs from the URL the metadata was fetched for (RFC 8414 3.3)',
    fine: false,
    change: (s, u) => void (s.auth.issuerStated = `${u.authUrl}/`),
  },
  'pkce-methods-absent': {
    breaks: '`code_challenge_methods_supported` absent (a conforming client refuses)',
    fine: false,
    change: (s) => void (s.auth.codeChallengeMethods = null),
  },
  'pkce-s256-missing': {
    breaks: '`code_challenge_methods_supported` without S256 (plain only)',
    fine: false,
    change: (s) => void (s.auth.codeChallengeMethods = ['plain']),
  },
  'registration-missing': {
    breaks: 'neither `registration_endpoint` nor `client_id_metadata_document_supported`',
    fine: false,
    change: (s) => void (s.auth.registration = false),
  },
  'registration-client-metadata-document-only': {
    breaks: 'no `registration_endpoint`, `client_id_metadata_document_supported` instead (the other registration path)',
    fine: true,
    change: (s) => {
      s.auth.registration = false;
      s.auth.clientIdMetadataDocument = true;
    },
  },
  'token-endpoint-off-tunnel': {
    breaks: '`token_endpoint` not on https://auth.<tunnel-domain> (the platform calls it through the tunnel)',
    fine: false,
    change: (s) => void (s.auth.tokenEndpoint = `https://${LOGIN_HOST}/token`),
  },
  'authorization-endpoint-on-tunnel': {
    breaks: '`authorization_endpoint` on the tunnel host, which browsers cannot reach',
    fine: false,
    change: (s, u) => void (s.auth.authorizationEndpoint = `${u.authUrl}/auth`),
  },
  'scopes-inconsistent': {
    breaks: "authorization server `scopes_supported` lacks the challenge's `scope`",
    fine: false,
    change: (s) => void (s.auth.scopes = ['openid', 'offline_access', 'files:read']),
  },
  'not-mcp-html': { breaks: 'the mcp upstream serves an HTML page', fine: false, change: upstream('html') },
  'not-mcp-404': { breaks: 'the mcp upstream answers 404', fine: false, change: upstream('not-found') },
  'not-mcp-redirect': {
    breaks: 'the mcp upstream redirects to another host',
    fine: false,
    change: upstream('redirect'),
  },
  'not-mcp-sse-legacy': {
    breaks: 'the mcp upstream speaks only the legacy HTTP+SSE transport (2024-11-05)',
    fine: false,
    change: upstream('sse-legacy'),
  },
  'mcp-no-auth': {
    breaks: 'the MCP server answers initialize without asking for a token (no OAuth)',
    fine: true,
    change: upstream('mcp-open'),
  },
} satisfies Record<string, Variant>;

export type McpLabVariant = keyof typeof MCP_LAB_VARIANTS;

export interface McpOauthLab extends LabUrls {
  variant: McpLabVariant;
  mcpPath: string;
  /** Public host -> the upstream it is routed to (http://127.0.0.1:<port>). */
  upstreams: Record<string, string>;
  /** The deployment directory (proxy config with routes mcp and auth, data/). */
  dir: string;
  facts: Facts;
  /** The CLI's arguments for a live run of the routing and OAuth layers against this lab. */
  cliArgs: string[];
  stop(): Promise<void>;
}

let certs: CertSet | undefined;

/**
 * Start a variant of the lab on 127.0.0.1 (ephemeral ports). Its servers live in the calling
 * process: run the CLI against it with an asynchronous spawn (execFileSync blocks them, and every
 * probe then times out).
 */
export async function startMcpOauthLab(variant: McpLabVariant = 'healthy'): Promise<McpOauthLab> {
  const domain = LAB_DOMAIN;
  const urls: LabUrls = { domain, mcpUrl: `https://mcp.${domain}${MCP_PATH}`, authUrl: `https://auth.${domain}` };
  const spec = healthySpec(urls);
  MCP_LAB_VARIANTS[variant].change(spec, urls);
  const [mcp, auth] = await Promise.all([
    startMcpUpstream(spec.upstream, { publicHost: `mcp.${domain}`, mcpPath: MCP_PATH, resource: spec.resource }),
    startAuthServer(urls.authUrl, spec.auth),
  ]);
  certs ??= makeCertSet(domain, 'healthy');
  const routes = { mcp: `http://127.0.0.1:${mcp.port}`, auth: `http://127.0.0.1:${auth.port}` };
  const deployment = makeLabDeployment({
    domain,
    routes,
    caPem: certs.caPem,
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    allowedIps: ['127.0.0.0/8'],
  });
  return {
    ...urls,
    variant,
    mcpPath: MCP_PATH,
    upstreams: { [`mcp.${domain}`]: routes.mcp, [`auth.${domain}`]: routes.auth },
    dir: deployment.dir,
    facts: deployment.facts,
    cliArgs: ['--dir', deployment.dir, '--only', 'routing,oauth', '--runtime', 'none', '--timeout', '2000'],
    stop: async () => {
      await Promise.all([mcp.close(), auth.close()]);
    },
  };
}
