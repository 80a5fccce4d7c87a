// tunnel-domain: tunnel_domain (after ${VAR} expansion) equals the tunnel's assigned domain, and
// every route key can match a hostname the platform sends (<route>.<assigned domain>).
// Helm: in managed mode (no external.* secrets) the chart passes -tunnel-domain itself, so an
// absent tunnel_domain is fine; in external mode the values must set it.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { findProxyService, isRecord, serviceEnvironment } from '../../src/model/compose.js';
import { applyChangeCommand, assignedDomain, configKeyName, describeLocation, locate, proxyConfigFromHelm, proxyConfigModel, proxyRestartCommand, whyUnusable } from '../../src/model/deployment-view.js';
import { referencedVariables } from '../../src/model/interpolate.js';
import { normalizeDomain } from '../../src/model/proxy-config.js';

const ID = 'tunnel-domain';

function helmMode(facts: Readonly<Facts>): 'managed' | 'external' | null {
  if (!proxyConfigFromHelm(facts) && facts.deployment.layout !== 'helm') return null;
  const data = facts.helmValues?.state === 'ok' ? facts.helmValues.value.data : null;
  const external = isRecord(data) && isRecord(data.external) ? data.external : {};
  return Object.values(external).some((v) => typeof v === 'string' && v.trim() !== '') ? 'external' : 'managed';
}

