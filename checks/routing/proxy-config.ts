// proxy-config: the proxy's YAML parses and has the shape the proxy needs.
// Helm: the config is gateway.config in the values, and the chart renders the listener and the
// server certificate paths itself (it mounts its own secret), so listen_addr and tls.* are not
// required there; when the values do set them, their types are still checked.

import { dirname, join } from 'node:path';
import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts, FileFact, YamlDocumentFacts } from '../../src/core/facts.js';
import type { Finding, Location } from '../../src/core/types.js';
import { configVolume, findProxyService, isRecord } from '../../src/model/compose.js';
import { configKeyName, configSnippet, describeLocation, locate, proxyConfigFromHelm, proxyConfigModel, proxyRestartCommand } from '../../src/model/deployment-view.js';
import { listenPort, parseUpstream } from '../../src/model/proxy-config.js';
import { isGoDuration, LOG_LEVELS, nearestName, routeListToMap, unknownKeys, yamlScalar } from '../../src/model/proxy-config-schema.js';

const ID = 'proxy-config';
const CONFIG_NAMES = ['config/mcp-proxy.yaml', 'config/mcp-gateway.yaml'];

const at = (loc: Location | undefined): string => describeLocation(loc);
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : isRecord(v) ? 'a map' : `a ${typeof v} (${JSON.stringify(v)})`);

function missingConfig(facts: Readonly<Facts>): Finding[] | string {
  const values = facts.helmValues;
  if (facts.deployment.layout === 'helm' && values && values.state !== 'ok') {
    // gateway.config may well be in there: the values file itself is the problem.
    return `the Helm values ${values.path} could not be read, so gateway.config is unknown (reported by helm-values)`;
  }
  if (facts.deployment.layout === 'helm') {
    return [finding(ID, {
      messageId: 'helm-config-missing', severity: 'warn',
      symptom: 'Requests reach the proxy but every host gets "no route for host".',
      cause: 'The Helm values set no gateway.config, so they define no routes; unless your chart version ships default routes, the proxy has none.',
      fix: `Add the proxy config under gateway.config in your values, at least:\n${['gateway:', '  config:', '    routes:', '      mcp: http://my-mcp-server:8080'].join('\n')}\nthen run helm upgrade.`,
    })];
  }
  if (facts.deployment.layout !== 'compose' || facts.compose?.state !== 'ok') return `no proxy config was found in ${facts.deployment.dir} (looked for ${CONFIG_NAMES.join(', ')}); name it with --config`;
  const composeDir = dirname(facts.compose.path);
  const service = findProxyService(facts.compose.value.data);
  const mount = service ? configVolume(service) : null;
  const looked = [...(mount ? [join(composeDir, mount.source)] : []), ...CONFIG_NAMES.map((n) => join(composeDir, n))];
  return [finding(ID, {
    messageId: 'config-missing',
    symptom: `The proxy${service ? ` (service ${service.name})` : ''} cannot start: it has no config file to read.`,
    cause: `No proxy config was found; looked for ${[...new Set(looked)].join(', ')}${mount ? ` (the ${service!.name} service mounts ${mount.source} at ${mount.target})` : ''}.`,
    fix: `Create ${mount ? mount.source : CONFIG_NAMES[0]} with listen_addr, tls.cert_file, tls.key_file and routes (or point --config at it), mount it at /etc/mcp-gateway/config.yaml, then docker compose up -d.`,
  })];
}

