// wif-token: the setup job's identity JWT (--jwt-file, decoded by src/probes/jwt-file.ts) against
// the federation rule (--federation-rule, the JSON the API returns). Claims are shown; the raw
// token and its signature never are (the facts do not hold them).

import { defineCheck, type MessageData, type MessageSpec } from '../../src/core/check.js';
import type { JwtFacts, Location } from '../../src/core/facts.js';
import { locate } from '../../src/model/deployment-view.js';
import {
  HELM_SETUP_SUBJECT,
  nearMiss,
  readFederationRule,
  subjectMatches,
  type FederationRule,
} from '../../src/model/federation-rule.js';
import { JWT_MAX_BYTES } from '../../src/model/token-shapes.js';

const SKEW = 30;
const MAX_LIFETIME = 3600;
const REFUSED =
  'The token exchange fails with 401 authentication_error "Authentication failed" (older API: 400 invalid_grant).';
const ASYMMETRIC = /^(?:(?:RS|PS|ES)(?:256|384|512)|ES256K|EdDSA)$/;

/** A NumericDate as ISO time; one beyond what a Date holds (`"iat": 1e308`) is shown as seconds. */
const iso = (s: number) =>
  Math.abs(s * 1000) <= 8.64e15 ? new Date(s * 1000).toISOString() : `${s} s after 1970 (beyond any date)`;
function ago(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? 'nothing'));
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const CLOCKS = 'Check the clocks of the identity provider and of this machine (NTP).';
const ISSUER_NOT_URL_FIX = 'Set issuer_url to the https URL of your identity provider (the "iss" of its tokens).';
const ISSUER_NOT_HTTPS_FIX = 'Use the https issuer URL of your identity provider.';
const ISSUER_PORT_FIX = 'Serve the issuer (its discovery document and JWKS) on port 443.';
const PREFIX_NOT_MET = 'is a prefix (trailing *) it does not start with';
const EXACT_NOT_MET = 'has no trailing *, so the subject must equal it exactly';
const OR_STAR = ', or end it with * to match a prefix';
const HELM_JOB_SUBJECT = ` (The Helm chart's setup Job is ${HELM_SETUP_SUBJECT} in the default namespace.)`;
const helmAudience = (audience: string) =>
  ` With the Helm chart, the token's audience is api.wif.audience: --set api.wif.audience=${audience}.`;
const ALL_MATCH = ', all matching the rule';
const NO_RULE = '; no rule was given (--federation-rule), so only the rule-independent requirements were checked';