/** Where a variable's value comes from, as the proxy sees it. */
function variableSource(facts: Readonly<Facts>, name: string): string {
  const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
  const env = service ? serviceEnvironment(service) : {};
  if (service && typeof env[name] === 'string' && !env[name]!.includes('$')) return `the ${service.name} service's environment in ${facts.compose!.path}`;
  if (facts.processEnv[name] !== undefined) return 'your shell environment';
  if (facts.dotenv?.state === 'ok' && facts.dotenv.value[name] !== undefined) return facts.dotenv.path;
  return 'the environment';
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'static',
  run(facts) {
    const fact = facts.proxyConfig;
    if (fact?.state !== 'ok') return skip(whyUnusable(fact, 'proxy config'));
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(fact.value.data)) return skip('the proxy config is not a map (reported by proxy-config)');
    const out: Finding[] = [];
    const notChecked: string[] = [];
    const restart = proxyRestartCommand(facts);
    const recreate = applyChangeCommand(facts, 'environment');
    const tdKey = configKeyName(facts, 'tunnel_domain');
    const tdLoc = locate(fact, 'tunnel_domain');
    const assigned = assignedDomain(facts);
    const assignedFrom = facts.assignedDomain?.state === 'ok' ? facts.assignedDomain.path : null;
    const mode = helmMode(facts);
    const raw = model.tunnelDomainRaw;
    const configured = model.tunnelDomain;
    const vars = raw ? referencedVariables(raw) : [];
    const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;

    if (raw && model.tunnelDomainUnset.length > 0) {
      const names = model.tunnelDomainUnset.join(', ');
      const env = facts.dotenv;
      const envProblem = env && env.state !== 'ok' ? `${env.path} ${env.state === 'missing' ? 'does not exist' : env.problem}` : !env && facts.compose ? 'there is no .env beside the Compose file' : null;
      const token = facts.token?.state === 'ok' ? facts.token.value : null;
      // One missing, empty or unreadable .env leaves both variables unset; tunnel-token reports it first.
      if (token?.placeholder && (token.placeholderKind === 'variable' || token.placeholderKind === 'unset')) {
        return skip(`${names} is not set either, like TUNNEL_TOKEN${envProblem ? `, because ${envProblem}` : ''} (reported by tunnel-token); put ${model.tunnelDomainUnset[0]}=${assigned ?? '<the domain on the tunnel detail page>'} in .env beside the token`);
      }
      out.push(finding(ID, {
        messageId: 'variable-unset', location: tdLoc, evidence: { tunnel_domain: raw, unset: model.tunnelDomainUnset },
        symptom: `Every request gets "no route for host": ${tdKey} expands to ${configured ? `"${configured}"` : 'nothing'}.`,
        cause: `${tdKey} is ${JSON.stringify(raw)} (${describeLocation(tdLoc)}), but ${names} is not set: not in ${facts.dotenv?.state === 'ok' ? facts.dotenv.path : envProblem ? `.env (${envProblem})` : '.env'}${service ? `, the ${service.name} service's environment` : ''} or the environment.`,
        fix: `Add ${model.tunnelDomainUnset[0]}=${assigned ?? '<the domain on the tunnel detail page>'} to .env${service ? ` and pass it to the proxy (environment: - ${model.tunnelDomainUnset[0]}=\${${model.tunnelDomainUnset[0]}} in the ${service.name} service)` : ''}, then ${service ? recreate : restart}.`,
      }));
    } else if (raw && service && vars.length > 0 && service.spec.env_file === undefined) {
      const env = serviceEnvironment(service);
      const missing = vars.filter((v) => !(v in env));
      if (missing.length > 0) {
        out.push(finding(ID, {
          messageId: 'variable-not-passed', severity: 'warn', location: tdLoc, evidence: { variables: missing, service: service.name },
          symptom: `The proxy may see an empty ${tdKey} and answer "no route for host".`,
          cause: `${tdKey} is ${JSON.stringify(raw)}, but the ${service.name} service does not pass ${missing.join(', ')} into its container (no environment: entry, no env_file); .env only feeds Compose's own \${VAR} expansion.`,
          fix: `Add to the ${service.name} service: environment: [ "${missing[0]}=\${${missing[0]}}" ], then ${recreate}.`,
        }));
      }
    }

    // The domain requests arrive under, and the one the proxy strips from them.
    const sent = assigned ?? configured;
    const stripped = configured ?? (mode === 'managed' ? assigned : null);
    if (configured && assigned && configured !== assigned) {
      out.push(finding(ID, {
        messageId: 'domain-mismatch', location: tdLoc, evidence: { configured, assigned, assignedFrom },
        symptom: 'The proxy logs "no route for host" and callers get "502 No route configured for host".',
        cause: `${tdKey} is "${configured}" (${describeLocation(tdLoc)}), but the tunnel's assigned domain is "${assigned}" (from ${assignedFrom}); requests for <route>.${assigned} never match.`,
        fix: vars.length > 0
          ? `Set ${vars[0]}=${assigned} in ${variableSource(facts, vars[0])}, then ${recreate}.`
          : `Set ${tdKey}: ${assigned}, then restart the proxy: ${restart} (the config is not hot-reloaded; an edit without a restart keeps the old domain).`,
      }));
    } else if (configured && (facts.assignedDomain?.state === 'invalid' || facts.assignedDomain?.state === 'unreadable')) {
      // The proxy never reads this file, so nothing breaks; but the comparison it exists for cannot be made.
      const bad = facts.assignedDomain;
      out.push(finding(ID, {
        messageId: 'assigned-domain-unreadable', severity: 'warn', location: { file: bad.path }, evidence: { file: bad.path, problem: bad.problem, configured },
        symptom: `${tdKey} "${configured}" could not be compared with the tunnel's assigned domain.`,
        cause: `${bad.path} (written by the setup job) ${bad.problem}.`,
        fix: `Write the domain shown on the tunnel detail page into it (echo <domain> > ${bad.path}), or run again with --tunnel-domain <domain>.`,
      }));
    } else if (configured && !assigned) {
      notChecked.push(`${tdKey} "${configured}" against the tunnel's assigned domain, which is unknown (pass --tunnel-domain <the domain on the tunnel detail page>)`);
      out.push(finding(ID, {
        messageId: 'assigned-unknown', severity: 'info', evidence: { configured },
        symptom: `${tdKey} is "${configured}"; the tunnel's assigned domain is not known to the doctor.`,
        cause: 'Neither --tunnel-domain nor data/tunnel-domain was given, so tunnel_domain could not be compared with the domain on the tunnel detail page.',
        fix: 'Run again with --tunnel-domain <the domain on the tunnel detail page>.',
      }));
    } else if (!raw && mode === 'external') {
      // The values file is what lacks it, and helm-values says so: one defect, one failing check.
      if (proxyConfigFromHelm(facts)) return skip(`${tdKey} is not set, which external mode requires (reported by helm-values)`);
      out.push(finding(ID, {
        messageId: 'tunnel-domain-missing', location: locate(fact, ''),
        symptom: 'The proxy answers "no route for host" for every route.',
        cause: `The chart runs in external mode (external.* secrets are set), where it cannot inject the domain: ${tdKey} must be set and is not.`,
        fix: `Set ${tdKey}: ${assigned ?? '<the domain on the tunnel detail page>'}, then ${restart}.`,
      }));
    }

    const bare: string[] = [];
    for (const r of model.routes) {
      const k = normalizeDomain(r.key);
      const l = locate(fact, `routes.${r.key}`);
      if (!/^[a-z0-9.-]+$/.test(k) || k.startsWith('.') || k.includes('..')) {
        out.push(finding(ID, {
          messageId: 'route-key-invalid', location: l, evidence: { route: r.key },
          symptom: `Route "${r.key}" (${describeLocation(l)}) never receives a request.`,
          cause: `The route key "${r.key}" is not a hostname or a DNS label (only letters, digits, "-" and "."; no scheme, port, path, "_" or "*"), so no Host header can equal it.`,
          fix: `Rename it to the label callers use (e.g. ${k.replace(/^[a-z]+:\/\//, '').replace(/[:/].*$/, '').replace(/[^a-z0-9.-]/g, '-') || 'mcp'}), then restart the proxy: ${restart}.`,
        }));
        continue;
      }
      if (r.key !== r.key.toLowerCase()) {
        out.push(finding(ID, {
          messageId: 'route-key-case', severity: 'warn', location: l, evidence: { route: r.key },
          symptom: `Route "${r.key}" (${describeLocation(l)}) may never match.`,
          cause: 'Hostnames arrive in lower case; whether the proxy folds the case of route keys is not documented.',
          fix: `Write the key in lower case: ${k}.`,
        }));
      }
      if (!k.includes('.')) {
        bare.push(r.key);
        continue;
      }
      if (sent && !k.endsWith(`.${sent}`)) {
        out.push(finding(ID, {
          messageId: 'route-key-other-domain', location: l, evidence: { route: r.key, domain: sent },
          symptom: `Route "${r.key}" (${describeLocation(l)}) never receives a request: the proxy logs "no route for host".`,
          cause: `Requests arrive for <route>.${sent}${assigned ? '' : ` (${tdKey})`}; the full-hostname key "${k}" is not under it.`,
          fix: `Use the bare label (e.g. ${k.split('.')[0]}) or the full hostname ${k.split('.')[0]}.${sent}, then restart the proxy: ${restart}.`,
        }));
      }
    }
    const fullKeys = model.routes.filter((r) => normalizeDomain(r.key).includes('.')).map((r) => r.key);
    if (!sent && fullKeys.length > 0) notChecked.push(`whether route keys ${fullKeys.join(', ')} are under the tunnel's domain, which is unknown`);
    if (bare.length > 0 && !stripped && mode === null && !(raw && model.tunnelDomainUnset.length > 0)) {
      out.push(finding(ID, {
        messageId: 'bare-keys-without-domain', location: locate(fact, 'routes'), evidence: { routes: bare },
        symptom: `Routes ${bare.map((b) => `"${b}"`).join(', ')} never match: the proxy logs "no route for host".`,
        cause: `${tdKey} is ${raw ? `${JSON.stringify(raw)}, which expands to an empty string` : 'not set'}, so the proxy compares the whole hostname (<route>.<tunnel-domain>) with each key, and a bare key such as "${bare[0]}" is never a whole hostname.`,
        fix: `Set ${tdKey}: ${assigned ?? '<the domain on the tunnel detail page>'}, then restart the proxy: ${restart}; or set it to \${TUNNEL_DOMAIN} with TUNNEL_DOMAIN in .env, then ${recreate}.`,
      }));
    }

    if (!out.some((f) => f.severity !== 'info')) {
      out.push(finding(ID, {
        messageId: 'domain-matches', severity: 'info', evidence: { configured, assigned, stripped },
        symptom: configured
          ? `${tdKey} is "${configured}"${assigned ? ', the assigned domain' : ''}.`
          : mode === 'managed' ? `The chart passes -tunnel-domain ${assigned ?? '(the tunnel\'s domain)'} to the proxy.` : 'Every route key is a full hostname.',
        cause: `Route keys match <route>.${sent ?? '<tunnel-domain>'}.`,
        fix: `If the proxy still logs "no route for host", it is running an older config: ${restart}.`,
      }));
    }
    return judge(out, notChecked);
  },
};
