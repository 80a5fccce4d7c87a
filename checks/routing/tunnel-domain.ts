// tunnel-domain: tunnel_domain (after ${VAR} expansion) equals the tunnel's assigned domain, and
// every route key can match a hostname the platform sends (<route>.<assigned domain>).
// Helm: in managed mode (no external.* secrets) the chart passes -tunnel-domain itself, so an
// absent tunnel_domain is fine; in external mode the values must set it.

import { defineCheck } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import { findProxyService, isRecord, serviceEnvironment } from '../../src/model/compose.js';
import {
  applyChangeCommand,
  assignedDomain,
  configKeyName,
  describeLocation,
  locate,
  proxyConfigFromHelm,
  proxyConfigModel,
  proxyRestartCommand,
  whyUnusable,
} from '../../src/model/deployment-view.js';
import { referencedVariables } from '../../src/model/interpolate.js';
import { normalizeDomain } from '../../src/model/proxy-config.js';

const FROM_DETAIL_PAGE = '<the domain on the tunnel detail page>';

function helmMode(facts: Readonly<Facts>): 'managed' | 'external' | null {
  if (!proxyConfigFromHelm(facts) && facts.deployment.layout !== 'helm') return null;
  const data = facts.helmValues?.state === 'ok' ? facts.helmValues.value.data : null;
  const external = isRecord(data) && isRecord(data.external) ? data.external : {};
  return Object.values(external).some((v) => typeof v === 'string' && v.trim() !== '') ? 'external' : 'managed';
}

/** Where a variable's value comes from, as the proxy sees it. */
function variableSource(facts: Readonly<Facts>, name: string): string {
  const compose = facts.compose?.state === 'ok' ? facts.compose : null;
  const service = compose ? findProxyService(compose.value.data) : null;
  const value = service ? serviceEnvironment(service)[name] : undefined;
  if (compose && service && typeof value === 'string' && !value.includes('$'))
    return `the ${service.name} service's environment in ${compose.path}`;
  if (facts.processEnv[name] !== undefined) return 'your shell environment';
  if (facts.dotenv?.state === 'ok' && facts.dotenv.value[name] !== undefined) return facts.dotenv.path;
  return 'the environment';
}

/** The fix for a tunnel_domain that is not the assigned domain: where the value is set decides it. */
const MISMATCH_FIX = {
  variable: (name: string, assigned: string, source: string, recreate: string) =>
    `Set ${name}=${assigned} in ${source}, then ${recreate}.`,
  literal: (tdKey: string, assigned: string, restart: string) =>
    `Set ${tdKey}: ${assigned}, then restart the proxy: ${restart} (the config is not hot-reloaded; an edit without a ` +
    'restart keeps the old domain).',
};

/** What matches, in the passing summary: the configured domain, the one the chart injects, or full-hostname keys. */
const MATCHES = {
  configured: (tdKey: string, configured: string, isAssigned: boolean) =>
    `${tdKey} is "${configured}"${isAssigned ? ', the assigned domain' : ''}.`,
  injected: (assigned: string | null) =>
    `The chart passes -tunnel-domain ${assigned ?? "(the tunnel's domain)"} to the proxy.`,
  fullHostnames: 'Every route key is a full hostname.',
};

/** A label callers could use instead of a route key that is not one. */
const labelFor = (key: string) =>
  key
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[:/].*$/, '')
    .replace(/[^a-z0-9.-]/g, '-') || 'mcp';