const messages = {
  'rule-invalid': {
    severity: 'error',
    meaning: 'The federation rule is not a JSON object with issuer_url and match.',
    symptom: 'The rule cannot be compared with the token.',
    cause: 'The federation rule {path} {problem}.',
    fix: 'Save the rule as the API returns it (one JSON object with issuer_url and match).',
  },
  'rule-issuer-invalid': {
    severity: 'error',
    meaning: "The rule's issuer_url is not an https URL.",
    symptom: REFUSED,
    cause: "The rule's issuer_url {problem}.",
    fix: '{remedy}',
  },
  'rule-issuer-private': {
    severity: 'warn',
    meaning: "The rule's issuer_url is not a public host.",
    symptom: REFUSED,
    cause:
      "The rule's issuer_url {issuer} is not a public host; the API fetches the issuer's discovery document and keys over the internet. (A Kubernetes cluster's default issuer, https://kubernetes.default.svc, is the usual case.)",
    fix: 'Give the cluster a public OIDC issuer (the managed Kubernetes offerings have one) and use it in the rule, or publish the keys and use jwks type explicit_url or inline.',
  },
  'rule-audience-missing': {
    severity: 'error',
    meaning: 'The rule has no match.audience.',
    symptom: REFUSED,
    cause: "The rule's match.audience is {audience}; a token can only match a non-empty string.",
    fix: 'Set match.audience (for the Helm chart: equal to api.wif.audience).',
  },
  'rule-scope-missing': {
    // The exchange itself does not need the scope; the Tunnels API calls after it do (403 without it).
    severity: 'error',
    meaning: "The rule's scope lacks manage_tunnels.",
    symptom: 'The token exchange succeeds, but the setup job then gets 403 from the Tunnels API.',
    cause:
      "The rule's oauth_scope is {scope}, without workspace:manage_tunnels (chart 2.x) or org:manage_tunnels (chart 1.x).",
    fix: "Add the manage_tunnels scope of your chart generation to the rule's oauth_scope, and make the rule's service account a member of the tunnel's workspace.",
  },
  'rule-lifetime-range': {
    severity: 'error',
    meaning: "The rule's token lifetime is out of range.",
    symptom: REFUSED,
    cause:
      "The rule's token_lifetime_seconds is {lifetime}; it must be a whole number from 60 to 86400 (default 3600).",
    fix: 'Set token_lifetime_seconds between 60 and 86400, or leave it out for 3600.',
  },
  'jwt-invalid': {
    severity: 'error',
    meaning: 'The identity token file does not hold a JWT.',
    symptom: REFUSED,
    cause: '{path} {problem}.',
    fix: 'Save the identity token exactly as the workload receives it: one line, header.payload.signature.',
  },
  'jwt-malformed': {
    severity: 'error',
    meaning: "The JWT's parts do not decode.",
    symptom: REFUSED,
    cause: 'The JWT {problem}.',
    fix: 'Give the token exactly as the identity provider issued it.',
  },
  'jwt-too-large': {
    severity: 'error',
    meaning: 'The JWT is over 16 KiB.',
    symptom: REFUSED,
    cause: 'The JWT is {sizeBytes} bytes; the exchange accepts at most {maxBytes} (16 KiB).',
    fix: 'Issue the token with fewer claims (groups are the usual bulk).',
  },
  'jwt-unwrapped': {
    severity: 'info',
    meaning: 'The JWT was taken out of a wrapper; the job needs the bare JWT (info).',
    symptom: 'None.',
    cause:
      'The file holds the JWT inside {wrappedIn}; the doctor took it out. The setup job needs the bare JWT in its token file.',
    fix: 'Nothing, if the job reads the bare token.',
  },
  'alg-missing': {
    severity: 'error',
    meaning: 'The JWT header has no alg.',
    symptom: REFUSED,
    cause: 'The JWT header has no "alg".',
    fix: 'Issue the token with an asymmetric algorithm such as RS256 or ES256.',
  },
  'alg-none': {
    severity: 'error',
    meaning: 'The JWT is unsigned (alg none).',
    symptom: REFUSED,
    cause: 'The JWT header says "alg": "none": the token is unsigned.',
    fix: 'Issue a signed token (RS256, ES256, EdDSA...).',
  },
  'alg-symmetric': {
    severity: 'error',
    meaning: 'The JWT uses a symmetric algorithm.',
    symptom: REFUSED,
    cause:
      "The JWT is signed with {alg}, a shared-secret algorithm; the exchange verifies tokens with the issuer's public keys only.",
    fix: 'Issue the token with an asymmetric algorithm (RS256, PS256, ES256, EdDSA).',
  },
  'alg-unsupported': {
    severity: 'error',
    meaning: "The JWT's algorithm is not supported.",
    symptom: REFUSED,
    cause: 'The JWT\'s algorithm "{alg}" is not one of RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA.',
    fix: 'Issue the token with RS256 or ES256.',
  },
  'kid-missing': {
    severity: 'error',
    meaning: 'The JWT header has no kid.',
    symptom: REFUSED,
    cause: 'The JWT header has no "kid", so the exchange cannot pick the issuer key that verifies it.',
    fix: 'Configure the identity provider to put the key ID (kid) in the header; every standard OIDC issuer does.',
  },
  'sub-missing': {
    severity: 'error',
    meaning: 'The JWT has no sub.',
    symptom: REFUSED,
    cause: 'The JWT has no "sub" claim.',
    fix: 'Issue the token with a subject (for the Helm chart: the service account of the setup Job).',
  },
  'iat-missing': {
    severity: 'error',
    meaning: 'The JWT has no iat.',
    symptom: REFUSED,
    cause: 'The JWT has no "iat" (issued at) claim.',
    fix: 'Issue the token with iat.',
  },
  'exp-missing': {
    severity: 'error',
    meaning: 'The JWT has no exp.',
    symptom: REFUSED,
    cause: 'The JWT has no "exp" (expiry) claim.',
    fix: 'Issue the token with exp, at most one hour after iat.',
  },
  'claim-not-numeric': {
    severity: 'error',
    meaning: 'A time claim is not a number.',
    symptom: REFUSED,
    cause: 'The JWT\'s "{claim}" is {value}, not a NumericDate (seconds since 1970).',
    fix: 'Issue the token with numeric time claims.',
  },
  'exp-before-iat': {
    severity: 'error',
    meaning: 'exp is before iat.',
    symptom: REFUSED,
    cause: 'The JWT expires ({exp}) before or when it is issued ({iat}).',
    fix: "Check the identity provider's clock and token settings.",
  },
  'iat-in-future': {
    severity: 'error',
    meaning: 'iat is in the future (beyond 30 s of skew).',
    symptom: REFUSED,
    cause: 'The JWT says it was issued at {iat}, {ahead} in the future (now {now}).',
    fix: CLOCKS,
  },
  'jwt-expired': {
    severity: 'error',
    meaning: 'The JWT has expired.',
    symptom: REFUSED,
    cause: 'The JWT expired at {exp}, {ago} before now ({now}), beyond the 30 s of allowed skew.',
    fix: 'Use a fresh token: if this file is an old copy, take a new one from the workload; the job must exchange it before exp.',
  },
  'jwt-not-yet-valid': {
    severity: 'error',
    meaning: 'The JWT is not valid yet (nbf).',
    symptom: REFUSED,
    cause: 'The JWT is not valid before {nbf}, {ahead} after now ({now}).',
    fix: CLOCKS,
  },
  'lifetime-too-long': {
    severity: 'error',
    meaning: 'The JWT lives longer than one hour.',
    symptom: REFUSED,
    cause:
      'The JWT lives {lifetime} (exp - iat = {seconds} s); the exchange accepts at most {maxSeconds} s (one hour) by default.',
    fix: 'Request a shorter token: for a Kubernetes projected token, expirationSeconds: 3600 (or less).',
  },
  'issuer-mismatch': {
    severity: 'error',
    meaning: "iss is not the rule's issuer_url byte for byte.",
    symptom: REFUSED,
    cause: 'The JWT\'s iss is {iss}, the rule\'s issuer_url is "{issuerUrl}"{why}.',
    fix: 'Set the rule\'s issuer_url to {iss} exactly (copy it from the token\'s iss, including any trailing "/").',
  },
  'audience-mismatch': {
    severity: 'error',
    meaning: "aud does not contain the rule's audience.",
    symptom: REFUSED,
    cause: 'The JWT\'s aud is {aud}; the rule\'s match.audience "{audience}" must be one of its values exactly{close}.',
    fix: 'Request the token with the audience "{audience}", or set the rule\'s match.audience to the token\'s.{helm}',
  },
  'subject-mismatch': {
    severity: 'error',
    meaning: "sub does not match the rule's subject_prefix.",
    symptom: REFUSED,
    cause: 'The JWT\'s sub is {sub}; the rule\'s subject_prefix "{subjectPrefix}" {how}.{helm}',
    fix: "Set the rule's subject_prefix to {sub}{orStar}, or run the workload as a subject the rule covers.",
  },
  'claim-mismatch': {
    severity: 'error',
    meaning: "A claim differs from the rule's match.claims.",
    symptom: REFUSED,
    cause: 'The rule requires the claim "{claim}" to be {expected}; the JWT has {actual}.',
    fix: 'Issue the token with {claim} = {expected}, or change match.claims.{claim} in the rule.',
  },
  'condition-not-evaluated': {
    severity: 'info',
    meaning: "The rule's match.condition was not evaluated (info).",
    symptom: 'None, if the condition holds.',
    cause: 'The rule has a match.condition ({condition}), which the doctor does not evaluate.',
    fix: 'Check the condition against the claims shown here by hand.',
  },
  'claims-checked': {
    severity: 'info',
    meaning: "The JWT's claims were checked (info).",
    symptom: 'None.',
    cause: 'The JWT (alg {alg}, kid {kid}) has iss {iss}, aud {aud}, sub {sub}, exp {exp}{ruleNote}.',
    fix: 'Nothing to do.',
  },
} as const satisfies Record<string, MessageSpec>;

