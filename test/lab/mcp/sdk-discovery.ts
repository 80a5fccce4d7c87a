// The reference: the MCP SDK's own client functions walk the lab's discovery chain, in the order
// its auth() orchestrator uses them (initialize and its challenge, protected-resource metadata,
// the resource check, authorization server metadata, dynamic registration, the authorization
// request with PKCE), through a fetch that maps the tunnel hostnames to the lab's upstreams on
// 127.0.0.1, as the proxy does. The outcome names the first link where the SDK client stops.
//
// One deliberate difference from auth(): when the protected-resource document cannot be had or
// names no authorization server, auth() falls back to the MCP server's origin as the
// authorization server (the 2025-03-26 behaviour); the platform no longer does (since January
// 2026), so the walk stops there, at that link.

import http from 'node:http';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  registerClient,
  selectResourceURL,
  startAuthorization,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientInformationMixed } from '@modelcontextprotocol/sdk/shared/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { McpOauthLab } from './lab.js';

export type DiscoveryLink =
  | 'mcp-endpoint'
  | 'protected-resource'
  | 'authorization-servers'
  | 'resource'
  | 'authorization-server-metadata'
  | 'registration'
  | 'authorization';

export type SdkDiscoveryOutcome = { ok: true } | { ok: false; link: DiscoveryLink; detail: string };

type LabFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 5000;
const NULL_BODY = new Set([204, 205, 304]);
const PLATFORM_REDIRECT_URI = 'https://claude.ai/api/mcp/auth_callback';
// A client ID metadata document URL of the lab's own (the platform's is not documented).
const CLIENT_METADATA_URL = 'https://client.mcp-tunnel-lab.invalid/oauth/client-metadata.json';

/**
 * A fetch for the lab's public URLs: https://<host>/<path> goes to the upstream the lab routes
 * <host> to, with that Host header; any other host fails as an unreachable one does (a
 * TypeError), so nothing leaves loopback. Redirects are returned, not followed. The body streams
 * (the legacy transport's event stream never ends), capped at MAX_BODY bytes.
 */
export function labFetch(upstreams: Record<string, string>): LabFetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const upstream = upstreams[url.host];
      if (url.protocol !== 'https:' || upstream === undefined) {
        return reject(new TypeError(`fetch failed: ${url.origin} is not routed in the lab`));
      }
      const target = new URL(upstream);
      const headers: Record<string, string> = Object.fromEntries(new Headers(init?.headers));
      headers.host = url.host;
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: init?.method ?? 'GET',
          path: `${url.pathname}${url.search}`,
          headers,
          timeout: TIMEOUT_MS,
          signal: init?.signal ?? undefined,
        },
        (res) => {
          const status = res.statusCode ?? 500;
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, String(v));
          let size = 0;
          let done = false;
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              const finish = (err?: Error) => {
                if (done) return;
                done = true;
                if (err) controller.error(err);
                else controller.close();
              };
              res.on('data', (c: Buffer) => {
                if (done) return;
                size += c.length;
                if (size <= MAX_BODY) return controller.enqueue(new Uint8Array(c));
                finish(new Error(`answer larger than ${MAX_BODY} bytes`));
                req.destroy();
              });
              res.on('end', () => finish());
              res.on('error', finish);
              // After 'end' this does nothing; before it, the answer was cut short.
              res.on('close', () => finish(new Error(`${url.origin} closed the connection mid-answer`)));
            },
            cancel() {
              done = true;
              req.destroy();
            },
          });
          resolve(new Response(NULL_BODY.has(status) ? null : body, { status, headers: h }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    });
}

/**
 * The platform as an OAuth client: a public client with a client ID metadata document, which it
 * uses where the authorization server supports those, else registering dynamically; the browser
 * leg is not run.
 */