export const check = defineCheck({
  id: 'tunnel-domain',
  requires: ['proxyConfig'],
  uses: ['assignedDomain', 'helmValues', 'compose', 'dotenv', 'token'],
  messages: {
    'variable-unset': {
      severity: 'error',
      meaning: 'tunnel_domain uses a ${VAR} that is not set.',
      symptom: 'Every request gets "no route for host": {tdKey} expands to {expandsTo}.',
      cause: '{tdKey} is {raw} ({where}), but {names} is not set: not in {envFile}{serviceEnv} or the environment.',
      fix: 'Add {variable}={value} to .env{passIt}, then {apply}.',
    },
    'variable-not-passed': {
      severity: 'warn',
      meaning: 'tunnel_domain uses a ${VAR} the proxy service does not pass into its container.',
      symptom: 'The proxy may see an empty {tdKey} and answer "no route for host".',
      cause:
        '{tdKey} is {raw}, but the {service} service does not pass {variables} into its container (no environment: ' +
        "entry, no env_file); .env only feeds Compose's own {interpolation} expansion.",
      fix: 'Add to the {service} service: environment: [ "{variable}={reference}" ], then {recreate}.',
    },
    'domain-mismatch': {
      severity: 'error',
      meaning: "tunnel_domain is not the tunnel's assigned domain.",
      symptom: 'The proxy logs "no route for host" and callers get "502 No route configured for host".',
      cause:
        '{tdKey} is "{configured}" ({where}), but the tunnel\'s assigned domain is "{assigned}" (from {assignedFrom}); ' +
        'requests for <route>.{assigned} never match.',
      fix: '{fix}',
    },
    'assigned-domain-unreadable': {
      severity: 'warn',
      meaning: 'data/tunnel-domain cannot be read, so the domains were not compared.',
      symptom: '{tdKey} "{configured}" could not be compared with the tunnel\'s assigned domain.',
      cause: '{file} (written by the setup job) {problem}.',
      fix:
        'Write the domain shown on the tunnel detail page into it (echo <domain> > {file}), or run again with ' +
        '--tunnel-domain <domain>.',
    },
    'assigned-unknown': {
      severity: 'info',
      meaning: 'The assigned domain is unknown, so tunnel_domain was not compared with it (info).',
      symptom: '{tdKey} is "{configured}"; the tunnel\'s assigned domain is not known to the doctor.',
      cause:
        'Neither --tunnel-domain nor data/tunnel-domain was given, so tunnel_domain could not be compared with the ' +
        'domain on the tunnel detail page.',
      fix: `Run again with --tunnel-domain ${FROM_DETAIL_PAGE}.`,
    },
    'tunnel-domain-missing': {
      severity: 'error',
      meaning: 'External Helm mode without tunnel_domain.',
      symptom: 'The proxy answers "no route for host" for every route.',
      cause:
        'The chart runs in external mode (external.* secrets are set), where it cannot inject the domain: {tdKey} ' +
        'must be set and is not.',
      fix: 'Set {tdKey}: {domain}, then {restart}.',
    },
    'route-key-invalid': {
      severity: 'error',
      meaning: 'A route key is not a hostname or DNS label.',
      symptom: 'Route "{route}" ({where}) never receives a request.',
      cause:
        'The route key "{route}" is not a hostname or a DNS label (only letters, digits, "-" and "."; no scheme, port, ' +
        'path, "_" or "*"), so no Host header can equal it.',
      fix: 'Rename it to the label callers use (e.g. {label}), then restart the proxy: {restart}.',
    },
    'route-key-case': {
      severity: 'warn',
      meaning: 'A route key has capitals; hostnames arrive in lower case.',
      symptom: 'Route "{route}" ({where}) may never match.',
      cause: 'Hostnames arrive in lower case; whether the proxy folds the case of route keys is not documented.',
      fix: 'Write the key in lower case: {lower}.',
    },
    'route-key-other-domain': {
      severity: 'error',
      meaning: 'A full-hostname route key is not under the tunnel domain.',
      symptom: 'Route "{route}" ({where}) never receives a request: the proxy logs "no route for host".',
      cause: 'Requests arrive for <route>.{domain}{fromKey}; the full-hostname key "{hostname}" is not under it.',
      fix: 'Use the bare label (e.g. {label}) or the full hostname {label}.{domain}, then restart the proxy: {restart}.',
    },
    'bare-keys-without-domain': {
      severity: 'error',
      meaning: 'Bare route keys with no tunnel_domain never match.',
      symptom: 'Routes {routes} never match: the proxy logs "no route for host".',
      cause:
        '{tdKey} is {value}, so the proxy compares the whole hostname (<route>.<tunnel-domain>) with each key, and a ' +
        'bare key such as "{example}" is never a whole hostname.',
      fix:
        'Set {tdKey}: {domain}, then restart the proxy: {restart}; or set it to {reference} with TUNNEL_DOMAIN in ' +
        '.env, then {recreate}.',
    },
    'domain-matches': {
      severity: 'info',
      meaning: 'tunnel_domain and the route keys match the domain requests arrive under (info).',
      symptom: '{summary}',
      cause: 'Route keys match <route>.{domain}.',
      fix: 'If the proxy still logs "no route for host", it is running an older config: {restart}.',
    },
  },
  run(facts, report) {
    const fact = facts.proxyConfig;
    if (fact.state !== 'ok') return report.skip(whyUnusable(fact, 'proxy config'));
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(fact.value.data))
      return report.skip('the proxy config is not a map (reported by proxy-config)');
    let problems = false;
    const restart = proxyRestartCommand(facts);
    const recreate = applyChangeCommand(facts, 'environment');
    const tdKey = configKeyName(facts, 'tunnel_domain');
    const tdLoc = locate(fact, 'tunnel_domain');
    const where = describeLocation(tdLoc);
    const assigned = assignedDomain(facts);
    const assignedFrom = facts.assignedDomain?.state === 'ok' ? facts.assignedDomain.path : null;
    const mode = helmMode(facts);
    const raw = model.tunnelDomainRaw;
    const configured = model.tunnelDomain;
    const vars = raw ? referencedVariables(raw) : [];
    const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
    const [unset] = model.tunnelDomainUnset;

    if (raw && unset !== undefined) {
      const names = model.tunnelDomainUnset.join(', ');
      const env = facts.dotenv;
      const envProblem =
        env && env.state !== 'ok'
          ? `${env.path} ${env.state === 'missing' ? 'does not exist' : env.problem}`
          : !env && facts.compose
            ? 'there is no .env beside the Compose file'
            : null;
      const token = facts.token?.state === 'ok' ? facts.token.value : null;
      // One missing, empty or unreadable .env leaves both variables unset; tunnel-token reports it first.
      if (token?.placeholder && (token.placeholderKind === 'variable' || token.placeholderKind === 'unset')) {
        const because = envProblem ? `, because ${envProblem}` : '';
        return report.skip(
          `${names} is not set either, like TUNNEL_TOKEN${because} (reported by tunnel-token); ` +
            `put ${unset}=${assigned ?? FROM_DETAIL_PAGE} in .env beside the token`,
        );
      }
      const data = {
        tdKey,
        expandsTo: configured ? `"${configured}"` : 'nothing',
        raw: JSON.stringify(raw),
        where,
        names,
        envFile: facts.dotenv?.state === 'ok' ? facts.dotenv.path : envProblem ? `.env (${envProblem})` : '.env',
        serviceEnv: service ? `, the ${service.name} service's environment` : '',
        variable: unset,
        value: assigned ?? FROM_DETAIL_PAGE,
        passIt: service
          ? ` and pass it to the proxy (environment: - ${unset}=\${${unset}} in the ${service.name} service)`
          : '',
        apply: service ? recreate : restart,
      };
      report('variable-unset', data, tdLoc, { evidence: { tunnel_domain: raw, unset: model.tunnelDomainUnset } });
      problems = true;
    } else if (raw && service && vars.length > 0 && service.spec.env_file === undefined) {
      const env = serviceEnvironment(service);
      const missing = vars.filter((v) => !(v in env));
      const [first] = missing;
      if (first !== undefined) {
        const data = {
          tdKey,
          raw: JSON.stringify(raw),
          service: service.name,
          variables: missing.join(', '),
          interpolation: '${VAR}',
          variable: first,
          reference: `\${${first}}`,
          recreate,
        };
        report('variable-not-passed', data, tdLoc, { evidence: { variables: missing, service: service.name } });
        problems = true;
      }
    }

    // The domain requests arrive under, and the one the proxy strips from them.
    const sent = assigned ?? configured;
    const stripped = configured ?? (mode === 'managed' ? assigned : null);
    const [variable] = vars;
    if (configured && assigned && configured !== assigned) {
      const fix =
        variable !== undefined
          ? MISMATCH_FIX.variable(variable, assigned, variableSource(facts, variable), recreate)
          : MISMATCH_FIX.literal(tdKey, assigned, restart);
      report('domain-mismatch', { tdKey, configured, where, assigned, assignedFrom, fix }, tdLoc, {
        evidence: { configured, assigned, assignedFrom },
      });
      problems = true;
    } else if (
      configured &&
      (facts.assignedDomain?.state === 'invalid' || facts.assignedDomain?.state === 'unreadable')
    ) {
      // The proxy never reads this file, so nothing breaks; but the comparison it exists for cannot be made.
      const bad = facts.assignedDomain;
      report(
        'assigned-domain-unreadable',
        { tdKey, configured, file: bad.path, problem: bad.problem },
        { file: bad.path },
        {
          evidence: { file: bad.path, problem: bad.problem, configured },
        },
      );
      problems = true;
    } else if (configured && !assigned) {
      report.notChecked(
        `${tdKey} "${configured}" against the tunnel's assigned domain, which is unknown (pass --tunnel-domain ${FROM_DETAIL_PAGE})`,
      );
      report('assigned-unknown', { tdKey, configured }, null, { evidence: { configured } });
    } else if (!raw && mode === 'external') {
      // The values file is what lacks it, and helm-values says so: one defect, one failing check.
      if (proxyConfigFromHelm(facts))
        return report.skip(`${tdKey} is not set, which external mode requires (reported by helm-values)`);
      report('tunnel-domain-missing', { tdKey, domain: assigned ?? FROM_DETAIL_PAGE, restart }, locate(fact, ''));
      problems = true;
    }

    const bare: string[] = [];
    for (const r of model.routes) {
      const k = normalizeDomain(r.key);
      const l = locate(fact, `routes.${r.key}`);
      const at = describeLocation(l);
      if (!/^[a-z0-9.-]+$/.test(k) || k.startsWith('.') || k.includes('..')) {
        report('route-key-invalid', { route: r.key, where: at, label: labelFor(k), restart }, l, {
          evidence: { route: r.key },
        });
        problems = true;
        continue;
      }
      if (r.key !== r.key.toLowerCase()) {
        report('route-key-case', { route: r.key, where: at, lower: k }, l, { evidence: { route: r.key } });
        problems = true;
      }
      if (!k.includes('.')) {
        bare.push(r.key);
        continue;
      }
      if (sent && !k.endsWith(`.${sent}`)) {
        const data = {
          route: r.key,
          where: at,
          domain: sent,
          fromKey: assigned ? '' : ` (${tdKey})`,
          hostname: k,
          label: k.split('.')[0] ?? k,
          restart,
        };
        report('route-key-other-domain', data, l, { evidence: { route: r.key, domain: sent } });
        problems = true;
      }
    }
    const fullKeys = model.routes.filter((r) => normalizeDomain(r.key).includes('.')).map((r) => r.key);
    if (!sent && fullKeys.length > 0)
      report.notChecked(`whether route keys ${fullKeys.join(', ')} are under the tunnel's domain, which is unknown`);
    const [firstBare] = bare;
    if (firstBare !== undefined && !stripped && mode === null && !(raw && unset !== undefined)) {
      const data = {
        routes: bare.map((b) => `"${b}"`).join(', '),
        tdKey,
        value: raw ? `${JSON.stringify(raw)}, which expands to an empty string` : 'not set',
        example: firstBare,
        domain: assigned ?? FROM_DETAIL_PAGE,
        restart,
        reference: '${TUNNEL_DOMAIN}',
        recreate,
      };
      report('bare-keys-without-domain', data, locate(fact, 'routes'), { evidence: { routes: bare } });
      problems = true;
    }

    if (!problems) {
      const summary = configured
        ? MATCHES.configured(tdKey, configured, assigned !== null)
        : mode === 'managed'
          ? MATCHES.injected(assigned)
          : MATCHES.fullHostnames;
      report('domain-matches', { summary, domain: sent ?? '<tunnel-domain>', restart }, null, {
        evidence: { configured, assigned, stripped },
      });
    }
  },
});