/** Reports one of this check's messages; the location defaults to the file judged, the evidence to none. */
type Emit = <K extends keyof typeof messages>(
  messageId: K,
  data: MessageData<(typeof messages)[K]>,
  location?: Location,
  evidence?: Record<string, unknown>,
) => void;

function judgeRule(rule: FederationRule, emit: Emit, at: (k: string) => Location | undefined): void {
  const iss = rule.issuerUrl;
  const m = typeof iss === 'string' ? /^([a-z]+):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?/i.exec(iss) : null;
  const issuerInvalid = (problem: string, remedy: string) =>
    emit('rule-issuer-invalid', { problem, remedy }, at('issuer_url'), { issuerUrl: iss });
  if (!m) issuerInvalid(`is ${show(iss)}, not an https URL`, ISSUER_NOT_URL_FIX);
  else {
    const [, scheme = '', rawHost = '', port] = m;
    if (scheme.toLowerCase() !== 'https')
      issuerInvalid(`${String(iss)} uses ${scheme}://; it must be https`, ISSUER_NOT_HTTPS_FIX);
    else if (port && port !== '443')
      issuerInvalid(`${String(iss)} names port ${port}; only 443 is allowed`, ISSUER_PORT_FIX);
    else {
      const host = rawHost.replace(/^\[|\]$/g, '').toLowerCase();
      if (
        host === 'localhost' ||
        /\.(svc|local|internal|cluster\.local|lan)$/.test(host) ||
        /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd])/.test(host) ||
        !host.includes('.')
      ) {
        emit('rule-issuer-private', { issuer: String(iss) }, at('issuer_url'), { issuerUrl: iss });
      }
    }
  }
  if (typeof rule.audience !== 'string' || rule.audience === '')
    emit('rule-audience-missing', { audience: show(rule.audience) }, at('match'));
  const sc = rule.oauthScope;
  const scopes =
    typeof sc === 'string'
      ? sc.split(/[\s,]+/)
      : Array.isArray(sc)
        ? sc.filter((x): x is string => typeof x === 'string')
        : null;
  if (scopes && !scopes.some((x) => x === 'org:manage_tunnels' || x === 'workspace:manage_tunnels')) {
    emit('rule-scope-missing', { scope: show(sc) }, at('oauth_scope'), { oauthScope: sc });
  }
  const lt = rule.tokenLifetimeSeconds;
  if (lt !== undefined && lt !== null && (typeof lt !== 'number' || !Number.isInteger(lt) || lt < 60 || lt > 86400)) {
    emit('rule-lifetime-range', { lifetime: show(lt) }, at('token_lifetime_seconds'), { tokenLifetimeSeconds: lt });
  }
}