function platformClient(): OAuthClientProvider {
  return {
    redirectUrl: PLATFORM_REDIRECT_URI,
    clientMetadataUrl: CLIENT_METADATA_URL,
    clientMetadata: {
      client_name: 'mcp-tunnel lab client',
      redirect_uris: [PLATFORM_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => undefined,
    tokens: () => undefined,
    saveTokens: () => undefined,
    redirectToAuthorization: () => undefined,
    saveCodeVerifier: () => undefined,
    codeVerifier: () => '',
  };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** An initialize request as the SDK client sends it (Streamable HTTP). */
function initializeRequest(fetchFn: LabFetch, url: string): Promise<Response> {
  return fetchFn(url, {
    method: 'POST',
    headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'mcp-tunnel-lab-client', version: '1.0.0' },
      },
    }),
  });
}

/** Connect with the SDK's client (no auth): the server answers initialize and lists its tools. */
export async function sdkClientToolNames(lab: McpOauthLab): Promise<string[]> {
  const client = new Client({ name: 'mcp-tunnel-lab-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(lab.mcpUrl), { fetch: labFetch(lab.upstreams) });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

/** Where the SDK's client stops on the lab's discovery chain, or that it gets to the browser leg. */
export async function sdkDiscoveryOutcome(lab: McpOauthLab): Promise<SdkDiscoveryOutcome> {
  const fetchFn = labFetch(lab.upstreams);
  const fail = (link: DiscoveryLink, detail: string): SdkDiscoveryOutcome => ({ ok: false, link, detail });

  let challenge: Response;
  try {
    challenge = await initializeRequest(fetchFn, lab.mcpUrl);
  } catch (err) {
    return fail('mcp-endpoint', message(err));
  }
  if (challenge.ok) {
    // No authorization asked for: a conforming client goes on without OAuth if this is MCP.
    try {
      await sdkClientToolNames(lab);
      return { ok: true };
    } catch (err) {
      return fail('mcp-endpoint', `HTTP ${challenge.status}, but not MCP: ${message(err)}`);
    }
  }
  if (challenge.status !== 401) {
    const where = challenge.headers.get('location');
    return fail('mcp-endpoint', `HTTP ${challenge.status}${where ? ` to ${where}` : ''} instead of a 401 challenge`);
  }
  const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(challenge);

  let resourceMetadata;
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(lab.mcpUrl, { resourceMetadataUrl }, fetchFn);
  } catch (err) {
    return fail('protected-resource', message(err));
  }
  const authorizationServer = resourceMetadata.authorization_servers?.[0];
  if (!authorizationServer) return fail('authorization-servers', 'the document lists no authorization server');

  const provider = platformClient();
  let resource;
  try {
    resource = await selectResourceURL(lab.mcpUrl, provider, resourceMetadata);
  } catch (err) {
    return fail('resource', message(err));
  }

  let metadata;
  try {
    metadata = await discoverAuthorizationServerMetadata(authorizationServer, { fetchFn });
  } catch (err) {
    return fail('authorization-server-metadata', message(err));
  }
  if (!metadata) return fail('authorization-server-metadata', `no metadata found for ${authorizationServer}`);

  const resolvedScope = scope || resourceMetadata.scopes_supported?.join(' ');
  // As auth() chooses: a URL-based client ID where supported, else dynamic registration.
  let clientInformation: OAuthClientInformationMixed = { client_id: CLIENT_METADATA_URL };
  if (metadata.client_id_metadata_document_supported !== true) {
    try {
      clientInformation = await registerClient(authorizationServer, {
        metadata,
        clientMetadata: provider.clientMetadata,
        scope: resolvedScope,
        fetchFn,
      });
    } catch (err) {
      return fail('registration', message(err));
    }
  }

  try {
    await startAuthorization(authorizationServer, {
      metadata,
      clientInformation,
      redirectUrl: PLATFORM_REDIRECT_URI,
      scope: resolvedScope,
      resource,
    });
  } catch (err) {
    return fail('authorization', message(err));
  }
  return { ok: true };
}
