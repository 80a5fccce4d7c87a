// proxy-config: the proxy's YAML parses and has the shape the proxy needs.
// Helm: the config is gateway.config in the values, and the chart renders the listener and the
// server certificate paths itself (it mounts its own secret), so listen_addr and tls.* are not
// required there; when the values do set them, their types are still checked.
// A missing config is judged here (config-missing), so proxyConfig is used, not required.

import { dirname, join } from 'node:path';
import { defineCheck, type Report } from '../../src/core/check.js';
import type { Facts, FileFact, YamlDocumentFacts } from '../../src/core/facts.js';
import type { Location } from '../../src/core/types.js';
import { configVolume, findProxyService, isRecord } from '../../src/model/compose.js';
import {
  configKeyName,
  configSnippet,
  describeLocation,
  locate,
  proxyConfigFromHelm,
  proxyConfigModel,
  proxyRestartCommand,
} from '../../src/model/deployment-view.js';
import { listenPort, parseUpstream, type ProxyRoute } from '../../src/model/proxy-config.js';
import {
  isGoDuration,
  LOG_LEVELS,
  nearestName,
  routeListToMap,
  unknownKeys,
  yamlScalar,
  type UnknownKey,
} from '../../src/model/proxy-config-schema.js';

const CONFIG_NAMES = ['config/mcp-proxy.yaml', 'config/mcp-gateway.yaml'] as const;
const RESTART = 'then restart the proxy ({restart}).';
const HELM_CONFIG_EXAMPLE = ['gateway:', '  config:', '    routes:', '      mcp: http://my-mcp-server:8080'].join('\n');
const MAP_EXAMPLE =
  'listen_addr: ":8080"\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes:\n  mcp: ' +
  'http://my-mcp-server:8080';
const ROUTES_EXAMPLE = 'routes:\n  mcp: http://my-mcp-server:8080';
const TLS_EXAMPLE = 'tls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key';

const kind = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : isRecord(v) ? 'a map' : `a ${typeof v} (${JSON.stringify(v)})`;

/** A config that is not a map of settings: empty, or something else at the top. */
const NOT_A_MAP = {
  empty: (file: string) => `${file} is empty.`,
  other: (where: string, what: string) => `The top level of ${where} is ${what}; it must be a map of settings.`,
};

/** An upstream that breaks the scheme://host:port rule: refused at start, or only bent (a trailing "/"). */
const UPSTREAM_SYMPTOM = {
  refused: (route: string, where: string) =>
    `The proxy exits at start with "invalid upstream (must be scheme://host:port)" for route "${route}" (${where}).`,
  tolerated: (route: string, where: string) => `Route "${route}" (${where}) bends the upstream rule.`,
};

/** A shutdown_timeout that is not a duration: a bare number (read as nanoseconds), or anything else. */
const NOT_A_DURATION = {
  number: (n: number) =>
    `shutdown_timeout is the bare number ${n}: a duration needs a unit, and a number read into a Go duration counts nanoseconds.`,
  other: (value: string) =>
    `shutdown_timeout ${value} is not a positive Go duration (a number with a unit: ns, us, ms, s, m, h).`,
};

/** The fix of a list of routes: the converted map, or how to write it by hand (naming the items that did not convert). */
const ROUTES_LIST_HOW_TO = {
  converted: 'Replace the list with this map (the same routes, without "- ")',
  byHand: (items: number[]) =>
    `Write every route as "name: scheme://host:port" directly under routes, without "- " (list item${items.length > 1 ? 's' : ''} ` +
    `${items.join(', ')} could not be converted automatically), e.g.`,
};

/** The upstream as exactly scheme://host:port when only a trailing "/" was wrong; otherwise as written. */
function canonicalUpstream(raw: string): string {
  const p = parseUpstream(raw);
  if (!p.upstream || p.severity === 'error') return raw;
  return `${p.upstream.scheme}://${p.upstream.ipVersion === 6 ? `[${p.upstream.host}]` : p.upstream.host}:${p.upstream.port}`;
}

/** How a route's upstream should be written, after "Write it as exactly scheme://host:port". */
function upstreamExample(r: ProxyRoute): string {
  if (!r.upstream) return ', e.g. http://wiki:8080';
  const { scheme, host, port, ipVersion } = r.upstream;
  return `: ${r.key}: ${scheme}://${ipVersion === 6 ? `[${host}]` : host}:${port}`;
}