function judgeDocument(facts: Readonly<Facts>, fact: Extract<FileFact<YamlDocumentFacts>, { state: 'ok' }>): Finding[] {
  const helm = proxyConfigFromHelm(facts);
  const key = (k: string) => configKeyName(facts, k);
  const loc = (k: string) => locate(fact, k);
  // A missing key points at its closest parent that exists (the section, else the document).
  const nearestLoc = (k: string) => {
    const parts = k.split('.').slice(0, -1);
    while (parts.length > 0 && !fact.value.positions[parts.join('.')]) parts.pop();
    return loc(parts.join('.'));
  };
  const restart = proxyRestartCommand(facts);
  const data = fact.value.data;
  const out: Finding[] = [];
  const typeError = (k: string, value: unknown, want: string, example: string) =>
    out.push(finding(ID, {
      messageId: 'wrong-type', location: loc(k), evidence: { key: key(k), value },
      symptom: `The proxy refuses its config or misreads ${key(k)} (${at(loc(k))}).`,
      cause: `${key(k)} is ${kind(value)}; it must be ${want}.`,
      fix: `Write it as ${example}, then restart the proxy (${restart}).`,
    }));
  const missingKey = (k: string, example: string) =>
    out.push(finding(ID, {
      messageId: 'missing-key', location: nearestLoc(k), evidence: { key: key(k) },
      symptom: `The proxy exits at start: the required key ${key(k)} is missing from ${fact.path}.`,
      cause: `The proxy needs listen_addr, tls.cert_file, tls.key_file and routes; ${key(k)} is not set.`,
      fix: `Add it, e.g.:\n${configSnippet(facts, example)}\nthen restart the proxy (${restart}).`,
    }));

  if (!isRecord(data)) {
    out.push(finding(ID, {
      messageId: 'not-a-map', location: loc('') ?? { file: fact.path },
      symptom: 'The proxy exits at start: its config cannot be read into the settings it expects.',
      cause: data === null || data === undefined ? `${fact.path} is empty.` : `The top level of ${helm ? 'gateway.config' : fact.path} is ${kind(data)}; it must be a map of settings.`,
      fix: `Write the config as a map:\n${configSnippet(facts, 'listen_addr: ":8080"\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes:\n  mcp: http://my-mcp-server:8080')}`,
    }));
    return out;
  }

  // listen_addr
  const listen = data.listen_addr;
  if (listen === undefined || listen === null || listen === '') {
    if (!helm) missingKey('listen_addr', 'listen_addr: ":8080"');
  } else if (typeof listen !== 'string') typeError('listen_addr', listen, 'a "host:port" string; a bare number has no ":" and cannot be listened on', `listen_addr: ":${typeof listen === 'number' ? listen : 8080}" (quoted)`);
  else if (listenPort(listen) === null) {
    out.push(finding(ID, {
      messageId: 'listen-addr-invalid', location: loc('listen_addr'), evidence: { listen_addr: listen },
      symptom: `The proxy cannot open its listener (${at(loc('listen_addr'))}).`,
      cause: `listen_addr "${listen}" is not "host:port" with a port 1-65535 (an empty host means every interface).`,
      fix: `Write listen_addr: ":${/^\d+$/.test(listen) ? listen : '8080'}", then restart the proxy (${restart}).`,
    }));
  }

  // tls
  const tls = data.tls;
  if (tls === undefined || tls === null) {
    if (!helm) {
      missingKey('tls.cert_file', 'tls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key');
      missingKey('tls.key_file', 'tls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key');
    }
  } else if (!isRecord(tls)) typeError('tls', tls, 'a map with cert_file and key_file', 'tls: { cert_file: /data/tls.crt, key_file: /data/tls.key }');
  else {
    for (const [k, example] of [['cert_file', '/data/tls.crt'], ['key_file', '/data/tls.key']] as const) {
      const v = tls[k];
      if (v === undefined || v === null || v === '') {
        if (!helm) missingKey(`tls.${k}`, `tls:\n  ${k}: ${example}`);
      } else if (typeof v !== 'string') typeError(`tls.${k}`, v, 'a file path string', `${k}: ${example}`);
    }
  }

  // routes
  const routes = data.routes;
  if (routes === undefined) missingKey('routes', 'routes:\n  mcp: http://my-mcp-server:8080');
  else if (Array.isArray(routes)) out.push(routesIsList(facts, fact, routes));
  else if (routes === null || (isRecord(routes) && Object.keys(routes).length === 0)) {
    out.push(finding(ID, {
      messageId: 'routes-empty', location: loc('routes'),
      symptom: 'Every request gets "no route for host" (502 No route configured for host).',
      cause: `${key('routes')} (${at(loc('routes'))}) is empty: the proxy has nowhere to send any request.`,
      fix: `Add at least one route:\n${configSnippet(facts, 'routes:\n  mcp: http://my-mcp-server:8080')}\nthen restart the proxy (${restart}).`,
    }));
  } else if (!isRecord(routes)) typeError('routes', routes, 'a map from route name to upstream', 'routes: { mcp: "http://my-mcp-server:8080" }');
  else {
    for (const r of proxyConfigModel(facts)?.routes ?? []) {
      if (!r.problem) continue;
      const l = loc(`routes.${r.key}`);
      out.push(finding(ID, {
        messageId: 'invalid-upstream', severity: r.problemSeverity ?? 'error', location: l, evidence: { route: r.key, upstream: r.raw },
        symptom: r.problemSeverity === 'warn' ? `Route "${r.key}" (${at(l)}) bends the upstream rule.` : `The proxy exits at start with "invalid upstream (must be scheme://host:port)" for route "${r.key}" (${at(l)}).`,
        cause: `The upstream ${JSON.stringify(r.raw)} ${r.problem}.`,
        fix: `Write it as exactly scheme://host:port${r.upstream ? `: ${r.key}: ${r.upstream.scheme}://${r.upstream.ipVersion === 6 ? `[${r.upstream.host}]` : r.upstream.host}:${r.upstream.port}` : ', e.g. http://wiki:8080'}; then restart the proxy (${restart}).`,
      }));
    }
  }

  // tunnel_domain (its value is judged by tunnel-domain), upstream sections (their values by allowed-ips / upstream-tls)
  if (data.tunnel_domain !== undefined && data.tunnel_domain !== null && typeof data.tunnel_domain !== 'string') typeError('tunnel_domain', data.tunnel_domain, 'a domain name string', 'tunnel_domain: abcd1234.tunnel.example.com');
  if (data.upstream !== undefined && data.upstream !== null) {
    if (!isRecord(data.upstream)) typeError('upstream', data.upstream, 'a map (allowed_ips, disable_ip_validation, tls)', 'upstream:\n  allowed_ips: [10.0.0.0/8]');
    else if (data.upstream.tls !== undefined && data.upstream.tls !== null && !isRecord(data.upstream.tls)) typeError('upstream.tls', data.upstream.tls, 'a map (ca_file, include_system_cas)', 'upstream:\n  tls:\n    ca_file: /data/upstream-ca.crt');
  }

  // log_level and shutdown_timeout: a bad value is ignored or refused, so warn.
  const level = data.log_level;
  if (level !== undefined && level !== null && (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level.toLowerCase()))) {
    const guess = typeof level === 'string' ? nearestName(level.toLowerCase(), LOG_LEVELS) : null;
    out.push(finding(ID, {
      messageId: 'log-level-invalid', severity: 'warn', location: loc('log_level'), evidence: { log_level: level },
      symptom: `The proxy may refuse its config or log at a level you did not choose (${at(loc('log_level'))}).`,
      cause: `log_level is ${JSON.stringify(level)}; the proxy knows ${LOG_LEVELS.join(', ')} (default info).`,
      fix: `Write log_level: ${guess ?? 'info'}${guess ? ` (did you mean "${guess}"?)` : ''}, then restart the proxy (${restart}).`,
    }));
  }
  const timeout = data.shutdown_timeout;
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'string' || !isGoDuration(timeout) || timeout.startsWith('-'))) {
    out.push(finding(ID, {
      messageId: 'shutdown-timeout-invalid', severity: 'warn', location: loc('shutdown_timeout'), evidence: { shutdown_timeout: timeout },
      symptom: `Stopping the proxy may cut requests short or the config may be refused (${at(loc('shutdown_timeout'))}).`,
      cause: typeof timeout === 'number'
        ? `shutdown_timeout is the bare number ${timeout}: a duration needs a unit, and a number read into a Go duration counts nanoseconds.`
        : `shutdown_timeout ${JSON.stringify(timeout)} is not a positive Go duration (a number with a unit: ns, us, ms, s, m, h).`,
      fix: `Write shutdown_timeout: ${typeof timeout === 'number' ? `${timeout}s` : '30s'} (the default is 30s), then restart the proxy (${restart}).`,
    }));
  }

  for (const u of unknownKeys(data)) {
    const l = loc(u.path);
    const hint = u.belongsIn !== null ? ` "${u.key}" belongs under ${u.belongsIn === '' ? 'the top level' : key(u.belongsIn)}.` : u.didYouMean ? ` Did you mean "${u.didYouMean}"?` : '';
    out.push(finding(ID, {
      messageId: 'unknown-key', severity: 'warn', location: l, evidence: { key: key(u.path), didYouMean: u.didYouMean, belongsIn: u.belongsIn },
      symptom: `The proxy ignores ${key(u.path)} (${at(l)}): whatever it was meant to set keeps its default.`,
      cause: `"${u.key}" is not a key the proxy knows${u.section ? ` under ${key(u.section)}` : ' at the top level'}.${hint}`,
      fix: u.belongsIn !== null ? `Move it under ${u.belongsIn === '' ? 'the top level' : key(u.belongsIn)}, then restart the proxy.` : u.didYouMean ? `Rename it to ${u.didYouMean}, then restart the proxy.` : 'Remove it, or correct its name (see mcp-tunnel explain proxy-config).',
    }));
  }
  return out;
}