function judgeJwt(t: JwtFacts, now: number, emit: Emit): void {
  const h = t.header ?? {};
  const p = t.payload ?? {};
  if (t.problem) emit('jwt-malformed', { problem: t.problem });
  if (t.wrappedIn) emit('jwt-unwrapped', { wrappedIn: t.wrappedIn });
  if (t.sizeBytes > JWT_MAX_BYTES)
    emit('jwt-too-large', { sizeBytes: t.sizeBytes, maxBytes: JWT_MAX_BYTES }, undefined, { sizeBytes: t.sizeBytes });
  const alg = h.alg;
  if (typeof alg !== 'string' || alg === '') emit('alg-missing', {});
  else if (alg.toLowerCase() === 'none') emit('alg-none', {}, undefined, { alg });
  else if (/^HS/i.test(alg)) emit('alg-symmetric', { alg }, undefined, { alg });
  else if (!ASYMMETRIC.test(alg)) emit('alg-unsupported', { alg }, undefined, { alg });
  if (typeof h.kid !== 'string' || h.kid === '') emit('kid-missing', {});
  if (typeof p.sub !== 'string' || p.sub === '') emit('sub-missing', {});
  const num = (claim: string): number | null => {
    const v = p[claim];
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      emit('claim-not-numeric', { claim, value: show(v) }, undefined, { [claim]: v });
      return null;
    }
    return v;
  };
  const iat = num('iat');
  const exp = num('exp');
  const nbf = num('nbf');
  if (p.iat === undefined) emit('iat-missing', {});
  if (p.exp === undefined) emit('exp-missing', {});
  if (iat !== null && exp !== null) {
    const times = { iat: iso(iat), exp: iso(exp) };
    if (exp <= iat) emit('exp-before-iat', times, undefined, times);
    else if (exp - iat > MAX_LIFETIME) {
      const data = { lifetime: ago(exp - iat), seconds: exp - iat, maxSeconds: MAX_LIFETIME };
      emit('lifetime-too-long', data, undefined, { ...times, lifetimeSeconds: exp - iat });
    }
  }
  if (exp !== null && now > exp + SKEW) {
    const times = { exp: iso(exp), now: iso(now) };
    emit('jwt-expired', { ...times, ago: ago(now - exp) }, undefined, times);
  }
  if (nbf !== null && nbf > now + SKEW) {
    const times = { nbf: iso(nbf), now: iso(now) };
    emit('jwt-not-yet-valid', { ...times, ahead: ago(nbf - now) }, undefined, times);
  }
  if (iat !== null && iat > now + SKEW) {
    const times = { iat: iso(iat), now: iso(now) };
    emit('iat-in-future', { ...times, ahead: ago(iat - now) }, undefined, times);
  }
}