/** The cause of an unknown key: where it is, and where it belongs or what was meant. */
function unknownKeyCause(u: UnknownKey, key: (k: string) => string): string {
  const hint =
    u.belongsIn !== null
      ? ` "${u.key}" belongs under ${u.belongsIn === '' ? 'the top level' : key(u.belongsIn)}.`
      : u.didYouMean
        ? ` Did you mean "${u.didYouMean}"?`
        : '';
  return `"${u.key}" is not a key the proxy knows${u.section ? ` under ${key(u.section)}` : ' at the top level'}.${hint}`;
}

function unknownKeyFix(u: UnknownKey, key: (k: string) => string): string {
  if (u.belongsIn !== null)
    return `Move it under ${u.belongsIn === '' ? 'the top level' : key(u.belongsIn)}, then ` + `restart the proxy.`;
  if (u.didYouMean) return `Rename it to ${u.didYouMean}, then restart the proxy.`;
  return 'Remove it, or correct its name (see mcp-tunnel explain proxy-config).';
}

const messages = {
  'config-missing': {
    severity: 'error',
    meaning: 'No proxy config was found.',
    symptom: 'The proxy{service} cannot start: it has no config file to read.',
    cause: 'No proxy config was found; looked for {looked}{mount}.',
    fix:
      'Create {file} with listen_addr, tls.cert_file, tls.key_file and routes (or point --config at it), mount it at ' +
      '/etc/mcp-gateway/config.yaml, then docker compose up -d.',
  },
  'helm-config-missing': {
    severity: 'warn',
    meaning: 'The Helm values have no gateway.config.',
    symptom: 'Requests reach the proxy but every host gets "no route for host".',
    cause:
      'The Helm values set no gateway.config, so they define no routes; unless your chart version ships default ' +
      'routes, the proxy has none.',
    fix:
      `Add the proxy config under gateway.config in your values, at least:\n${HELM_CONFIG_EXAMPLE}\nthen run helm ` +
      `upgrade.`,
  },
  'config-unreadable': {
    severity: 'error',
    meaning: 'The proxy config cannot be read.',
    symptom: 'The proxy may be unable to read its config, and the doctor could not read it either.',
    cause: '{file} {problem}.',
    fix: 'Make {file} a regular file readable by the proxy (it runs as UID 65532): chmod 644 {file}.',
  },
  'yaml-invalid': {
    severity: 'error',
    meaning: 'The proxy config is not valid YAML (line and column in the finding).',
    symptom: 'The proxy exits at start: it cannot parse its config.',
    cause: '{where}{column}: {file} {problem}.',
    fix:
      'Correct the YAML at line {line}{atColumn} (indentation with spaces, "key: value" with a space after the colon, ' +
      'quotes around values containing ": " or "#"), then restart the proxy ({restart}).',
  },
  'not-a-map': {
    severity: 'error',
    meaning: 'The proxy config is not a map of keys.',
    symptom: 'The proxy exits at start: its config cannot be read into the settings it expects.',
    cause: '{problem}',
    fix: 'Write the config as a map:\n{example}',
  },
  'wrong-type': {
    severity: 'error',
    meaning: 'A key has a value of the wrong type.',
    symptom: 'The proxy refuses its config or misreads {key} ({where}).',
    cause: '{key} is {kind}; it must be {want}.',
    fix: `Write it as {example}, ${RESTART}`,
  },
  'missing-key': {
    severity: 'error',
    meaning: 'A required key is missing.',
    symptom: 'The proxy exits at start: the required key {key} is missing from {file}.',
    cause: 'The proxy needs listen_addr, tls.cert_file, tls.key_file and routes; {key} is not set.',
    fix: `Add it, e.g.:\n{example}\n${RESTART}`,
  },
  'listen-addr-invalid': {
    severity: 'error',
    meaning: 'listen_addr is not a valid address.',
    symptom: 'The proxy cannot open its listener ({where}).',
    cause: 'listen_addr "{listen}" is not "host:port" with a port 1-65535 (an empty host means every interface).',
    fix: `Write listen_addr: ":{port}", ${RESTART}`,
  },
  'routes-empty': {
    severity: 'error',
    meaning: 'routes is empty: the proxy serves nothing.',
    symptom: 'Every request gets "no route for host" (502 No route configured for host).',
    cause: '{key} ({where}) is empty: the proxy has nowhere to send any request.',
    fix: `Add at least one route:\n{example}\n${RESTART}`,
  },
  'routes-is-list': {
    severity: 'error',
    meaning: 'routes is a list; it must be a map of name to upstream.',
    symptom: 'The proxy exits at start with "cannot unmarshal !!seq into map[string]string".',
    cause:
      '{key} ({where}) is a YAML list ("- " items), but the proxy reads routes into a map from route name to ' +
      'upstream; decoding a sequence into that map fails with "cannot unmarshal !!seq into map[string]string" and the ' +
      'proxy exits.',
    fix: `{howTo}:\n{example}\n${RESTART}`,
  },
  'invalid-upstream': {
    severity: 'error',
    meaning: 'An upstream is not exactly scheme://host:port.',
    symptom: '{symptom}',
    cause: 'The upstream {upstream} {problem}.',
    fix: `Write it as exactly scheme://host:port{example}; ${RESTART}`,
  },
  'log-level-invalid': {
    severity: 'warn',
    meaning: 'log_level is not a level the proxy knows.',
    symptom: 'The proxy may refuse its config or log at a level you did not choose ({where}).',
    cause: `log_level is {level}; the proxy knows ${LOG_LEVELS.join(', ')} (default info).`,
    fix: `Write log_level: {suggested}{didYouMean}, ${RESTART}`,
  },
  'shutdown-timeout-invalid': {
    severity: 'warn',
    meaning: 'shutdown_timeout is not a duration.',
    symptom: 'Stopping the proxy may cut requests short or the config may be refused ({where}).',
    cause: '{problem}',
    fix: `Write shutdown_timeout: {suggested} (the default is 30s), ${RESTART}`,
  },
  'unknown-key': {
    severity: 'warn',
    meaning: 'A key the proxy does not know (a typo, or one that belongs elsewhere).',
    symptom: 'The proxy ignores {key} ({where}): whatever it was meant to set keeps its default.',
    cause: '{cause}',
    fix: '{fix}',
  },
} as const;

