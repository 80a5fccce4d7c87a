// helm-values: the values the setup Job and the gateway read are complete and consistent: the
// tunnel ID under the key of the chart generation, the IDs with their prefixes, the audience
// byte for byte equal to the federation rule's, tunnel_domain in external mode.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts, Location, YamlDocumentFacts } from '../../src/core/facts.js';
import type { Finding, Severity } from '../../src/core/types.js';
import { isRecord } from '../../src/model/compose.js';
import { whyUnusable } from '../../src/model/deployment-view.js';
import { DEFAULT_AUDIENCE, HELM_SETUP_SUBJECT, nearMiss, readFederationRule, subjectMatches } from '../../src/model/federation-rule.js';

const ID = 'helm-values';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB_FAILS = 'The mcp-tunnel-setup pre-install Job fails and is left behind (kubectl logs job/mcp-tunnel-setup -n mcp-tunnel).';
const RETRY = 'then: helm uninstall mcp-tunnel -n mcp-tunnel; kubectl -n mcp-tunnel delete job mcp-tunnel-setup; and install again.';

type Values = YamlDocumentFacts & { files: string[]; positionFiles: Record<string, string> };

function get(data: unknown, key: string): unknown {
  let cur = data;
  for (const k of key.split('.')) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** The file and line that set a key, or the nearest parent that is set, or the last values file. */
function locator(path: string, v: Values) {
  return (key: string): Location => {
    for (let k = key; k !== ''; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
      const pos = v.positions[k];
      if (pos) return { file: v.positionFiles[k] ?? path, line: pos.line, column: pos.column };
    }
    return { file: path };
  };
}

/** serverCert.renewBefore in days: Go durations ("720h"), "30d", or a bare number of days. */
function renewDays(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const d = /^(\d+(?:\.\d+)?)d$/.exec(v.trim());
  if (d) return Number(d[1]);
  const units: Record<string, number> = { h: 1 / 24, m: 1 / 1440, s: 1 / 86400 };
  const parts = [...v.trim().matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v.trim()) return /^\d+$/.test(v.trim()) ? Number(v) : null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'setup',
  kind: 'static',
  run(facts: Readonly<Facts>) {
    const hv = facts.helmValues;
    if (!hv) return skip(facts.deployment.layout === 'helm' ? 'no Helm values were found' : 'not a Helm deployment (no values.yaml; give --values to check Helm values)');
    if (hv.state === 'invalid') {
      return judge([finding(ID, { messageId: 'values-invalid', cause: `${hv.path} ${hv.problem}.`, fix: `Fix ${hv.path} at the place shown (helm template mcp-tunnel <chart> -f ${hv.path} shows the same error).`, symptom: 'helm install or upgrade refuses the values file.', location: hv.location ?? { file: hv.path } })]);
    }
    if (hv.state === 'unreadable' && !hv.explicit && /directory|too large/.test(hv.problem)) {
      // Found in the directory but not readable as a file: a directory breaks helm -f; a file over
      // the doctor's size bound may be fine for helm, but then nothing in it was checked.
      const tooLarge = /too large/.test(hv.problem);
      return judge([finding(ID, {
        messageId: 'values-unreadable', severity: tooLarge ? 'warn' : 'error', location: { file: hv.path },
        symptom: tooLarge ? 'The values were not checked.' : 'helm install or upgrade cannot read the values file.',
        cause: `${hv.path} ${hv.problem}.`,
        fix: tooLarge ? `Keep only the chart's settings in ${hv.path} (a values file is a few kB), or give the parts with --values.` : `Make ${hv.path} a readable YAML file of the chart's values.`,
      })]);
    }
    if (hv.state !== 'ok') return skip(whyUnusable(hv, 'the Helm values file'));
    const v = hv.value;
    const at = locator(hv.path, v);
    const val = (key: string) => get(v.data, key);
    const out: Finding[] = [];
    const f = (messageId: string, key: string, cause: string, fix: string, severity: Severity = 'error', evidence: Record<string, unknown> = {}, symptom = JOB_FAILS) =>
      out.push(finding(ID, { messageId, severity, symptom, cause, fix, location: at(key), evidence: { key, ...evidence } }));

    const external = present(val('external.tunnelTokenSecretName')) || present(val('external.serverCertSecretName'));
    const setupOn = val('setup.enabled') !== false && !external;
    const claudeAi = present(val('api.token'));

    // The tunnel ID: 1.x reads api.wif.tunnelId, 2.x reads tunnel.id.
    const id1 = val('api.wif.tunnelId');
    const id2 = val('tunnel.id');
    if (present(id1) && present(id2) && id1 !== id2) {
      f('tunnel-id-conflict', 'tunnel.id', `Two different tunnel IDs are set: api.wif.tunnelId = ${show(id1)} (read by chart 1.x) and tunnel.id = ${show(id2)} (read by chart 2.x). The chart uses one of them and silently ignores the other.`, 'Keep only the key your chart version reads (helm show chart <chart> prints the version): tunnel.id for 2.x, api.wif.tunnelId for 1.x; ' + RETRY, 'error', { 'api.wif.tunnelId': id1, 'tunnel.id': id2 });
    } else if (!present(id1) && !present(id2) && setupOn) {
      f('tunnel-id-unset', 'tunnel', 'No tunnel ID is set (neither tunnel.id for chart 2.x nor api.wif.tunnelId for 1.x), so the setup Job creates a new tunnel on every fresh install; failed attempts also count toward the limit of 10 non-archived tunnels.', 'After the first successful install, pin the tunnel: --set tunnel.id=<tunnel ID> (chart 2.x) or --set api.wif.tunnelId=<tunnel ID> (chart 1.x).', 'warn', {}, 'Each install creates another tunnel, until setup fails with "Organization already has the maximum of 10 non-archived Tunnels".');
    } else if (present(id1) !== present(id2)) {
      const [set, other, gen] = present(id1) ? ['api.wif.tunnelId', 'tunnel.id', '1.x'] : ['tunnel.id', 'api.wif.tunnelId', '2.x'];
      f('tunnel-id-generation', set, `The tunnel ID is set at ${set}, which only chart ${gen} reads; the other generation reads ${other} and would create a new tunnel instead.`, `If your chart is not ${gen} (helm show chart <chart>), move the ID to ${other}.`, 'info', {}, 'None when the chart generation matches.');
    }

    // The IDs the token exchange needs, unless the claude.ai flow (api.token) is used.
    if (setupOn && !claudeAi) {
      const ids: [string, string, string, (s: string) => boolean, string][] = [
        ['federation-rule-id', 'api.wif.federationRuleId', 'a federation rule ID (fdrl_...)', (s) => /^fdrl_[A-Za-z0-9]+$/.test(s), 'fdrl_'],
        ['organization-id', 'api.wif.organizationId', 'an organization ID (a UUID)', (s) => UUID.test(s), ''],
        ['workspace-id', 'api.wif.workspaceId', 'a workspace ID (wrkspc_...)', (s) => /^wrkspc_[A-Za-z0-9]+$/.test(s), 'wrkspc_'],
      ];
      for (const [name, key, what, ok, prefix] of ids) {
        const x = val(key);
        if (!present(x)) {
          f(`${name}-missing`, key, `${key} is not set; the setup Job needs ${what} for the token exchange.`, `Set it: --set ${key}=<${prefix || 'uuid'}...> (from the Console), or use api.token for the claude.ai flow; ${RETRY}`);
        } else if (typeof x !== 'string' || !ok(x)) {
          const kinds: Record<string, string> = { fdrl: 'a federation rule ID', wrkspc: 'a workspace ID' };
          const kind = typeof x === 'string' ? (UUID.test(x) ? 'the organization ID' : kinds[x.split('_')[0]]) : undefined;
          const hint = kind && !what.startsWith(kind.replace(/^the /, 'an ')) ? ` It looks like ${kind}.` : '';
          f(`${name}-format`, key, `${key} is ${show(x)}, which is not ${what}.${hint}`, `Set ${key} to ${what} from the Console; ${RETRY}`, 'error', { value: x });
        }
      }
    }

    // The audience the Job requests its token with, against the rule's.
    const audRaw = val('api.wif.audience');
    const audience = typeof audRaw === 'string' ? audRaw : DEFAULT_AUDIENCE;
    const audSrc = present(audRaw) ? `api.wif.audience is "${audience}"` : `api.wif.audience is not set, so the chart default "${DEFAULT_AUDIENCE}" (no scheme) applies`;
    const rule = facts.federationRule?.state === 'ok' ? readFederationRule(facts.federationRule.value.data) : null;
    const ruleFile = facts.federationRule?.path ?? 'the federation rule';
    if (setupOn && !claudeAi && rule && typeof rule.audience === 'string') {
      if (rule.audience !== audience) {
        const why = nearMiss(audience, rule.audience);
        f('audience-mismatch', 'api.wif.audience', `${audSrc}, but the federation rule (${ruleFile}) expects the audience "${rule.audience}"${why ? `: ${why}` : ''}. The Job's token carries the chart's audience, so the exchange fails with 401 authentication_error "Authentication failed" (older API: 400 invalid_grant).`, `Set --set api.wif.audience=${rule.audience} (or change the rule's match.audience to "${audience}"); ${RETRY}`, 'error', { values: audience, rule: rule.audience });
      }
      if (typeof rule.subjectPrefix === 'string' && !subjectMatches(HELM_SETUP_SUBJECT, rule.subjectPrefix)) {
        f('subject-unmatched', 'api.wif', `The rule's match.subject_prefix is "${rule.subjectPrefix}", which does not match the subject of the chart's setup Job in the default namespace, "${HELM_SETUP_SUBJECT}".`, `Set the rule's subject_prefix to "${HELM_SETUP_SUBJECT}" (or "system:serviceaccount:<namespace>:*" if you install elsewhere).`, 'warn', { subjectPrefix: rule.subjectPrefix, jobSubject: HELM_SETUP_SUBJECT });
      }
      const ws = val('api.wif.workspaceId');
      if (rule.workspaceId && !rule.appliesToAllWorkspaces && typeof ws === 'string' && /^wrkspc_[A-Za-z0-9]+$/.test(ws) && ws !== rule.workspaceId) {
        f('workspace-mismatch', 'api.wif.workspaceId', `api.wif.workspaceId is "${ws}", but the federation rule is limited to workspace "${rule.workspaceId}".`, `Use --set api.wif.workspaceId=${rule.workspaceId}, or make a rule for ${ws}; ${RETRY}`, 'error', { values: ws, rule: rule.workspaceId });
      }
      const fr = val('api.wif.federationRuleId');
      if (rule.id && typeof fr === 'string' && fr !== rule.id) {
        f('federation-rule-id-mismatch', 'api.wif.federationRuleId', `api.wif.federationRuleId is "${fr}", but the rule given with --federation-rule is "${rule.id}": the Job uses another rule than the one checked.`, `Set --set api.wif.federationRuleId=${rule.id}, or check the rule ${fr}.`, 'warn', { values: fr, rule: rule.id }, 'The checks against the rule may not describe what the Job does.');
      }
    } else if (setupOn && !claudeAi) {
      const odd = /^https?:\/\//i.test(audience) || audience.endsWith('/');
      f('audience-unverified', 'api.wif.audience', `${audSrc}. It must equal the federation rule's match.audience byte for byte; the Console suggests "https://api.anthropic.com" (with the scheme), the chart defaults to "${DEFAULT_AUDIENCE}" (without).${odd ? ' A scheme or a trailing "/" is fine only if the rule has exactly the same.' : ''}`, 'Run mcp-tunnel doctor --values <values.yaml> --federation-rule <rule.json> (the rule as the API returns it) to compare them.', 'info', { audience }, 'None if the rule has the same audience.');
    }

    // External mode: the gateway is not told the domain by setup.
    if (external && !present(val('gateway.config.tunnel_domain'))) {
      f('external-tunnel-domain-missing', 'gateway.config', 'External mode is on (external.tunnelTokenSecretName or external.serverCertSecretName is set), so no setup Job injects the tunnel domain, and gateway.config.tunnel_domain is not set.', 'Set --set gateway.config.tunnel_domain=<the domain on the tunnel detail page>.', 'error', {}, 'The gateway answers every request with "no route for host" (callers get 502 No route configured for host).');
    }

    const rb = val('serverCert.renewBefore');
    if (present(rb)) {
      const days = renewDays(rb);
      if (days === null) f('renew-before-unparsed', 'serverCert.renewBefore', `serverCert.renewBefore is ${show(rb)}, which the doctor cannot read as a duration.`, 'Use a duration such as "720h" (30 days, the default).', 'info', { value: rb }, 'None, if the chart reads it.');
      else if (days >= 90 || days < 1) {
        f('renew-before-range', 'serverCert.renewBefore', `serverCert.renewBefore is ${show(rb)} (${Math.round(days * 10) / 10} days). The server certificate lives 90 days, so ${days >= 90 ? 'it is renewed on every scheduled run' : 'a failed renewal leaves almost no time before it expires'}.`, 'Use the default of 30 days ("720h").', 'warn', { value: rb, days }, days >= 90 ? 'The certificate is reissued on every run of the renewal job.' : 'The proxy may serve an expired certificate ("tls handshake failed ... bad certificate").');
      }
    }
    const audienceUnverified = out.some((x) => x.messageId === 'audience-unverified');
    return judge(out, audienceUnverified ? ['api.wif.audience against the federation rule\'s audience (no --federation-rule given)'] : []);
  },
};
