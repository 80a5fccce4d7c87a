// helm-values: the values the setup Job and the gateway read are complete and consistent: the
// tunnel ID under the key of the chart generation, the IDs with their prefixes, the audience
// byte for byte equal to the federation rule's, tunnel_domain in external mode.

import { defineCheck } from '../../src/core/check.js';
import type { Location, YamlDocumentFacts } from '../../src/core/facts.js';
import { isRecord } from '../../src/model/compose.js';
import { whyUnusable } from '../../src/model/deployment-view.js';
import {
  DEFAULT_AUDIENCE,
  HELM_SETUP_SUBJECT,
  nearMiss,
  readFederationRule,
  subjectMatches,
} from '../../src/model/federation-rule.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB_FAILS =
  'The mcp-tunnel-setup pre-install Job fails and is left behind (kubectl logs job/mcp-tunnel-setup -n mcp-tunnel).';
const RETRY =
  'then: helm uninstall mcp-tunnel -n mcp-tunnel; kubectl -n mcp-tunnel delete job mcp-tunnel-setup; and install again.';
const EXTERNAL_ODD_AUDIENCE = ' A scheme or a trailing "/" is fine only if the rule has exactly the same.';
const RENEWED_EVERY_RUN = 'The certificate is reissued on every run of the renewal job.';
const MAY_EXPIRE = 'The proxy may serve an expired certificate ("tls handshake failed ... bad certificate").';
/** A values file found in the directory that helm -f cannot use, or that the doctor would not read whole. */
const tooLargeFix = (path: string) =>
  `Keep only the chart's settings in ${path} (a values file is a few kB), or give the parts with --values.`;
const notAFileFix = (path: string) => `Make ${path} a readable YAML file of the chart's values.`;

/** The IDs the token exchange needs, with the messages for one that is missing or malformed. */
const EXCHANGE_IDS = [
  {
    key: 'api.wif.federationRuleId',
    missing: 'federation-rule-id-missing',
    format: 'federation-rule-id-format',
    what: 'a federation rule ID (fdrl_...)',
    example: 'fdrl_',
    valid: (s: string) => /^fdrl_[A-Za-z0-9]+$/.test(s),
  },
  {
    key: 'api.wif.organizationId',
    missing: 'organization-id-missing',
    format: 'organization-id-format',
    what: 'an organization ID (a UUID)',
    example: 'uuid',
    valid: (s: string) => UUID.test(s),
  },
  {
    key: 'api.wif.workspaceId',
    missing: 'workspace-id-missing',
    format: 'workspace-id-format',
    what: 'a workspace ID (wrkspc_...)',
    example: 'wrkspc_',
    valid: (s: string) => /^wrkspc_[A-Za-z0-9]+$/.test(s),
  },
] as const;

/** What a malformed ID looks like instead, when it is another kind of ID. */
function looksLike(value: unknown, what: string): string {
  const kinds: Record<string, string> = { fdrl: 'a federation rule ID', wrkspc: 'a workspace ID' };
  const kind =
    typeof value === 'string'
      ? UUID.test(value)
        ? 'the organization ID'
        : kinds[value.split('_')[0] ?? '']
      : undefined;
  return kind && !what.startsWith(kind.replace(/^the /, 'an ')) ? ` It looks like ${kind}.` : '';
}

const ID_MISSING = {
  severity: 'error',
  cause: '{key} is not set; the setup Job needs {what} for the token exchange.',
  fix: `Set it: --set {key}=<{example}...> (from the Console), or use api.token for the claude.ai flow; ${RETRY}`,
} as const;
const ID_FORMAT = {
  severity: 'error',
  cause: '{key} is {value}, which is not {what}.{hint}',
  fix: `Set {key} to {what} from the Console; ${RETRY}`,
} as const;

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
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v.trim())
    return /^\d+$/.test(v.trim()) ? Number(v) : null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ''] ?? 0), 0);
}