type ConfigReport = Report<typeof messages>;
type LoadedConfig = Extract<FileFact<YamlDocumentFacts>, { state: 'ok' }>;

/** A missing config: a finding on Compose and Helm, a skip reason elsewhere. */
function missingConfig(facts: Readonly<Facts>, report: ConfigReport): string | null {
  const values = facts.helmValues;
  if (facts.deployment.layout === 'helm' && values && values.state !== 'ok') {
    // gateway.config may well be in there: the values file itself is the problem.
    return `the Helm values ${values.path} could not be read, so gateway.config is unknown (reported by helm-values)`;
  }
  if (facts.deployment.layout === 'helm') {
    report('helm-config-missing', {});
    return null;
  }
  if (facts.deployment.layout !== 'compose' || facts.compose?.state !== 'ok') {
    return (
      `no proxy config was found in ${facts.deployment.dir} (looked for ${CONFIG_NAMES.join(', ')}); name it ` +
      `with --config`
    );
  }
  const composeDir = dirname(facts.compose.path);
  const service = findProxyService(facts.compose.value.data);
  const mount = service ? configVolume(service) : null;
  const looked = [...(mount ? [join(composeDir, mount.source)] : []), ...CONFIG_NAMES.map((n) => join(composeDir, n))];
  report('config-missing', {
    service: service ? ` (service ${service.name})` : '',
    looked: [...new Set(looked)].join(', '),
    mount: service && mount ? ` (the ${service.name} service mounts ${mount.source} at ${mount.target})` : '',
    file: mount ? mount.source : CONFIG_NAMES[0],
  });
  return null;
}