function judgeMatch(t: JwtFacts, rule: FederationRule, emit: Emit, at: (k: string) => Location | undefined): void {
  const p = t.payload ?? {};
  if (typeof rule.issuerUrl === 'string' && p.iss !== rule.issuerUrl) {
    const near = typeof p.iss === 'string' ? nearMiss(p.iss, rule.issuerUrl) : '';
    const why = near ? `: ${near}` : '; they must be equal byte for byte';
    emit('issuer-mismatch', { iss: show(p.iss), issuerUrl: rule.issuerUrl, why }, at('issuer_url'), {
      iss: p.iss,
      issuerUrl: rule.issuerUrl,
    });
  }
  const audience = rule.audience;
  if (typeof audience === 'string' && audience !== '') {
    const auds = Array.isArray(p.aud) ? p.aud : p.aud === undefined ? [] : [p.aud];
    if (!auds.includes(audience)) {
      const close = auds
        .filter((a): a is string => typeof a === 'string')
        .map((a) => ({ a, why: nearMiss(a, audience) }))
        .find((x) => x.why);
      const data = {
        aud: show(p.aud),
        audience,
        close: close ? ` (${close.why})` : '',
        helm: close && /api\.anthropic\.com/.test(audience) ? helmAudience(audience) : '',
      };
      emit('audience-mismatch', data, at('match.audience'), { aud: p.aud, audience });
    }
  }
  const prefix = rule.subjectPrefix;
  if (typeof prefix === 'string' && prefix !== '' && (typeof p.sub !== 'string' || !subjectMatches(p.sub, prefix))) {
    const star = prefix.endsWith('*');
    const data = {
      sub: show(p.sub),
      subjectPrefix: prefix,
      how: star ? PREFIX_NOT_MET : EXACT_NOT_MET,
      helm: typeof p.sub === 'string' && p.sub.startsWith('system:serviceaccount:') ? HELM_JOB_SUBJECT : '',
      orStar: star ? '' : OR_STAR,
    };
    emit('subject-mismatch', data, at('match.subject_prefix'), { sub: p.sub, subjectPrefix: prefix });
  }
  for (const [claim, want] of Object.entries(rule.claims)) {
    if (!sameJson(p[claim], want)) {
      const actual = p[claim] === undefined ? 'no such claim' : show(p[claim]);
      const evidence = { claim, expected: want, actual: p[claim] ?? null };
      emit('claim-mismatch', { claim, expected: show(want), actual }, at(`match.claims.${claim}`), evidence);
    }
  }
  if (typeof rule.condition === 'string' && rule.condition.trim() !== '') {
    emit('condition-not-evaluated', { condition: rule.condition }, at('match.condition'), {
      condition: rule.condition,
    });
  }
}

