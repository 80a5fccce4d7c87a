// oauth-metadata (static half): the RFC 8414 document uses split discovery. The platform's backend
// reaches issuer, token_endpoint and registration_endpoint through the tunnel (auth.<tunnel-domain>);
// the user's browser opens authorization_endpoint on the public, allowlisted host, since the
// tunnel carries only backend traffic. PKCE with S256 is required by MCP clients.
// The document is the --oauth-metadata file or, in a live run, the one fetched from the auth route.

import { defineCheck } from '../../src/core/check.js';
import { isRecord } from '../../src/model/compose.js';
import {
  describeLocation,
  effectiveTunnelDomain,
  locate,
  proxyConfigModel,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import {
  AUTH_ROUTE,
  discoveryDocument,
  discoverySkipReason,
  isUnderDomain,
  looselyEqualUrls,
  parseHttpsUrl,
  TUNNEL_DOMAIN_UNKNOWN,
  tunnelIssuer,
} from '../../src/model/oauth-discovery.js';
import { scopesNotSupported } from '../../src/model/oauth-chain.js';

const AUTHORIZE_PAGE = 'https://<your-allowlisted-host>/authorize';

/** What only the live walk of the chain can tell (report.notChecked in a static or partial run). */
const CHAIN_RULES =
  "whether a client finds this metadata at the URLs it tries from the mcp route's challenge needs the live " +
  'discovery chain (a run without --offline, with an mcp route answering a Bearer challenge)';

/** A field of the wrong type: a URL string, or an array of strings. */
const WRONG_TYPE = {
  string: {
    symptom: (where: string) => `MCP clients reject the metadata: ${where} is not a string.`,
    expected: 'RFC 8414 defines it as a URL string',
  },
  list: {
    symptom: (where: string) => `MCP clients cannot read ${where}.`,
    expected: 'it must be a JSON array of strings',
  },
} as const;

/** What goes wrong without a required endpoint. */
const MISSING_ENDPOINT = {
  token_endpoint: 'OAuth fails after the user authorizes: the platform has nowhere to exchange the code.',
  authorization_endpoint: 'OAuth cannot start: there is no page to send the user to.',
} as const;

/** An endpoint that is not an https:// URL: one the platform's backend calls, or the browser's login page. */
const NOT_HTTPS = {
  backend: {
    symptom: (where: string) => `The platform cannot call ${where}.`,
    fix: (url: string) => `Serve it as ${url}.`,
  },
  browser: {
    symptom: (where: string) => `Browsers are sent to an insecure or broken login page (${where}).`,
    fix: () => `Serve it on ${AUTHORIZE_PAGE}.`,
  },
} as const;

/** Why an issuer that is not exactly the tunnel issuer is wrong, most specific first. */
function issuerMismatchCause(iss: string, issuer: string, authHost: string): string {
  const p = parseHttpsUrl(iss);
  if (!p.ok) return `issuer "${iss}" ${p.problem}.`;
  if (p.value.hasQuery || p.value.hasFragment)
    return `issuer "${iss}" has a query or fragment, which RFC 8414 ` + `forbids.`;
  if (looselyEqualUrls(iss, issuer)) {
    return (
      `issuer "${iss}" differs from "${issuer}" only in spelling (a trailing "/", case or port), but RFC 8414 requires ` +
      'the issuer to be identical to the URL the metadata was fetched for, character for character.'
    );
  }
  if (p.value.host === authHost)
    return (
      `issuer "${iss}" adds a path to ${issuer}; the metadata is served for ` +
      `${issuer}, so the issuer must be exactly that.`
    );
  return (
    `issuer "${iss}" is not the tunnel issuer ${issuer}; behind a source-IP allowlist the platform's backend can only ` +
    'reach the authorization server through the tunnel, and it validates the issuer against the URL it fetched.'
  );
}

/** Why PKCE with S256 is not advertised: no methods at all, or a list without it. */
function s256Cause(methods: string[] | undefined): string {
  if (methods === undefined) {
    return (
      'code_challenge_methods_supported is absent; MCP clients require PKCE with S256 and refuse a server ' +
      'that does not advertise it.'
    );
  }
  const plain = methods.includes('plain') ? ' ("plain" alone is not accepted)' : '';
  return `code_challenge_methods_supported is ${JSON.stringify(methods)}, without "S256"${plain}.`;
}

function documentExample(issuer: string): string {
  return (
    `{"issuer": "${issuer}", "authorization_endpoint": "https://<your-allowlisted-host>/authorize", "token_endpoint": "${issuer}/token", ` +
    `"registration_endpoint": "${issuer}/register", "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"]}`
  );
}

export const check = defineCheck({
  id: 'oauth-metadata',
  requires: [],
  uses: [
    'oauthMetadata',
    'live.oauthMetadata',
    'live.oauthChain',
    'proxyConfig',
    'assignedDomain',
    'compose',
    'dotenv',
  ],
  messages: {
    'document-invalid': {
      severity: 'error',
      meaning: 'The authorization server metadata is not valid JSON.',
      symptom: 'MCP clients cannot read the authorization server metadata.',
      cause: '{file} {problem}.',
      fix: 'Serve a JSON object at /.well-known/oauth-authorization-server.',
    },
    'not-an-object': {
      severity: 'error',
      meaning: 'The metadata is not a JSON object.',
      symptom: 'MCP clients cannot read the authorization server metadata.',
      cause: '{origin} holds {what}, not a JSON object (RFC 8414 section 3.2).',
      fix: 'Serve a JSON object such as {example}.',
    },
    'wrong-type': {
      severity: 'error',
      meaning: 'A metadata field has the wrong type.',
      symptom: '{symptom}',
      cause: '{field} is {value}; {expected}.',
      fix: 'Serve {field} as {shape}.',
    },
    'issuer-missing': {
      severity: 'error',
      meaning: 'The metadata has no issuer.',
      symptom: 'MCP clients reject the metadata: it has no issuer.',
      cause: 'issuer is REQUIRED by RFC 8414 and must equal the URL the metadata is served for.',
      fix: 'Add "issuer": "{issuer}".',
    },
    'issuer-mismatch': {
      severity: 'error',
      meaning: 'The issuer is not auth.<tunnel-domain>.',
      symptom: 'OAuth fails: MCP clients reject the metadata of {issuer} ({where}).',
      cause: '{cause}',
      fix: 'Serve "issuer": "{issuer}" exactly (the tunnel host, https, no trailing "/", no path).',
    },
    'endpoint-missing': {
      severity: 'error',
      meaning: 'A required endpoint is missing.',
      symptom: '{symptom}',
      cause: '{field} is REQUIRED by RFC 8414 for the authorization code flow.',
      fix: 'Add "{field}": "{example}".',
    },
    'endpoint-not-https': {
      severity: 'error',
      meaning: 'An endpoint is not https://.',
      symptom: '{symptom}',
      cause: '{field} "{value}" {problem}.',
      fix: '{fix}',
    },
    'endpoint-not-on-tunnel': {
      severity: 'error',
      meaning: 'A backend endpoint is not on the tunnel host.',
      symptom: "OAuth fails behind the allowlist: the platform's backend cannot reach {where}.",
      cause:
        '{field} is on {host}, not on the tunnel host {authHost} (port 443); backend-to-backend calls must go ' +
        'through the tunnel.',
      fix: 'Serve it as {url}.',
    },
    'authorization-on-tunnel': {
      severity: 'error',
      meaning: 'The authorization endpoint is on the tunnel; it must be on the public host.',
      symptom: 'Users cannot log in: their browser is sent to {host} ({where}).',
      cause:
        "authorization_endpoint is on the tunnel domain {domain}; the tunnel carries only the platform's backend " +
        'traffic, so a browser cannot open it.',
      fix:
        'Point authorization_endpoint at your existing public, allowlisted host (e.g. https://login.example.com{path}); ' +
        'keep issuer, token_endpoint and registration_endpoint on {issuer}.',
    },
    'registration-endpoint-missing': {
      severity: 'warn',
      meaning: 'There is no registration endpoint.',
      symptom: 'The platform cannot register itself as an OAuth client (dynamic client registration).',
      cause:
        'registration_endpoint is absent; MCP clients register dynamically unless a client was registered for them ' +
        'in advance.',
      fix: 'Add "registration_endpoint": "{issuer}/register" (served through the tunnel).',
    },
    'response-types-missing': {
      severity: 'warn',
      meaning: 'response_types_supported is missing.',
      symptom: 'Strict OAuth clients may reject the metadata.',
      cause: 'response_types_supported is REQUIRED by RFC 8414 and absent.',
      fix: 'Add "response_types_supported": ["code"].',
    },
    'code-response-type-missing': {
      severity: 'error',
      meaning: 'response_types_supported lacks "code".',
      symptom: 'MCP clients cannot use the authorization code flow.',
      cause: 'response_types_supported is {value}, without "code".',
      fix: 'Support the authorization code flow and list "code".',
    },
    'grant-type-missing': {
      severity: 'error',
      meaning: 'A required grant type is missing.',
      symptom: 'MCP clients cannot exchange an authorization code.',
      cause: 'grant_types_supported is {value}, without "authorization_code".',
      fix: 'List "authorization_code" (and "refresh_token") in grant_types_supported.',
    },
    's256-missing': {
      severity: 'error',
      meaning: 'PKCE S256 is not supported.',
      symptom: 'MCP clients refuse to start OAuth with this authorization server.',
      cause: '{cause}',
      fix: 'Support PKCE with S256 and serve "code_challenge_methods_supported": ["S256"].',
    },
    'auth-route-missing': {
      severity: 'warn',
      meaning: 'The proxy has no route for the auth host.',
      symptom: 'Requests to {authHost} get "no route for host".',
      cause: `The proxy has no "${AUTH_ROUTE}" route (routes: {routes}), so the tunnel issuer is not reachable.`,
      fix: 'Add a route to your authorization server, e.g. auth: http://your-auth-server:8080, then restart the proxy.',
    },
    'metadata-not-found': {
      severity: 'error',
      meaning: "The authorization server's metadata is at none of the URLs a client tries.",
      symptom: 'OAuth fails: the MCP client finds no metadata for {issuer}.',
      cause:
        'For the issuer {issuer} (authorization_servers[0]), a client tries, in order: {tried}. None gave a JSON ' +
        'document (RFC 8414 section 3.1, OpenID Discovery section 4; MCP authorization 2025-11-25, "Authorization ' +
        'Server Metadata Discovery").',
      fix: "Serve the metadata at {first} from the auth route's upstream (or correct authorization_servers).",
    },
    'scope-not-supported': {
      severity: 'error',
      meaning: "The authorization server does not list the scopes the MCP server's challenge asks for.",
      symptom: 'OAuth fails: the authorization server refuses the scopes the MCP client asks for ({scopes}).',
      cause:
        'The Bearer challenge says scope="{scope}" and the client asks for exactly that (MCP authorization ' +
        '2025-11-25, "Scope Selection Strategy"), but scopes_supported is {supported} (RFC 8414 section 2).',
      fix: 'Add {scopes} to the scopes your authorization server supports (and to scopes_supported).',
    },
    'split-discovery': {
      severity: 'info',
      meaning: 'The metadata uses split discovery correctly (info).',
      symptom: 'The metadata of {issuer} uses split discovery correctly.',
      cause: 'Backend endpoints are on the tunnel, the authorization page on the public host, with S256.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const chain = facts.live?.oauthChain;
    const tried = chain?.attempts.filter((a) => a.step === 'authorization-server-metadata') ?? [];
    if (!facts.oauthMetadata && chain?.issuer && !chain.authorizationServerMetadata && tried.some((a) => a.route)) {
      const list = tried.map((a) => `${a.url} (${a.notUsed ?? 'used'})`).join(', ');
      report('metadata-not-found', { issuer: chain.issuer, tried: list, first: tried[0]?.url ?? '' }, null, {
        evidence: { attempts: chain.attempts },
      });
      return;
    }
    if (!chain) report.notChecked(CHAIN_RULES);
    const doc = discoveryDocument(facts, 'oauthMetadata');
    if (!doc) return report.skip(discoverySkipReason(facts, 'oauthMetadata'));
    const fact = doc.fact;
    if (fact.state === 'missing' || fact.state === 'unreadable')
      return report.skip(whyUnusable(fact, 'authorization server metadata'));
    const domain = effectiveTunnelDomain(facts)?.value;
    if (!domain) return report.skip(TUNNEL_DOMAIN_UNKNOWN);
    const issuer = tunnelIssuer(domain);
    const authHost = `${AUTH_ROUTE}.${domain}`;
    const loc = (k: string) => locate(fact, k);

    if (fact.state === 'invalid') {
      report('document-invalid', { file: fact.path, problem: fact.problem }, fact.location ?? { file: fact.path });
      return;
    }
    const data = fact.value.data;
    if (!isRecord(data)) {
      const what = Array.isArray(data)
        ? 'a list'
        : data === null || data === undefined
          ? 'nothing'
          : `a ${typeof data}`;
      report(
        'not-an-object',
        { origin: doc.origin, what, example: documentExample(issuer) },
        loc('') ?? { file: fact.path },
      );
      return;
    }
    let problems = false;
    const where = (k: string) => `${k} at ${describeLocation(loc(k), doc.origin)}`;
    // Every finding on a field points at it and carries its value.
    const at = (k: string) => [loc(k), { evidence: { field: k, value: data[k] } }] as const;
    const wrongType = (k: string, v: unknown, kind: keyof typeof WRONG_TYPE, shape: string) => {
      const { symptom, expected } = WRONG_TYPE[kind];
      report(
        'wrong-type',
        { symptom: symptom(where(k)), field: k, value: JSON.stringify(v), expected, shape },
        ...at(k),
      );
      problems = true;
    };
    const str = (k: string): string | null | undefined => {
      const v = data[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'string') return v;
      wrongType(k, v, 'string', 'a string URL');
      return null;
    };

    // issuer: exactly https://auth.<tunnel-domain>, identical to the URL the document is served for.
    const iss = str('issuer');
    if (iss === undefined) {
      report('issuer-missing', { issuer }, ...at(''));
      problems = true;
    } else if (iss !== null && iss !== issuer) {
      report(
        'issuer-mismatch',
        { issuer, where: where('issuer'), cause: issuerMismatchCause(iss, issuer, authHost) },
        ...at('issuer'),
      );
      problems = true;
    }

    // token_endpoint and registration_endpoint: through the tunnel.
    for (const k of ['token_endpoint', 'registration_endpoint'] as const) {
      const v = str(k);
      const path = k === 'token_endpoint' ? '/token' : '/register';
      if (v === undefined) {
        // A client ID metadata document is a registration path too (MCP authorization, "Client Registration").
        const cimd = k === 'registration_endpoint' && data.client_id_metadata_document_supported === true;
        if (k === 'token_endpoint')
          report('endpoint-missing', { symptom: MISSING_ENDPOINT[k], field: k, example: `${issuer}/token` }, ...at(''));
        else if (!cimd) report('registration-endpoint-missing', { issuer }, ...at(''));
        if (!cimd) problems = true;
        continue;
      }
      if (v === null) continue;
      const p = parseHttpsUrl(v);
      if (!p.ok) {
        const { symptom, fix } = NOT_HTTPS.backend;
        const data = {
          symptom: symptom(where(k)),
          field: k,
          value: v,
          problem: p.problem,
          fix: fix(`${issuer}${path}`),
        };
        report('endpoint-not-https', data, ...at(k));
        problems = true;
      } else if (p.value.host !== authHost || p.value.port !== '') {
        const host = `${p.value.host}${p.value.port ? `:${p.value.port}` : ''}`;
        const url = `${issuer}${p.value.url.pathname === '/' ? path : p.value.url.pathname}`;
        report('endpoint-not-on-tunnel', { where: where(k), field: k, host, authHost, url }, ...at(k));
        problems = true;
      }
    }

    // authorization_endpoint: the browser's; on the public host, never the tunnel.
    const az = str('authorization_endpoint');
    if (az === undefined) {
      const field = 'authorization_endpoint';
      report('endpoint-missing', { symptom: MISSING_ENDPOINT[field], field, example: AUTHORIZE_PAGE }, ...at(''));
      problems = true;
    } else if (az !== null) {
      const p = parseHttpsUrl(az);
      if (!p.ok) {
        const { symptom, fix } = NOT_HTTPS.browser;
        const data = {
          symptom: symptom(where('authorization_endpoint')),
          field: 'authorization_endpoint',
          value: az,
          problem: p.problem,
          fix: fix(),
        };
        report('endpoint-not-https', data, ...at('authorization_endpoint'));
        problems = true;
      } else if (isUnderDomain(p.value.host, domain)) {
        const data = {
          host: p.value.host,
          where: where('authorization_endpoint'),
          domain,
          path: p.value.url.pathname,
          issuer,
        };
        report('authorization-on-tunnel', data, ...at('authorization_endpoint'));
        problems = true;
      }
    }

    // PKCE and response types.
    const list = (k: string): string[] | undefined | null => {
      const v = data[k];
      if (v === undefined || v === null) return undefined;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      wrongType(k, v, 'list', `an array, e.g. ${k === 'code_challenge_methods_supported' ? '["S256"]' : '["code"]'}`);
      return null;
    };
    const pkce = list('code_challenge_methods_supported');
    if (pkce === undefined || (pkce !== null && !pkce.includes('S256'))) {
      report(
        's256-missing',
        { cause: s256Cause(pkce) },
        ...at(pkce === undefined ? '' : 'code_challenge_methods_supported'),
      );
      problems = true;
    }
    const rt = list('response_types_supported');
    if (rt === undefined) {
      report('response-types-missing', {}, ...at(''));
      problems = true;
    } else if (rt !== null && !rt.includes('code')) {
      report('code-response-type-missing', { value: JSON.stringify(rt) }, ...at('response_types_supported'));
      problems = true;
    }
    const gt = list('grant_types_supported');
    if (gt && !gt.includes('authorization_code')) {
      report('grant-type-missing', { value: JSON.stringify(gt) }, ...at('grant_types_supported'));
      problems = true;
    }

    // The proxy must route auth.<tunnel-domain> to the authorization server.
    const model = proxyConfigModel(facts);
    const routes = model?.routes.map((r) => r.key) ?? [];
    if (
      routes.length > 0 &&
      !routes.some((key) => [AUTH_ROUTE, authHost].includes(key.toLowerCase().replace(/\.$/, '')))
    ) {
      report('auth-route-missing', { authHost, routes: routes.join(', ') }, locate(facts.proxyConfig, 'routes'), {
        evidence: { routes },
      });
      problems = true;
    }
    // The scopes the mcp route's challenge asks for are ones this server supports.
    const scope = facts.live?.oauthChain?.challenge?.scope ?? null;
    const missingScopes = scopesNotSupported(scope, data.scopes_supported);
    if (missingScopes.length > 0) {
      const scopes = missingScopes.map((x) => `"${x}"`).join(', ');
      const values = { scopes, scope: scope ?? '', supported: JSON.stringify(data.scopes_supported) };
      report('scope-not-supported', values, ...at('scopes_supported'));
      problems = true;
    }
    if (!problems) report('split-discovery', { issuer }, null, { evidence: { issuer } });
  },
});
