// protected-resource (static half): the MCP server's RFC 9728 document names a resource on the
// tunnel and lists the tunnel issuer https://auth.<tunnel-domain>. Decisions: a resource under the
// tunnel domain on a host other than mcp.<domain> is fine when the proxy routes that host; a path
// in resource is allowed by RFC 9728 (MCP servers often live at /mcp) and only noted.
// The document is the --resource-metadata file or, in a live run, the one fetched from the mcp route.

import { defineCheck } from '../../src/core/check.js';
import { isRecord } from '../../src/model/compose.js';
import {
  describeLocation,
  effectiveTunnelDomain,
  locate,
  routeHostnames,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import {
  discoveryDocument,
  discoverySkipReason,
  isUnderDomain,
  looselyEqualUrls,
  MCP_ROUTE,
  parseHttpsUrl,
  TUNNEL_DOMAIN_UNKNOWN,
  tunnelIssuer,
} from '../../src/model/oauth-discovery.js';
import { judgeResourceIdentity, scopesNotSupported } from '../../src/model/oauth-chain.js';

/** What only the live walk of the chain can tell (report.notChecked in a static or partial run). */
const CHAIN_RULES =
  'resource identical to the MCP server URL a client asks for, and scopes_supported against the challenge, need ' +
  'the live discovery chain (a run without --offline, with an mcp route answering a Bearer challenge)';

/** A field of the wrong type: the resource URL string, or the array of issuer URLs. */
const WRONG_TYPE = {
  resource: { symptom: (where: string) => `MCP clients reject the metadata: ${where} is not a string.`, expected: '' },
  authorization_servers: {
    symptom: (where: string) => `MCP clients cannot read ${where}.`,
    expected: '; it must be an array of issuer URLs',
  },
} as const;

/** A resource that is not on the tunnel: on another domain, or on a port the tunnel does not serve. */
const OFF_TUNNEL = {
  domain: {
    symptom: () => 'The platform does not match this document to the MCP server it reaches through the tunnel.',
    cause: (host: string, domain: string, resource: string) =>
      `resource is on ${host}, not on the tunnel domain ${domain}; the platform reaches the MCP server as ${resource}, ` +
      'and the resource must be that URL.',
  },
  port: {
    symptom: (where: string) => `The platform cannot reach ${where}.`,
    cause: (res: string, port: string) =>
      `resource "${res}" names port ${port}; the tunnel serves its hosts on 443 only.`,
  },
} as const;

/** authorization_servers without the exact tunnel issuer: one spelled differently, or another tunnel host. */
const NOT_THE_ISSUER = {
  spelling: {
    symptom: () => "The MCP client fetches the issuer's metadata and rejects it as not matching.",
    cause: (near: string, issuer: string) =>
      `authorization_servers lists "${near}", which differs from the tunnel issuer "${issuer}" only in spelling; ` +
      'issuer identifiers are compared character for character.',
  },
  otherHost: {
    symptom: (listed: string[]) => `OAuth fails: ${listed.join(', ')} is not the tunnel issuer.`,
    cause: (listed: string[], issuer: string) =>
      `authorization_servers lists ${JSON.stringify(listed)} on the tunnel domain, but the split-discovery issuer is ` +
      `${issuer} (the "auth" route).`,
  },
} as const;

export const check = defineCheck({
  id: 'protected-resource',
  requires: [],
  uses: [
    'resourceMetadata',
    'live.resourceMetadata',
    'live.oauthChain',
    'oauthMetadata',
    'live.oauthMetadata',
    'proxyConfig',
    'assignedDomain',
    'compose',
    'dotenv',
  ],
  messages: {
    'document-invalid': {
      severity: 'error',
      meaning: 'The protected resource metadata is not valid JSON.',
      symptom: 'MCP clients cannot read the protected resource metadata.',
      cause: '{file} {problem}.',
      fix: 'Serve a JSON object such as {example}.',
    },
    'not-an-object': {
      severity: 'error',
      meaning: 'The metadata is not a JSON object.',
      symptom: 'MCP clients cannot read the protected resource metadata.',
      cause: '{origin} holds {what}, not a JSON object (RFC 9728 section 3.2).',
      fix: 'Serve {example}.',
    },
    'wrong-type': {
      severity: 'error',
      meaning: 'A metadata field has the wrong type.',
      symptom: '{symptom}',
      cause: '{field} is {value}{expected}.',
      fix: 'Serve {served}.',
    },
    'resource-missing': {
      severity: 'error',
      meaning: 'The metadata has no resource.',
      symptom: 'MCP clients reject the metadata: it names no resource.',
      cause: 'resource is REQUIRED by RFC 9728.',
      fix: 'Add "resource": "{resource}".',
    },
    'resource-invalid': {
      severity: 'error',
      meaning: 'resource is not a URL.',
      symptom: 'MCP clients may reject the metadata ({where}).',
      cause: 'resource "{value}" has a {what}.',
      fix: 'Serve "resource": "{resource}".',
    },
    'resource-not-https': {
      severity: 'error',
      meaning: 'resource is not https://.',
      symptom: 'MCP clients reject the metadata ({where}).',
      cause: 'resource "{value}" {problem}.',
      fix: 'Serve "resource": "{resource}".',
    },
    'resource-has-path': {
      severity: 'info',
      meaning: 'resource has a path the platform does not expect.',
      symptom: 'resource has a path: "{value}".',
      cause:
        'RFC 9728 allows it, and an MCP server at a path uses it; it must equal, character for character, the MCP ' +
        'server URL the platform is given.',
      fix: 'Make sure the MCP server is configured in the platform as {value}; otherwise serve "{resource}".',
    },
    'resource-not-on-tunnel': {
      severity: 'error',
      meaning: 'resource is not a tunnel host.',
      symptom: '{symptom}',
      cause: '{cause}',
      fix: 'Serve "resource": "{resource}".',
    },
    'resource-not-routed': {
      severity: 'warn',
      meaning: 'resource names a host the proxy does not route.',
      symptom: 'Requests to {host} get "no route for host".',
      cause: 'resource names {host}, but the proxy routes only {hosts}.',
      fix: 'Add a route for {label} to the proxy, or serve "resource": "{resource}".',
    },
    'authorization-servers-missing': {
      severity: 'error',
      meaning: 'authorization_servers is missing.',
      symptom: 'The MCP client cannot find an authorization server for this resource.',
      cause: 'authorization_servers is absent or empty.',
      fix: 'Add "authorization_servers": ["{issuer}"].',
    },
    'authorization-server-mismatch': {
      severity: 'error',
      meaning: 'authorization_servers does not name the tunnel issuer.',
      symptom: '{symptom}',
      cause: '{cause}',
      fix: 'List "{issuer}"{exactly}.',
    },
    'authorization-server-public': {
      severity: 'error',
      meaning: 'Only a public authorization server is listed; the backend cannot reach it behind an allowlist.',
      symptom:
        "OAuth fails behind a source-IP allowlist: the platform's backend cannot reach the authorization server.",
      cause:
        'authorization_servers lists only {listed}; behind the allowlist the backend must reach the issuer through ' +
        'the tunnel.',
      fix:
        'List the tunnel issuer instead: "authorization_servers": ["{issuer}"] (keep the browser\'s /authorize on the ' +
        "public host in the issuer's metadata).",
    },
    'public-listed-first': {
      severity: 'warn',
      meaning: 'A public authorization server is listed before the tunnel issuer.',
      symptom: 'A client may pick {first} before the tunnel issuer.',
      cause: 'authorization_servers lists {before} before {issuer}; which one a client uses is its choice.',
      fix: 'List "{issuer}" first, or alone.',
    },
    'issuer-not-listed': {
      severity: 'error',
      meaning: 'The tunnel issuer is not among authorization_servers.',
      symptom: 'The MCP client rejects the authorization server: its metadata names another issuer.',
      cause:
        'The authorization server metadata says issuer "{metaIssuer}", which authorization_servers ({listed}) does ' +
        'not list.',
      fix: 'Make both say "{issuer}".',
    },
    'resource-metadata-not-found': {
      severity: 'error',
      meaning: 'The protected resource metadata is at none of the URLs a client tries.',
      symptom: 'OAuth fails: the MCP client finds no protected resource metadata for {resource}.',
      cause:
        'A client tries, in order: {tried}. None gave a JSON document (MCP authorization 2025-11-25, "Protected ' +
        'Resource Metadata Discovery"; RFC 9728 section 3.1 and 5.1). Clients no longer fall back to the ' +
        "authorization server's metadata.",
      fix:
        'Serve {"resource": "{resource}", "authorization_servers": ["{issuer}"]} at {first} from the mcp route\'s ' +
        'upstream, or name its URL in the challenge: WWW-Authenticate: Bearer resource_metadata="{first}".',
    },
    'resource-metadata-not-on-tunnel': {
      severity: 'error',
      meaning: "The challenge's resource_metadata URL is not on a tunnel host.",
      symptom: "OAuth fails behind the allowlist: the platform's backend cannot fetch {url}.",
      cause:
        'The Bearer challenge names resource_metadata="{url}", which is not on a routed tunnel host ' +
        '(https://<route>.{domain}); the doctor did not fetch it (RFC 9728 section 5.1).',
      fix: 'Name a URL on the tunnel in the challenge: resource_metadata="{suggested}".',
    },
    'resource-not-identical': {
      severity: 'error',
      meaning: 'resource is not identical to the MCP server URL the client asks for.',
      symptom: 'OAuth fails: the MCP client discards the protected resource metadata of {expected}.',
      cause:
        'resource is "{value}", but the client asked for "{expected}"; RFC 9728 section 3.3 requires them to be ' +
        'identical (a trailing "/", the case or a port make them differ).',
      fix: 'Serve "resource": "{expected}" exactly (or give the doctor the MCP path you use with --mcp-path).',
    },
    'resource-origin-only': {
      severity: 'warn',
      meaning:
        'resource names the host only, not the MCP path (the vendor example); prefix-matching clients accept it.',
      symptom: 'resource "{value}" is the MCP host without the path {path}.',
      cause:
        'The vendor\'s example serves the host alone. RFC 9728 section 3.3 asks for the identical URL "{expected}"; ' +
        'the MCP SDK client accepts a resource that is a prefix of the URL it asked for, so OAuth still works there, ' +
        'but a client that compares exactly discards the document.',
      fix: 'Serve "resource": "{expected}".',
    },
    'scope-not-supported': {
      severity: 'warn',
      meaning: 'The challenge asks for scopes that scopes_supported does not list.',
      symptom: 'The MCP client may ask for scopes the authorization server refuses ({scopes}).',
      cause:
        'The Bearer challenge says scope="{scope}", but scopes_supported is {supported} (MCP authorization ' +
        '2025-11-25, "Scope Selection Strategy"; RFC 6750 section 3).',
      fix: 'List {scopes} in scopes_supported, or ask only for listed scopes in the challenge.',
    },
    'points-at-tunnel': {
      severity: 'info',
      meaning: 'The metadata points at the tunnel issuer (info).',
      symptom: 'The resource metadata points at the tunnel issuer {issuer}.',
      cause: 'resource and authorization_servers use the tunnel hosts.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const chain = facts.live?.oauthChain;
    const chainDomain = effectiveTunnelDomain(facts)?.value;
    if (!facts.resourceMetadata && chain && !chain.resourceMetadata && chainDomain) {
      const tried = chain.attempts.filter((a) => a.step === 'resource-metadata');
      const off = chain.challenge?.resourceMetadata && tried.length === 1 && tried[0]?.route === null ? tried[0] : null;
      const first = `https://${MCP_ROUTE}.${chainDomain}/.well-known/oauth-protected-resource${new URL(chain.resource).pathname.replace(/\/$/, '')}`;
      if (off)
        report('resource-metadata-not-on-tunnel', { url: off.url, domain: chainDomain, suggested: first }, null, {
          evidence: { attempts: chain.attempts },
        });
      else {
        const list = tried.map((a) => `${a.url} (${a.notUsed ?? 'used'})`).join(', ');
        const data = { resource: chain.resource, issuer: tunnelIssuer(chainDomain), tried: list, first };
        report('resource-metadata-not-found', data, null, { evidence: { attempts: chain.attempts } });
      }
      return;
    }
    if (!chain) report.notChecked(CHAIN_RULES);
    const doc = discoveryDocument(facts, 'resourceMetadata');
    if (!doc) return report.skip(discoverySkipReason(facts, 'resourceMetadata'));
    const fact = doc.fact;
    if (fact.state === 'missing' || fact.state === 'unreadable')
      return report.skip(whyUnusable(fact, 'protected resource metadata'));
    const domain = effectiveTunnelDomain(facts)?.value;
    if (!domain) return report.skip(TUNNEL_DOMAIN_UNKNOWN);
    const issuer = tunnelIssuer(domain);
    const resource = `https://${MCP_ROUTE}.${domain}`;
    const example = `{"resource": "${resource}", "authorization_servers": ["${issuer}"]}`;
    if (fact.state === 'invalid') {
      report(
        'document-invalid',
        { file: fact.path, problem: fact.problem, example },
        fact.location ?? { file: fact.path },
      );
      return;
    }
    const data = fact.value.data;
    const loc = (k: string) => locate(fact, k);
    if (!isRecord(data)) {
      const what = Array.isArray(data)
        ? 'a list'
        : data === null || data === undefined
          ? 'nothing'
          : `a ${typeof data}`;
      report('not-an-object', { origin: doc.origin, what, example }, loc('') ?? { file: fact.path });
      return;
    }
    let problems = false;
    const where = (k: string) => `${k} at ${describeLocation(loc(k), doc.origin)}`;
    // Every finding on a field points at it and carries its value.
    const at = (k: string) => [loc(k), { evidence: { field: k || null, value: k ? data[k] : undefined } }] as const;

    // resource: a URL on the tunnel, on a host the proxy routes.
    const res = data.resource;
    if (res === undefined || res === null) {
      report('resource-missing', { resource }, ...at(''));
      problems = true;
    } else if (typeof res !== 'string') {
      const { symptom, expected } = WRONG_TYPE.resource;
      const data = {
        symptom: symptom(where('resource')),
        field: 'resource',
        value: JSON.stringify(res),
        expected,
        served: `"resource": "${resource}"`,
      };
      report('wrong-type', data, ...at('resource'));
      problems = true;
    } else {
      const p = parseHttpsUrl(res);
      if (!p.ok) {
        report(
          'resource-not-https',
          { where: where('resource'), value: res, problem: p.problem, resource },
          ...at('resource'),
        );
        problems = true;
      } else if (p.value.hasFragment || p.value.hasQuery) {
        const what = p.value.hasFragment ? 'fragment, which RFC 9728 forbids' : 'query, which RFC 9728 advises against';
        const [l, options] = at('resource');
        report('resource-invalid', { where: where('resource'), value: res, what, resource }, l, {
          ...options,
          severity: p.value.hasFragment ? 'error' : 'warn',
        });
        problems = true;
      } else if (!isUnderDomain(p.value.host, domain)) {
        const data = {
          symptom: OFF_TUNNEL.domain.symptom(),
          cause: OFF_TUNNEL.domain.cause(p.value.host, domain, resource),
          resource,
        };
        report('resource-not-on-tunnel', data, ...at('resource'));
        problems = true;
      } else {
        const { host, port, url } = p.value;
        const hosts = routeHostnames(facts)
          .map((r) => r.hostname)
          .filter((h): h is string => h !== null);
        if (hosts.length > 0 && !hosts.includes(host)) {
          report(
            'resource-not-routed',
            { host, hosts: hosts.join(', '), label: host.split('.')[0] ?? host, resource },
            ...at('resource'),
          );
          problems = true;
        }
        if (port !== '') {
          const data = {
            symptom: OFF_TUNNEL.port.symptom(where('resource')),
            cause: OFF_TUNNEL.port.cause(res, port),
            resource: `https://${host}${url.pathname === '/' ? '' : url.pathname}`,
          };
          report('resource-not-on-tunnel', data, ...at('resource'));
          problems = true;
        }
        if (url.pathname !== '/' || res.endsWith('/'))
          report('resource-has-path', { value: res, resource }, ...at('resource'));
        // The client compares resource with the URL it asked for (RFC 9728 section 3.3).
        const identity = chain && !problems ? judgeResourceIdentity(res, chain.resource) : null;
        if (chain && identity?.kind === 'origin-only') {
          const data = { value: res, expected: chain.resource, path: new URL(chain.resource).pathname };
          report('resource-origin-only', data, ...at('resource'));
          problems = true;
        } else if (chain && identity && identity.kind !== 'identical') {
          report('resource-not-identical', { value: res, expected: chain.resource }, ...at('resource'));
          problems = true;
        }
      }
    }

    // authorization_servers: lists the tunnel issuer, which the backend can reach.
    const as = data.authorization_servers;
    if (as === undefined || as === null || (Array.isArray(as) && as.length === 0)) {
      report(
        'authorization-servers-missing',
        { issuer },
        ...at(as === undefined || as === null ? '' : 'authorization_servers'),
      );
      problems = true;
    } else if (!Array.isArray(as) || !as.every((x) => typeof x === 'string')) {
      const { symptom, expected } = WRONG_TYPE.authorization_servers;
      const data = {
        symptom: symptom(where('authorization_servers')),
        field: 'authorization_servers',
        value: JSON.stringify(as),
        expected,
        served: `"authorization_servers": ["${issuer}"]`,
      };
      report('wrong-type', data, ...at('authorization_servers'));
      problems = true;
    } else {
      const list = as;
      const exact = list.indexOf(issuer);
      const field = at('authorization_servers');
      if (exact < 0) {
        const near = list.find((x) => looselyEqualUrls(x, issuer));
        const onTunnel = list.filter((x) => {
          const p = parseHttpsUrl(x);
          return p.ok && isUnderDomain(p.value.host, domain);
        });
        if (near) {
          const { symptom, cause } = NOT_THE_ISSUER.spelling;
          const data = { symptom: symptom(), cause: cause(near, issuer), issuer, exactly: ' exactly' };
          report('authorization-server-mismatch', data, ...field);
        } else if (onTunnel.length > 0) {
          const { symptom, cause } = NOT_THE_ISSUER.otherHost;
          const data = { symptom: symptom(onTunnel), cause: cause(onTunnel, issuer), issuer, exactly: '' };
          report('authorization-server-mismatch', data, ...field);
        } else report('authorization-server-public', { listed: list.join(', '), issuer }, ...field);
        problems = true;
      } else if (exact > 0) {
        report(
          'public-listed-first',
          { first: list[0] ?? '', before: JSON.stringify(list.slice(0, exact)), issuer },
          ...field,
        );
        problems = true;
      }
      // The issuer in the authorization server's own metadata must be one of those listed. With the
      // live chain, the client compares it with the URL it fetched: oauth-metadata's issuer rule.
      const meta = discoveryDocument(facts, 'oauthMetadata')?.fact;
      const metaIssuer = meta?.state === 'ok' && isRecord(meta.value.data) ? meta.value.data.issuer : undefined;
      if (!chain && typeof metaIssuer === 'string' && !list.includes(metaIssuer)) {
        report('issuer-not-listed', { metaIssuer, listed: JSON.stringify(list), issuer }, ...field);
        problems = true;
      }
    }
    // The scopes the challenge asks for are among those the resource says it supports.
    const scope = chain?.challenge?.scope ?? null;
    const missingScopes = scopesNotSupported(scope, data.scopes_supported);
    if (missingScopes.length > 0) {
      const scopes = missingScopes.map((x) => `"${x}"`).join(', ');
      report(
        'scope-not-supported',
        { scopes, scope: scope ?? '', supported: JSON.stringify(data.scopes_supported) },
        ...at('scopes_supported'),
      );
      problems = true;
    }
    if (!problems)
      report('points-at-tunnel', { issuer }, null, { evidence: { resource: res, authorization_servers: as } });
  },
});