export const check = defineCheck({
  id: 'wif-token',
  // Either input alone is judged, so neither is required; the skip names both flags.
  requires: [],
  uses: ['jwt', 'federationRule'],
  messages,
  run(facts, report) {
    const { jwt, federationRule: ruleFact } = facts;
    if (!jwt && !ruleFact)
      return report.skip('no identity token (--jwt-file) and no federation rule (--federation-rule) were given');
    let reported = 0;
    let problems = 0;
    let conditionSkipped = false;
    const emitFor =
      (file: string): Emit =>
      (messageId, data, location, evidence = {}) => {
        report(messageId, data, location ?? { file }, { evidence });
        reported++;
        if (messages[messageId].severity !== 'info') problems++;
        if (messageId === 'condition-not-evaluated') conditionSkipped = true;
      };

    let rule: FederationRule | null = null;
    if (
      ruleFact?.state === 'invalid' ||
      (ruleFact?.state === 'ok' && !(rule = readFederationRule(ruleFact.value.data)))
    ) {
      const problem = ruleFact.state === 'invalid' ? ruleFact.problem : 'is not a JSON object';
      const location = ruleFact.state === 'invalid' ? ruleFact.location : undefined;
      emitFor(ruleFact.path)('rule-invalid', { path: ruleFact.path, problem }, location);
    }
    const at = (key: string) => locate(ruleFact, key);
    if (rule && ruleFact) judgeRule(rule, emitFor(ruleFact.path), at);

    if (jwt?.state === 'invalid') {
      emitFor(jwt.path)('jwt-invalid', { path: jwt.path, problem: jwt.problem });
    } else if (jwt?.state === 'ok') {
      const emit = emitFor(jwt.path);
      judgeJwt(jwt.value, Date.parse(facts.now) / 1000, emit);
      if (rule) judgeMatch(jwt.value, rule, emit, at);
      const p = jwt.value.payload ?? {};
      if (problems === 0) {
        const data = {
          alg: show(jwt.value.header?.alg),
          kid: show(jwt.value.header?.kid),
          iss: show(p.iss),
          aud: show(p.aud),
          sub: show(p.sub),
          exp: typeof p.exp === 'number' ? iso(p.exp) : show(p.exp),
          ruleNote: rule ? ALL_MATCH : NO_RULE,
        };
        emit('claims-checked', data, undefined, { iss: p.iss, aud: p.aud, sub: p.sub });
      }
    } else if (jwt && reported === 0) {
      return report.skip(`the identity token ${jwt.path} ${jwt.state === 'missing' ? 'does not exist' : jwt.problem}`);
    }
    if (!rule && jwt?.state === 'ok')
      report.notChecked('the token against a federation rule (no --federation-rule given)');
    if (rule && !jwt) report.notChecked('a token against the rule (no --jwt-file given)');
    if (conditionSkipped) report.notChecked("the rule's match.condition (not evaluated)");
  },
});
