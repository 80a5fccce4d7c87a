// The lab's authorization server: a real oidc-provider set up for split discovery as the vendor's
// recipe says (issuer, token and registration endpoints on https://auth.<tunnel-domain>, the
// authorization endpoint on the operator's allowlisted public host, PKCE S256, dynamic
// registration). A variant changes what its metadata says; only the metadata is exercised (the
// browser leg is not run).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { closeServer } from '../processes.js';

export interface AuthServerShape {
  /** Where the metadata is served: both well-known locations, the OpenID one only, or neither. */
  metadataAt: 'both' | 'openid-only' | 'neither';
  /** The issuer the documents state, when it is not the one they are fetched for. */
  issuerStated?: string;
  /** null: code_challenge_methods_supported left out of the documents. */
  codeChallengeMethods: string[] | null;
  /** Dynamic registration (registration_endpoint). */
  registration: boolean;
  /** client_id_metadata_document_supported: true (the other registration path). */
  clientIdMetadataDocument?: boolean;
  /** The token endpoint the documents state, when it is not the provider's own. */
  tokenEndpoint?: string;
  authorizationEndpoint: string;
  scopes: string[];
}

export interface AuthServer {
  port: number;
  close(): Promise<void>;
}

const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server';
const WELL_KNOWN_OPENID = '/.well-known/openid-configuration';

// oidc-provider's default adapter is development-only and says so on every start; this one keeps
// the same in-memory behaviour for the lab's short life without the warning.
class MemoryAdapter implements Adapter {
  private static readonly store = new Map<string, AdapterPayload>();
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: AdapterPayload): Promise<void> {
    MemoryAdapter.store.set(this.key(id), payload);
    return Promise.resolve();
  }
  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(MemoryAdapter.store.get(this.key(id)));
  }
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  consume(id: string): Promise<void> {
    const p = MemoryAdapter.store.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}

let signingKey: Record<string, unknown> | undefined;

/** RS256, the algorithm oidc-provider signs ID tokens with by default; made once per process. */
function signingKeys(): { keys: Record<string, unknown>[] } {
  signingKey ??= {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'lab',
    use: 'sig',
  };
  return { keys: [signingKey] };
}

/**
 * oidc-provider on 127.0.0.1 for `issuer` (https://auth.<tunnel-domain>). It sits where the proxy
 * forwards to after terminating TLS, so every request is taken as https to the issuer's host
 * whatever Host it carries: the URLs in its documents are the public ones.
 */
export async function startAuthServer(issuer: string, shape: AuthServerShape): Promise<AuthServer> {
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    jwks: signingKeys(),
    // Signs the interaction cookies (never used here: the browser leg is not run).
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: shape.scopes,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: shape.registration },
    },
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  });
  provider.proxy = true;
  // The documents as the variant states them (oidc-provider builds them from its configuration;
  // the split between the tunnel host and the allowlisted public host is a statement of where
  // each endpoint is reached, which only the metadata carries).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== WELL_KNOWN_OAUTH && ctx.path !== WELL_KNOWN_OPENID) return;
    if (ctx.status !== 200 || typeof ctx.body !== 'object' || ctx.body === null) return;
    const doc: Record<string, unknown> = { ...(ctx.body as Record<string, unknown>) };
    doc.authorization_endpoint = shape.authorizationEndpoint;
    if (shape.issuerStated) doc.issuer = shape.issuerStated;
    if (shape.tokenEndpoint) doc.token_endpoint = shape.tokenEndpoint;
    if (shape.clientIdMetadataDocument) doc.client_id_metadata_document_supported = true;
    if (shape.codeChallengeMethods) doc.code_challenge_methods_supported = shape.codeChallengeMethods;
    else delete doc.code_challenge_methods_supported;
    ctx.body = doc;
  });
  const handle = provider.callback();
  const host = new URL(issuer).host;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const hidden =
      (path === WELL_KNOWN_OAUTH && shape.metadataAt !== 'both') ||
      (path === WELL_KNOWN_OPENID && shape.metadataAt === 'neither');
    if (hidden) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    // oidc-provider 8 (the release line that supports Node 20) serves the metadata only at the
    // OpenID location; the RFC 8414 location answers the same document, as a gateway in front does.
    if (path === WELL_KNOWN_OAUTH) req.url = WELL_KNOWN_OPENID;
    req.headers.host = host;
    req.headers['x-forwarded-proto'] = 'https';
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => closeServer(server),
  };
}