function judgeDocument(facts: Readonly<Facts>, fact: LoadedConfig, report: ConfigReport): void {
  const helm = proxyConfigFromHelm(facts);
  const key = (k: string) => configKeyName(facts, k);
  const loc = (k: string) => locate(fact, k);
  const at = (k: string) => describeLocation(loc(k));
  // A missing key points at its closest parent that exists (the section, else the document).
  const nearestLoc = (k: string) => {
    const parts = k.split('.').slice(0, -1);
    while (parts.length > 0 && !fact.value.positions[parts.join('.')]) parts.pop();
    return loc(parts.join('.'));
  };
  const restart = proxyRestartCommand(facts);
  const data = fact.value.data;
  const typeError = (k: string, value: unknown, want: string, example: string) =>
    report('wrong-type', { key: key(k), where: at(k), kind: kind(value), want, example, restart }, loc(k), {
      evidence: { key: key(k), value },
    });
  const missingKey = (k: string, example: string) =>
    report(
      'missing-key',
      { key: key(k), file: fact.path, example: configSnippet(facts, example), restart },
      nearestLoc(k),
      {
        evidence: { key: key(k) },
      },
    );

  if (!isRecord(data)) {
    const problem =
      data === null || data === undefined
        ? NOT_A_MAP.empty(fact.path)
        : NOT_A_MAP.other(helm ? 'gateway.config' : fact.path, kind(data));
    report('not-a-map', { problem, example: configSnippet(facts, MAP_EXAMPLE) }, loc('') ?? { file: fact.path });
    return;
  }

  // listen_addr
  const listen = data.listen_addr;
  if (listen === undefined || listen === null || listen === '') {
    if (!helm) missingKey('listen_addr', 'listen_addr: ":8080"');
  } else if (typeof listen !== 'string') {
    const want = 'a "host:port" string; a bare number has no ":" and cannot be listened on';
    typeError('listen_addr', listen, want, `listen_addr: ":${typeof listen === 'number' ? listen : 8080}" (quoted)`);
  } else if (listenPort(listen) === null) {
    const port = /^\d+$/.test(listen) ? listen : '8080';
    report('listen-addr-invalid', { where: at('listen_addr'), listen, port, restart }, loc('listen_addr'), {
      evidence: { listen_addr: listen },
    });
  }

  // tls
  const tls = data.tls;
  if (tls === undefined || tls === null) {
    if (!helm) {
      missingKey('tls.cert_file', TLS_EXAMPLE);
      missingKey('tls.key_file', TLS_EXAMPLE);
    }
  } else if (!isRecord(tls))
    typeError(
      'tls',
      tls,
      'a map with cert_file and key_file',
      'tls: { cert_file: /data/tls.crt, key_file: /data/tls.key }',
    );
  else {
    for (const [k, example] of [
      ['cert_file', '/data/tls.crt'],
      ['key_file', '/data/tls.key'],
    ] as const) {
      const v = tls[k];
      if (v === undefined || v === null || v === '') {
        if (!helm) missingKey(`tls.${k}`, `tls:\n  ${k}: ${example}`);
      } else if (typeof v !== 'string') typeError(`tls.${k}`, v, 'a file path string', `${k}: ${example}`);
    }
  }

  // routes
  const routes = data.routes;
  if (routes === undefined) missingKey('routes', ROUTES_EXAMPLE);
  else if (Array.isArray(routes)) routesIsList(facts, fact, routes, report);
  else if (routes === null || (isRecord(routes) && Object.keys(routes).length === 0)) {
    report(
      'routes-empty',
      { key: key('routes'), where: at('routes'), example: configSnippet(facts, ROUTES_EXAMPLE), restart },
      loc('routes'),
    );
  } else if (!isRecord(routes))
    typeError('routes', routes, 'a map from route name to upstream', 'routes: { mcp: "http://my-mcp-server:8080" }');
  else {
    for (const r of proxyConfigModel(facts)?.routes ?? []) {
      if (!r.problem) continue;
      const l = loc(`routes.${r.key}`);
      const where = describeLocation(l);
      const symptom =
        r.problemSeverity === 'warn'
          ? UPSTREAM_SYMPTOM.tolerated(r.key, where)
          : UPSTREAM_SYMPTOM.refused(r.key, where);
      const data = {
        symptom,
        upstream: JSON.stringify(r.raw),
        problem: r.problem,
        example: upstreamExample(r),
        restart,
      };
      report('invalid-upstream', data, l, {
        severity: r.problemSeverity ?? 'error',
        evidence: { route: r.key, upstream: r.raw },
      });
    }
  }

  // tunnel_domain (its value is judged by tunnel-domain), upstream sections (their values by allowed-ips / upstream-tls)
  const domain = data.tunnel_domain;
  if (domain !== undefined && domain !== null && typeof domain !== 'string') {
    typeError('tunnel_domain', domain, 'a domain name string', 'tunnel_domain: abcd1234.tunnel.example.com');
  }
  const upstream = data.upstream;
  if (upstream !== undefined && upstream !== null) {
    if (!isRecord(upstream)) {
      typeError(
        'upstream',
        upstream,
        'a map (allowed_ips, disable_ip_validation, tls)',
        'upstream:\n  allowed_ips: [10.0.0.0/8]',
      );
    } else if (upstream.tls !== undefined && upstream.tls !== null && !isRecord(upstream.tls)) {
      typeError(
        'upstream.tls',
        upstream.tls,
        'a map (ca_file, include_system_cas)',
        'upstream:\n  tls:\n    ca_file: /data/upstream-ca.crt',
      );
    }
  }

  // log_level and shutdown_timeout: a bad value is ignored or refused, so warn.
  const level = data.log_level;
  if (
    level !== undefined &&
    level !== null &&
    (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level.toLowerCase()))
  ) {
    const guess = typeof level === 'string' ? nearestName(level.toLowerCase(), LOG_LEVELS) : null;
    const data = {
      where: at('log_level'),
      level: JSON.stringify(level),
      suggested: guess ?? 'info',
      didYouMean: guess ? ` (did you mean "${guess}"?)` : '',
      restart,
    };
    report('log-level-invalid', data, loc('log_level'), { evidence: { log_level: level } });
  }
  const timeout = data.shutdown_timeout;
  if (
    timeout !== undefined &&
    timeout !== null &&
    (typeof timeout !== 'string' || !isGoDuration(timeout) || timeout.startsWith('-'))
  ) {
    const problem =
      typeof timeout === 'number' ? NOT_A_DURATION.number(timeout) : NOT_A_DURATION.other(JSON.stringify(timeout));
    const suggested = typeof timeout === 'number' ? `${timeout}s` : '30s';
    report(
      'shutdown-timeout-invalid',
      { where: at('shutdown_timeout'), problem, suggested, restart },
      loc('shutdown_timeout'),
      {
        evidence: { shutdown_timeout: timeout },
      },
    );
  }

  for (const u of unknownKeys(data)) {
    const l = loc(u.path);
    const data = {
      key: key(u.path),
      where: describeLocation(l),
      cause: unknownKeyCause(u, key),
      fix: unknownKeyFix(u, key),
    };
    report('unknown-key', data, l, {
      evidence: { key: key(u.path), didYouMean: u.didYouMean, belongsIn: u.belongsIn },
    });
  }
}