export const check = defineCheck({
  id: 'helm-values',
  requires: ['helmValues'],
  uses: ['federationRule'],
  messages: {
    'values-invalid': {
      severity: 'error',
      meaning: 'The values file is not valid YAML.',
      symptom: 'helm install or upgrade refuses the values file.',
      cause: '{path} {problem}.',
      fix: 'Fix {path} at the place shown (helm template mcp-tunnel <chart> -f {path} shows the same error).',
    },
    'values-unreadable': {
      // A warning when the file is only too large for the doctor: helm may read it.
      severity: 'error',
      meaning: 'The values file cannot be read.',
      symptom: '{symptom}',
      cause: '{path} {problem}.',
      fix: '{remedy}',
    },
    'tunnel-id-unset': {
      severity: 'warn',
      meaning: 'No tunnel ID is set.',
      symptom:
        'Each install creates another tunnel, until setup fails with "Organization already has the maximum of 10 non-archived Tunnels".',
      cause:
        'No tunnel ID is set (neither tunnel.id for chart 2.x nor api.wif.tunnelId for 1.x), so the setup Job creates a new tunnel on every fresh install; failed attempts also count toward the limit of 10 non-archived tunnels.',
      fix: 'After the first successful install, pin the tunnel: --set tunnel.id=<tunnel ID> (chart 2.x) or --set api.wif.tunnelId=<tunnel ID> (chart 1.x).',
    },
    'tunnel-id-conflict': {
      severity: 'error',
      meaning: 'Two different tunnel IDs are set for the two chart generations.',
      symptom: JOB_FAILS,
      cause:
        'Two different tunnel IDs are set: api.wif.tunnelId = {id1} (read by chart 1.x) and tunnel.id = {id2} (read by chart 2.x). The chart uses one of them and silently ignores the other.',
      fix: `Keep only the key your chart version reads (helm show chart <chart> prints the version): tunnel.id for 2.x, api.wif.tunnelId for 1.x; ${RETRY}`,
    },
    'tunnel-id-generation': {
      severity: 'info',
      meaning: 'The tunnel ID key belongs to one chart generation only (info).',
      symptom: 'None when the chart generation matches.',
      cause:
        'The tunnel ID is set at {set}, which only chart {generation} reads; the other generation reads {other} and would create a new tunnel instead.',
      fix: 'If your chart is not {generation} (helm show chart <chart>), move the ID to {other}.',
    },
    'federation-rule-id-missing': {
      ...ID_MISSING,
      meaning: 'api.wif.federationRuleId is not set.',
      symptom: JOB_FAILS,
    },
    'federation-rule-id-format': {
      ...ID_FORMAT,
      meaning: 'api.wif.federationRuleId is not fdrl_...',
      symptom: JOB_FAILS,
    },
    'organization-id-missing': { ...ID_MISSING, meaning: 'api.wif.organizationId is not set.', symptom: JOB_FAILS },
    'organization-id-format': { ...ID_FORMAT, meaning: 'api.wif.organizationId is not a UUID.', symptom: JOB_FAILS },
    'workspace-id-missing': { ...ID_MISSING, meaning: 'api.wif.workspaceId is not set.', symptom: JOB_FAILS },
    'workspace-id-format': { ...ID_FORMAT, meaning: 'api.wif.workspaceId is not wrkspc_...', symptom: JOB_FAILS },
    'audience-mismatch': {
      severity: 'error',
      meaning: "api.wif.audience differs from the federation rule's audience.",
      symptom: JOB_FAILS,
      cause:
        '{audienceSource}, but the federation rule ({ruleFile}) expects the audience "{ruleAudience}"{why}. The Job\'s token carries the chart\'s audience, so the exchange fails with 401 authentication_error "Authentication failed" (older API: 400 invalid_grant).',
      fix: `Set --set api.wif.audience={ruleAudience} (or change the rule's match.audience to "{audience}"); ${RETRY}`,
    },
    'audience-unverified': {
      severity: 'info',
      meaning: 'The audience was not compared with a rule (info).',
      symptom: 'None if the rule has the same audience.',
      cause:
        '{audienceSource}. It must equal the federation rule\'s match.audience byte for byte; the Console suggests "https://api.anthropic.com" (with the scheme), the chart defaults to "{defaultAudience}" (without).{odd}',
      fix: 'Run mcp-tunnel doctor --values <values.yaml> --federation-rule <rule.json> (the rule as the API returns it) to compare them.',
    },
    'subject-unmatched': {
      severity: 'warn',
      meaning: "The rule's subject_prefix does not match the setup Job's subject.",
      symptom: JOB_FAILS,
      cause:
        'The rule\'s match.subject_prefix is "{subjectPrefix}", which does not match the subject of the chart\'s setup Job in the default namespace, "{jobSubject}".',
      fix: 'Set the rule\'s subject_prefix to "{jobSubject}" (or "system:serviceaccount:<namespace>:*" if you install elsewhere).',
    },
    'workspace-mismatch': {
      severity: 'error',
      meaning: 'The workspace is not the one the rule is limited to.',
      symptom: JOB_FAILS,
      cause: 'api.wif.workspaceId is "{values}", but the federation rule is limited to workspace "{rule}".',
      fix: `Use --set api.wif.workspaceId={rule}, or make a rule for {values}; ${RETRY}`,
    },
    'federation-rule-id-mismatch': {
      severity: 'warn',
      meaning: 'The values name another rule than the one given.',
      symptom: 'The checks against the rule may not describe what the Job does.',
      cause:
        'api.wif.federationRuleId is "{values}", but the rule given with --federation-rule is "{rule}": the Job uses another rule than the one checked.',
      fix: 'Set --set api.wif.federationRuleId={rule}, or check the rule {values}.',
    },
    'external-tunnel-domain-missing': {
      severity: 'error',
      meaning: 'External mode without gateway.config.tunnel_domain.',
      symptom:
        'The gateway answers every request with "no route for host" (callers get 502 No route configured for host).',
      cause:
        'External mode is on (external.tunnelTokenSecretName or external.serverCertSecretName is set), so no setup Job injects the tunnel domain, and gateway.config.tunnel_domain is not set.',
      fix: 'Set --set gateway.config.tunnel_domain=<the domain on the tunnel detail page>.',
    },
    'renew-before-unparsed': {
      severity: 'info',
      meaning: 'serverCert.renewBefore is not a duration the doctor reads (info).',
      symptom: 'None, if the chart reads it.',
      cause: 'serverCert.renewBefore is {value}, which the doctor cannot read as a duration.',
      fix: 'Use a duration such as "720h" (30 days, the default).',
    },
    'renew-before-range': {
      severity: 'warn',
      meaning: 'serverCert.renewBefore is outside a sensible range.',
      symptom: '{symptom}',
      cause: 'serverCert.renewBefore is {value} ({days} days). The server certificate lives 90 days, so {consequence}.',
      fix: 'Use the default of 30 days ("720h").',
    },
  },
  run(facts, report) {
    const hv = facts.helmValues;
    if (hv.state === 'invalid') {
      report('values-invalid', { path: hv.path, problem: hv.problem }, hv.location ?? { file: hv.path });
      return;
    }
    if (hv.state === 'unreadable' && !hv.explicit && /directory|too large/.test(hv.problem)) {
      // Found in the directory but not readable as a file: a directory breaks helm -f; a file over
      // the doctor's size bound may be fine for helm, but then nothing in it was checked.
      const tooLarge = /too large/.test(hv.problem);
      const data = {
        path: hv.path,
        problem: hv.problem,
        symptom: tooLarge ? 'The values were not checked.' : 'helm install or upgrade cannot read the values file.',
        remedy: tooLarge ? tooLargeFix(hv.path) : notAFileFix(hv.path),
      };
      report('values-unreadable', data, { file: hv.path }, { severity: tooLarge ? 'warn' : 'error' });
      return;
    }
    if (hv.state !== 'ok') return report.skip(whyUnusable(hv, 'the Helm values file'));
    const v = hv.value;
    const at = locator(hv.path, v);
    const val = (key: string) => get(v.data, key);
    const evidence = (key: string, more: Record<string, unknown> = {}) => ({ evidence: { key, ...more } });

    const external = present(val('external.tunnelTokenSecretName')) || present(val('external.serverCertSecretName'));
    const setupOn = val('setup.enabled') !== false && !external;
    const claudeAi = present(val('api.token'));

    // The tunnel ID: 1.x reads api.wif.tunnelId, 2.x reads tunnel.id.
    const id1 = val('api.wif.tunnelId');
    const id2 = val('tunnel.id');
    if (present(id1) && present(id2) && id1 !== id2) {
      const data = { id1: show(id1), id2: show(id2) };
      report(
        'tunnel-id-conflict',
        data,
        at('tunnel.id'),
        evidence('tunnel.id', { 'api.wif.tunnelId': id1, 'tunnel.id': id2 }),
      );
    } else if (!present(id1) && !present(id2) && setupOn) {
      report('tunnel-id-unset', {}, at('tunnel'), evidence('tunnel'));
    } else if (present(id1) !== present(id2)) {
      const [set, other, generation] = present(id1)
        ? ['api.wif.tunnelId', 'tunnel.id', '1.x']
        : ['tunnel.id', 'api.wif.tunnelId', '2.x'];
      report('tunnel-id-generation', { set, other, generation }, at(set), evidence(set));
    }

    // The IDs the token exchange needs, unless the claude.ai flow (api.token) is used.
    if (setupOn && !claudeAi) {
      for (const { key, missing, format, what, example, valid } of EXCHANGE_IDS) {
        const x = val(key);
        if (!present(x)) report(missing, { key, what, example }, at(key), evidence(key));
        else if (typeof x !== 'string' || !valid(x)) {
          report(format, { key, what, value: show(x), hint: looksLike(x, what) }, at(key), evidence(key, { value: x }));
        }
      }
    }

    // The audience the Job requests its token with, against the rule's.
    const audRaw = val('api.wif.audience');
    const audience = typeof audRaw === 'string' ? audRaw : DEFAULT_AUDIENCE;
    const audienceSource = present(audRaw)
      ? `api.wif.audience is "${audience}"`
      : `api.wif.audience is not set, so the chart default "${DEFAULT_AUDIENCE}" (no scheme) applies`;
    const rule = facts.federationRule?.state === 'ok' ? readFederationRule(facts.federationRule.value.data) : null;
    const ruleFile = facts.federationRule?.path ?? 'the federation rule';
    if (setupOn && !claudeAi && rule && typeof rule.audience === 'string') {
      if (rule.audience !== audience) {
        const why = nearMiss(audience, rule.audience);
        const data = { audienceSource, ruleFile, ruleAudience: rule.audience, why: why ? `: ${why}` : '', audience };
        const key = 'api.wif.audience';
        report('audience-mismatch', data, at(key), evidence(key, { values: audience, rule: rule.audience }));
      }
      if (typeof rule.subjectPrefix === 'string' && !subjectMatches(HELM_SETUP_SUBJECT, rule.subjectPrefix)) {
        const data = { subjectPrefix: rule.subjectPrefix, jobSubject: HELM_SETUP_SUBJECT };
        report('subject-unmatched', data, at('api.wif'), evidence('api.wif', data));
      }
      const ws = val('api.wif.workspaceId');
      const limited = rule.workspaceId && !rule.appliesToAllWorkspaces;
      if (limited && typeof ws === 'string' && /^wrkspc_[A-Za-z0-9]+$/.test(ws) && ws !== rule.workspaceId) {
        const data = { values: ws, rule: rule.workspaceId };
        report('workspace-mismatch', data, at('api.wif.workspaceId'), evidence('api.wif.workspaceId', data));
      }
      const fr = val('api.wif.federationRuleId');
      if (rule.id && typeof fr === 'string' && fr !== rule.id) {
        const data = { values: fr, rule: rule.id };
        report(
          'federation-rule-id-mismatch',
          data,
          at('api.wif.federationRuleId'),
          evidence('api.wif.federationRuleId', data),
        );
      }
    } else if (setupOn && !claudeAi) {
      const odd = /^https?:\/\//i.test(audience) || audience.endsWith('/') ? EXTERNAL_ODD_AUDIENCE : '';
      const data = { audienceSource, defaultAudience: DEFAULT_AUDIENCE, odd };
      report('audience-unverified', data, at('api.wif.audience'), evidence('api.wif.audience', { audience }));
      report.notChecked("api.wif.audience against the federation rule's audience (no --federation-rule given)");
    }

    // External mode: the gateway is not told the domain by setup.
    if (external && !present(val('gateway.config.tunnel_domain'))) {
      report('external-tunnel-domain-missing', {}, at('gateway.config'), evidence('gateway.config'));
    }

    const rb = val('serverCert.renewBefore');
    if (present(rb)) {
      const days = renewDays(rb);
      const key = 'serverCert.renewBefore';
      if (days === null) report('renew-before-unparsed', { value: show(rb) }, at(key), evidence(key, { value: rb }));
      else if (days >= 90 || days < 1) {
        const everyRun = days >= 90;
        const data = {
          value: show(rb),
          days: Math.round(days * 10) / 10,
          consequence: everyRun
            ? 'it is renewed on every scheduled run'
            : 'a failed renewal leaves almost no time before it expires',
          symptom: everyRun ? RENEWED_EVERY_RUN : MAY_EXPIRE,
        };
        report('renew-before-range', data, at(key), evidence(key, { value: rb, days }));
      }
    }
  },
});
