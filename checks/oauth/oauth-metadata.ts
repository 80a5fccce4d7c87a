// oauth-metadata (static half): the RFC 8414 document uses split discovery. The platform's backend
// reaches issuer, token_endpoint and registration_endpoint through the tunnel (auth.<tunnel-domain>);
// the user's browser opens authorization_endpoint on the public, allowlisted host, since the
// tunnel carries only backend traffic. PKCE with S256 is required by MCP clients.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { isRecord } from '../../src/model/compose.js';
import { describeLocation, effectiveTunnelDomain, locate, proxyConfigModel, whyUnusable } from '../../src/model/deployment-view.js';
import { AUTH_ROUTE, discoveryDocument, discoverySkipReason, isUnderDomain, looselyEqualUrls, parseHttpsUrl, tunnelIssuer } from '../../src/model/oauth-discovery.js';

const ID = 'oauth-metadata';

export const check: LegacyCheck = {
  id: ID,
  layer: 'oauth',
  kind: 'static',
  run(facts) {
    const doc = discoveryDocument(facts, 'oauthMetadata');
    if (!doc) return skip(discoverySkipReason(facts, 'oauthMetadata'));
    const fact = doc.fact;
    if (fact.state === 'missing' || fact.state === 'unreadable') return skip(whyUnusable(fact, 'authorization server metadata'));
    const domain = effectiveTunnelDomain(facts)?.value;
    if (!domain) return skip('the tunnel domain is not known (set tunnel_domain, or pass --tunnel-domain), so the tunnel hosts cannot be told');
    const issuer = tunnelIssuer(domain);
    const authHost = `${AUTH_ROUTE}.${domain}`;
    const loc = (k: string) => locate(fact, k);
    const out: Finding[] = [];
    const add = (messageId: string, k: string, symptom: string, cause: string, fix: string, severity: 'error' | 'warn' = 'error') =>
      out.push(finding(ID, { messageId, severity, location: loc(k), evidence: { field: k, value: isRecord(data) ? data[k] : undefined }, symptom, cause, fix }));

    if (fact.state === 'invalid') {
      return judge([finding(ID, {
        messageId: 'document-invalid', location: fact.location ?? { file: fact.path },
        symptom: 'MCP clients cannot read the authorization server metadata.',
        cause: `${fact.path} ${fact.problem}.`, fix: 'Serve a JSON object at /.well-known/oauth-authorization-server.',
      })]);
    }
    const data = fact.value.data;
    if (!isRecord(data)) {
      return judge([finding(ID, {
        messageId: 'not-an-object', location: loc('') ?? { file: fact.path },
        symptom: 'MCP clients cannot read the authorization server metadata.',
        cause: `${doc.origin} holds ${Array.isArray(data) ? 'a list' : data === null || data === undefined ? 'nothing' : `a ${typeof data}`}, not a JSON object (RFC 8414 section 3.2).`,
        fix: `Serve a JSON object such as {"issuer": "${issuer}", "authorization_endpoint": "https://<your-allowlisted-host>/authorize", "token_endpoint": "${issuer}/token", "registration_endpoint": "${issuer}/register", "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"]}.`,
      })]);
    }
    const where = (k: string) => `${k} at ${describeLocation(loc(k), doc.origin)}`;
    const str = (k: string): string | null | undefined => {
      const v = data[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'string') return v;
      add('wrong-type', k, `MCP clients reject the metadata: ${where(k)} is not a string.`, `${k} is ${JSON.stringify(v)}; RFC 8414 defines it as a URL string.`, `Serve ${k} as a string URL.`);
      return null;
    };

    // issuer: exactly https://auth.<tunnel-domain>, identical to the URL the document is served for.
    const iss = str('issuer');
    if (iss === undefined) add('issuer-missing', '', 'MCP clients reject the metadata: it has no issuer.', 'issuer is REQUIRED by RFC 8414 and must equal the URL the metadata is served for.', `Add "issuer": "${issuer}".`);
    else if (iss !== null && iss !== issuer) {
      const p = parseHttpsUrl(iss);
      const cause = !p.ok ? `issuer "${iss}" ${p.problem}.`
        : p.value.hasQuery || p.value.hasFragment ? `issuer "${iss}" has a query or fragment, which RFC 8414 forbids.`
          : looselyEqualUrls(iss, issuer) ? `issuer "${iss}" differs from "${issuer}" only in spelling (a trailing "/", case or port), but RFC 8414 requires the issuer to be identical to the URL the metadata was fetched for, character for character.`
            : p.value.host === authHost ? `issuer "${iss}" adds a path to ${issuer}; the metadata is served for ${issuer}, so the issuer must be exactly that.`
              : `issuer "${iss}" is not the tunnel issuer ${issuer}; behind a source-IP allowlist the platform's backend can only reach the authorization server through the tunnel, and it validates the issuer against the URL it fetched.`;
      add('issuer-mismatch', 'issuer', `OAuth fails: MCP clients reject the metadata of ${issuer} (${where('issuer')}).`, cause, `Serve "issuer": "${issuer}" exactly (the tunnel host, https, no trailing "/", no path).`);
    }

    // token_endpoint and registration_endpoint: through the tunnel.
    for (const k of ['token_endpoint', 'registration_endpoint']) {
      const v = str(k);
      if (v === undefined) {
        if (k === 'token_endpoint') add('endpoint-missing', '', 'OAuth fails after the user authorizes: the platform has nowhere to exchange the code.', 'token_endpoint is REQUIRED by RFC 8414 for the authorization code flow.', `Add "token_endpoint": "${issuer}/token".`);
        else add('registration-endpoint-missing', '', 'The platform cannot register itself as an OAuth client (dynamic client registration).', 'registration_endpoint is absent; MCP clients register dynamically unless a client was registered for them in advance.', `Add "registration_endpoint": "${issuer}/register" (served through the tunnel).`, 'warn');
        continue;
      }
      if (v === null) continue;
      const p = parseHttpsUrl(v);
      if (!p.ok) add('endpoint-not-https', k, `The platform cannot call ${where(k)}.`, `${k} "${v}" ${p.problem}.`, `Serve it as ${issuer}${k === 'token_endpoint' ? '/token' : '/register'}.`);
      else if (p.value.host !== authHost || p.value.port !== '') {
        add('endpoint-not-on-tunnel', k, `OAuth fails behind the allowlist: the platform's backend cannot reach ${where(k)}.`,
          `${k} is on ${p.value.host}${p.value.port ? `:${p.value.port}` : ''}, not on the tunnel host ${authHost} (port 443); backend-to-backend calls must go through the tunnel.`,
          `Serve it as ${issuer}${p.value.url.pathname === '/' ? (k === 'token_endpoint' ? '/token' : '/register') : p.value.url.pathname}.`);
      }
    }

    // authorization_endpoint: the browser's; on the public host, never the tunnel.
    const az = str('authorization_endpoint');
    if (az === undefined) add('endpoint-missing', '', 'OAuth cannot start: there is no page to send the user to.', 'authorization_endpoint is REQUIRED by RFC 8414 for the authorization code flow.', 'Add "authorization_endpoint": "https://<your-allowlisted-host>/authorize".');
    else if (az !== null) {
      const p = parseHttpsUrl(az);
      if (!p.ok) add('endpoint-not-https', 'authorization_endpoint', `Browsers are sent to an insecure or broken login page (${where('authorization_endpoint')}).`, `authorization_endpoint "${az}" ${p.problem}.`, 'Serve it on https://<your-allowlisted-host>/authorize.');
      else if (isUnderDomain(p.value.host, domain)) {
        add('authorization-on-tunnel', 'authorization_endpoint', `Users cannot log in: their browser is sent to ${p.value.host} (${where('authorization_endpoint')}).`,
          `authorization_endpoint is on the tunnel domain ${domain}; the tunnel carries only the platform's backend traffic, so a browser cannot open it.`,
          `Point authorization_endpoint at your existing public, allowlisted host (e.g. https://login.example.com${p.value.url.pathname}); keep issuer, token_endpoint and registration_endpoint on ${issuer}.`);
      }
    }

    // PKCE and response types.
    const list = (k: string): string[] | undefined | null => {
      const v = data[k];
      if (v === undefined || v === null) return undefined;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      add('wrong-type', k, `MCP clients cannot read ${where(k)}.`, `${k} is ${JSON.stringify(v)}; it must be a JSON array of strings.`, `Serve ${k} as an array, e.g. ${k === 'code_challenge_methods_supported' ? '["S256"]' : '["code"]'}.`);
      return null;
    };
    const pkce = list('code_challenge_methods_supported');
    if (pkce === undefined || (pkce !== null && !pkce.includes('S256'))) {
      add('s256-missing', pkce === undefined ? '' : 'code_challenge_methods_supported', 'MCP clients refuse to start OAuth with this authorization server.',
        pkce === undefined ? 'code_challenge_methods_supported is absent; MCP clients require PKCE with S256 and refuse a server that does not advertise it.'
          : `code_challenge_methods_supported is ${JSON.stringify(pkce)}, without "S256"${pkce.includes('plain') ? ' ("plain" alone is not accepted)' : ''}.`,
        'Support PKCE with S256 and serve "code_challenge_methods_supported": ["S256"].');
    }
    const rt = list('response_types_supported');
    if (rt === undefined) add('response-types-missing', '', 'Strict OAuth clients may reject the metadata.', 'response_types_supported is REQUIRED by RFC 8414 and absent.', 'Add "response_types_supported": ["code"].', 'warn');
    else if (rt !== null && !rt.includes('code')) add('code-response-type-missing', 'response_types_supported', 'MCP clients cannot use the authorization code flow.', `response_types_supported is ${JSON.stringify(rt)}, without "code".`, 'Support the authorization code flow and list "code".');
    const gt = list('grant_types_supported');
    if (gt && !gt.includes('authorization_code')) add('grant-type-missing', 'grant_types_supported', 'MCP clients cannot exchange an authorization code.', `grant_types_supported is ${JSON.stringify(gt)}, without "authorization_code".`, 'List "authorization_code" (and "refresh_token") in grant_types_supported.');

    // The proxy must route auth.<tunnel-domain> to the authorization server.
    const model = proxyConfigModel(facts);
    if (model && model.routes.length > 0 && !model.routes.some((r) => [AUTH_ROUTE, authHost].includes(r.key.toLowerCase().replace(/\.$/, '')))) {
      out.push(finding(ID, {
        messageId: 'auth-route-missing', severity: 'warn', location: locate(facts.proxyConfig, 'routes'), evidence: { routes: model.routes.map((r) => r.key) },
        symptom: `Requests to ${authHost} get "no route for host".`,
        cause: `The proxy has no "${AUTH_ROUTE}" route (routes: ${model.routes.map((r) => r.key).join(', ')}), so the tunnel issuer is not reachable.`,
        fix: 'Add a route to your authorization server, e.g. auth: http://your-auth-server:8080, then restart the proxy.',
      }));
    }
    if (!out.some((f) => f.severity !== 'info')) {
      out.push(finding(ID, { messageId: 'split-discovery', severity: 'info', evidence: { issuer }, symptom: `The metadata of ${issuer} uses split discovery correctly.`, cause: 'Backend endpoints are on the tunnel, the authorization page on the public host, with S256.', fix: 'Nothing to do.' }));
    }
    return judge(out);
  },
};