function routesIsList(facts: Readonly<Facts>, fact: LoadedConfig, items: unknown[], report: ConfigReport): void {
  const l = locate(fact, 'routes');
  const conv = routeListToMap(items);
  const body = conv.map
    ? `routes:\n${conv.map.map((r) => `  ${yamlScalar(r.key)}: ${yamlScalar(canonicalUpstream(r.value))}`).join('\n')}`
    : 'routes:\n  mcp: http://my-mcp-server:8080\n  auth: http://my-auth-server:8080';
  const howTo = conv.map
    ? ROUTES_LIST_HOW_TO.converted
    : ROUTES_LIST_HOW_TO.byHand(conv.unconvertible.map((i) => i + 1));
  const data = {
    key: configKeyName(facts, 'routes'),
    where: describeLocation(l),
    howTo,
    example: configSnippet(facts, body),
    restart: proxyRestartCommand(facts),
  };
  report('routes-is-list', data, l, { evidence: { items: items.length, convertible: conv.map !== null } });
}

export const check = defineCheck({
  id: 'proxy-config',
  requires: [],
  uses: ['proxyConfig', 'helmValues', 'compose', 'dotenv'],
  messages,
  run(facts, report) {
    const fact = facts.proxyConfig;
    if (!fact || fact.state === 'missing') {
      const reason = missingConfig(facts, report);
      return reason === null ? undefined : report.skip(reason);
    }
    if (fact.state === 'unreadable') {
      report('config-unreadable', { file: fact.path, problem: fact.problem }, { file: fact.path });
      return;
    }
    if (fact.state === 'invalid') {
      const l: Location = fact.location ?? { file: fact.path };
      const data = {
        where: describeLocation(l),
        column: l.column ? `:${l.column}` : '',
        file: fact.path,
        problem: fact.problem,
        line: l.line ?? '?',
        atColumn: l.column ? `, column ${l.column}` : '',
        restart: proxyRestartCommand(facts),
      };
      report('yaml-invalid', data, l);
      return;
    }
    judgeDocument(facts, fact, report);
  },
});