/** The upstream as exactly scheme://host:port when only a trailing "/" was wrong; otherwise as written. */
function canonicalUpstream(raw: string): string {
  const p = parseUpstream(raw);
  if (!p.upstream || p.severity === 'error') return raw;
  return `${p.upstream.scheme}://${p.upstream.ipVersion === 6 ? `[${p.upstream.host}]` : p.upstream.host}:${p.upstream.port}`;
}

function routesIsList(facts: Readonly<Facts>, fact: Extract<FileFact<YamlDocumentFacts>, { state: 'ok' }>, items: unknown[]): Finding {
  const l = locate(fact, 'routes');
  const conv = routeListToMap(items);
  const body = conv.map
    ? `routes:\n${conv.map.map((r) => `  ${yamlScalar(r.key)}: ${yamlScalar(canonicalUpstream(r.value))}`).join('\n')}`
    : 'routes:\n  mcp: http://my-mcp-server:8080\n  auth: http://my-auth-server:8080';
  return finding(ID, {
    messageId: 'routes-is-list', location: l, evidence: { items: items.length, convertible: conv.map !== null },
    symptom: 'The proxy exits at start with "cannot unmarshal !!seq into map[string]string".',
    cause: `${configKeyName(facts, 'routes')} (${at(l)}) is a YAML list ("- " items), but the proxy reads routes into a map from route name to upstream; decoding a sequence into that map fails with "cannot unmarshal !!seq into map[string]string" and the proxy exits.`,
    fix: conv.map
      ? `Replace the list with this map (the same routes, without "- "):\n${configSnippet(facts, body)}\nthen restart the proxy (${proxyRestartCommand(facts)}).`
      : `Write every route as "name: scheme://host:port" directly under routes, without "- " (list item${conv.unconvertible.length > 1 ? 's' : ''} ${conv.unconvertible.map((i) => i + 1).join(', ')} could not be converted automatically), e.g.:\n${configSnippet(facts, body)}\nthen restart the proxy (${proxyRestartCommand(facts)}).`,
  });
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'static',
  run(facts) {
    const fact = facts.proxyConfig;
    if (!fact || fact.state === 'missing') {
      const r = missingConfig(facts);
      return typeof r === 'string' ? skip(r) : judge(r);
    }
    if (fact.state === 'unreadable') {
      return judge([finding(ID, {
        messageId: 'config-unreadable', location: { file: fact.path },
        symptom: 'The proxy may be unable to read its config, and the doctor could not read it either.',
        cause: `${fact.path} ${fact.problem}.`,
        fix: `Make ${fact.path} a regular file readable by the proxy (it runs as UID 65532): chmod 644 ${fact.path}.`,
      })]);
    }
    if (fact.state === 'invalid') {
      const l = fact.location ?? { file: fact.path };
      return judge([finding(ID, {
        messageId: 'yaml-invalid', location: l,
        symptom: 'The proxy exits at start: it cannot parse its config.',
        cause: `${at(l)}${l.column ? `:${l.column}` : ''}: ${fact.path} ${fact.problem}.`,
        fix: `Correct the YAML at line ${l.line ?? '?'}${l.column ? `, column ${l.column}` : ''} (indentation with spaces, "key: value" with a space after the colon, quotes around values containing ": " or "#"), then restart the proxy (${proxyRestartCommand(facts)}).`,
      })]);
    }
    return judge(judgeDocument(facts, fact));
  },
};
