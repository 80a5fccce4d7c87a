// protected-resource (static half): the MCP server's RFC 9728 document names a resource on the
// tunnel and lists the tunnel issuer https://auth.<tunnel-domain>. Decisions: a resource under the
// tunnel domain on a host other than mcp.<domain> is fine when the proxy routes that host; a path
// in resource is allowed by RFC 9728 (MCP servers often live at /mcp) and only noted.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { isRecord } from '../../src/model/compose.js';
import { describeLocation, effectiveTunnelDomain, locate, routeHostnames, whyUnusable } from '../../src/model/deployment-view.js';
import { discoveryDocument, discoverySkipReason, isUnderDomain, looselyEqualUrls, MCP_ROUTE, parseHttpsUrl, tunnelIssuer } from '../../src/model/oauth-discovery.js';

const ID = 'protected-resource';

export const check: LegacyCheck = {
  id: ID,
  layer: 'oauth',
  kind: 'static',
  run(facts) {
    const doc = discoveryDocument(facts, 'resourceMetadata');
    if (!doc) return skip(discoverySkipReason(facts, 'resourceMetadata'));
    const fact = doc.fact;
    if (fact.state === 'missing' || fact.state === 'unreadable') return skip(whyUnusable(fact, 'protected resource metadata'));
    const domain = effectiveTunnelDomain(facts)?.value;
    if (!domain) return skip('the tunnel domain is not known (set tunnel_domain, or pass --tunnel-domain), so the tunnel hosts cannot be told');
    const issuer = tunnelIssuer(domain);
    const resource = `https://${MCP_ROUTE}.${domain}`;
    const example = `{"resource": "${resource}", "authorization_servers": ["${issuer}"]}`;
    if (fact.state === 'invalid') {
      return judge([finding(ID, {
        messageId: 'document-invalid', location: fact.location ?? { file: fact.path },
        symptom: 'MCP clients cannot read the protected resource metadata.', cause: `${fact.path} ${fact.problem}.`, fix: `Serve a JSON object such as ${example}.`,
      })]);
    }
    const data = fact.value.data;
    const loc = (k: string) => locate(fact, k);
    if (!isRecord(data)) {
      return judge([finding(ID, {
        messageId: 'not-an-object', location: loc('') ?? { file: fact.path },
        symptom: 'MCP clients cannot read the protected resource metadata.',
        cause: `${doc.origin} holds ${Array.isArray(data) ? 'a list' : data === null || data === undefined ? 'nothing' : `a ${typeof data}`}, not a JSON object (RFC 9728 section 3.2).`,
        fix: `Serve ${example}.`,
      })]);
    }
    const out: Finding[] = [];
    const where = (k: string) => `${k} at ${describeLocation(loc(k), doc.origin)}`;
    const add = (messageId: string, k: string, symptom: string, cause: string, fix: string, severity: 'error' | 'warn' | 'info' = 'error') =>
      out.push(finding(ID, { messageId, severity, location: loc(k), evidence: { field: k || null, value: k ? data[k] : undefined }, symptom, cause, fix }));

    // resource: a URL on the tunnel, on a host the proxy routes.
    const res = data.resource;
    if (res === undefined || res === null) add('resource-missing', '', 'MCP clients reject the metadata: it names no resource.', 'resource is REQUIRED by RFC 9728.', `Add "resource": "${resource}".`);
    else if (typeof res !== 'string') add('wrong-type', 'resource', `MCP clients reject the metadata: ${where('resource')} is not a string.`, `resource is ${JSON.stringify(res)}.`, `Serve "resource": "${resource}".`);
    else {
      const p = parseHttpsUrl(res);
      if (!p.ok) add('resource-not-https', 'resource', `MCP clients reject the metadata (${where('resource')}).`, `resource "${res}" ${p.problem}.`, `Serve "resource": "${resource}".`);
      else if (p.value.hasFragment || p.value.hasQuery) add('resource-invalid', 'resource', `MCP clients may reject the metadata (${where('resource')}).`, `resource "${res}" has a ${p.value.hasFragment ? 'fragment, which RFC 9728 forbids' : 'query, which RFC 9728 advises against'}.`, `Serve "resource": "${resource}".`, p.value.hasFragment ? 'error' : 'warn');
      else if (!isUnderDomain(p.value.host, domain)) {
        add('resource-not-on-tunnel', 'resource', 'The platform does not match this document to the MCP server it reaches through the tunnel.',
          `resource is on ${p.value.host}, not on the tunnel domain ${domain}; the platform reaches the MCP server as ${resource}, and the resource must be that URL.`, `Serve "resource": "${resource}".`);
      } else {
        const hosts = routeHostnames(facts).map((r) => r.hostname).filter((h): h is string => h !== null);
        if (hosts.length > 0 && !hosts.includes(p.value.host)) {
          add('resource-not-routed', 'resource', `Requests to ${p.value.host} get "no route for host".`, `resource names ${p.value.host}, but the proxy routes only ${hosts.join(', ')}.`, `Add a route for ${p.value.host.split('.')[0]} to the proxy, or serve "resource": "${resource}".`, 'warn');
        }
        if (p.value.port !== '') add('resource-not-on-tunnel', 'resource', `The platform cannot reach ${where('resource')}.`, `resource "${res}" names port ${p.value.port}; the tunnel serves its hosts on 443 only.`, `Serve "resource": "https://${p.value.host}${p.value.url.pathname === '/' ? '' : p.value.url.pathname}".`);
        if (p.value.url.pathname !== '/' || res.endsWith('/')) add('resource-has-path', 'resource', `resource has a path: "${res}".`, 'RFC 9728 allows it, and an MCP server at a path uses it; it must equal, character for character, the MCP server URL the platform is given.', `Make sure the MCP server is configured in the platform as ${res}; otherwise serve "${resource}".`, 'info');
      }
    }

    // authorization_servers: lists the tunnel issuer, which the backend can reach.
    const as = data.authorization_servers;
    if (as === undefined || as === null || (Array.isArray(as) && as.length === 0)) {
      add('authorization-servers-missing', as === undefined || as === null ? '' : 'authorization_servers', 'The MCP client cannot find an authorization server for this resource.', 'authorization_servers is absent or empty.', `Add "authorization_servers": ["${issuer}"].`);
    } else if (!Array.isArray(as) || !as.every((x) => typeof x === 'string')) {
      add('wrong-type', 'authorization_servers', `MCP clients cannot read ${where('authorization_servers')}.`, `authorization_servers is ${JSON.stringify(as)}; it must be an array of issuer URLs.`, `Serve "authorization_servers": ["${issuer}"].`);
    } else {
      const list = as as string[];
      const exact = list.indexOf(issuer);
      if (exact < 0) {
        const near = list.find((x) => looselyEqualUrls(x, issuer));
        const onTunnel = list.filter((x) => { const p = parseHttpsUrl(x); return p.ok && isUnderDomain(p.value.host, domain); });
        if (near) add('authorization-server-mismatch', 'authorization_servers', 'The MCP client fetches the issuer\'s metadata and rejects it as not matching.', `authorization_servers lists "${near}", which differs from the tunnel issuer "${issuer}" only in spelling; issuer identifiers are compared character for character.`, `List "${issuer}" exactly.`);
        else if (onTunnel.length > 0) add('authorization-server-mismatch', 'authorization_servers', `OAuth fails: ${onTunnel.join(', ')} is not the tunnel issuer.`, `authorization_servers lists ${JSON.stringify(onTunnel)} on the tunnel domain, but the split-discovery issuer is ${issuer} (the "auth" route).`, `List "${issuer}".`);
        else add('authorization-server-public', 'authorization_servers', 'OAuth fails behind a source-IP allowlist: the platform\'s backend cannot reach the authorization server.', `authorization_servers lists only ${list.join(', ')}; behind the allowlist the backend must reach the issuer through the tunnel.`, `List the tunnel issuer instead: "authorization_servers": ["${issuer}"] (keep the browser's /authorize on the public host in the issuer's metadata).`);
      } else if (exact > 0) {
        add('public-listed-first', 'authorization_servers', `A client may pick ${list[0]} before the tunnel issuer.`, `authorization_servers lists ${JSON.stringify(list.slice(0, exact))} before ${issuer}; which one a client uses is its choice.`, `List "${issuer}" first, or alone.`, 'warn');
      }
      // The issuer in the authorization server's own metadata must be one of those listed.
      const meta = discoveryDocument(facts, 'oauthMetadata')?.fact;
      const metaIssuer = meta?.state === 'ok' && isRecord(meta.value.data) ? meta.value.data.issuer : undefined;
      if (typeof metaIssuer === 'string' && !list.includes(metaIssuer)) {
        add('issuer-not-listed', 'authorization_servers', 'The MCP client rejects the authorization server: its metadata names another issuer.', `The authorization server metadata says issuer "${metaIssuer}", which authorization_servers (${JSON.stringify(list)}) does not list.`, `Make both say "${issuer}".`);
      }
    }
    if (!out.some((f) => f.severity !== 'info')) {
      out.push(finding(ID, { messageId: 'points-at-tunnel', severity: 'info', evidence: { resource: res, authorization_servers: as }, symptom: `The resource metadata points at the tunnel issuer ${issuer}.`, cause: 'resource and authorization_servers use the tunnel hosts.', fix: 'Nothing to do.' }));
    }
    return judge(out);
  },
};
