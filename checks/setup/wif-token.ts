// wif-token: the setup job's identity JWT (--jwt-file, decoded by src/probes/jwt-file.ts) against
// the federation rule (--federation-rule, the JSON the API returns). Claims are shown; the raw
// token and its signature never are (the facts do not hold them).

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts, JwtFacts, Location } from '../../src/core/facts.js';
import type { Finding, Severity } from '../../src/core/types.js';
import { locate } from '../../src/model/deployment-view.js';
import { HELM_SETUP_SUBJECT, nearMiss, readFederationRule, subjectMatches, type FederationRule } from '../../src/model/federation-rule.js';
import { JWT_MAX_BYTES } from '../../src/model/token-shapes.js';

const ID = 'wif-token';
const SKEW = 30;
const MAX_LIFETIME = 3600;
const REFUSED = 'The token exchange fails with 401 authentication_error "Authentication failed" (older API: 400 invalid_grant).';
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
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? 'nothing');
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function judgeRule(rule: FederationRule, f: Emit, at: (k: string) => Location | undefined): void {
  const iss = rule.issuerUrl;
  const m = typeof iss === 'string' ? /^([a-z]+):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?/i.exec(iss) : null;
  if (!m) f('rule-issuer-invalid', `The rule's issuer_url is ${show(iss)}, not an https URL.`, 'Set issuer_url to the https URL of your identity provider (the "iss" of its tokens).', 'error', at('issuer_url'), { issuerUrl: iss });
  else if (m[1].toLowerCase() !== 'https') f('rule-issuer-invalid', `The rule's issuer_url ${iss} uses ${m[1]}://; it must be https.`, 'Use the https issuer URL of your identity provider.', 'error', at('issuer_url'), { issuerUrl: iss });
  else if (m[3] && m[3] !== '443') f('rule-issuer-invalid', `The rule's issuer_url ${iss} names port ${m[3]}; only 443 is allowed.`, 'Serve the issuer (its discovery document and JWKS) on port 443.', 'error', at('issuer_url'), { issuerUrl: iss });
  else {
    const host = m[2].replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || /\.(svc|local|internal|cluster\.local|lan)$/.test(host) || /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd])/.test(host) || !host.includes('.')) {
      f('rule-issuer-private', `The rule's issuer_url ${iss} is not a public host; the API fetches the issuer's discovery document and keys over the internet. (A Kubernetes cluster's default issuer, https://kubernetes.default.svc, is the usual case.)`, 'Give the cluster a public OIDC issuer (the managed Kubernetes offerings have one) and use it in the rule, or publish the keys and use jwks type explicit_url or inline.', 'warn', at('issuer_url'), { issuerUrl: iss });
    }
  }
  if (typeof rule.audience !== 'string' || rule.audience === '') f('rule-audience-missing', `The rule's match.audience is ${show(rule.audience)}; a token can only match a non-empty string.`, 'Set match.audience (for the Helm chart: equal to api.wif.audience).', 'error', at('match'), {});
  // The exchange itself does not need the scope; the Tunnels API calls after it do (403 without it).
  const sc = rule.oauthScope;
  const scopes = typeof sc === 'string' ? sc.split(/[\s,]+/) : Array.isArray(sc) ? sc.filter((x): x is string => typeof x === 'string') : null;
  if (scopes && !scopes.some((x) => x === 'org:manage_tunnels' || x === 'workspace:manage_tunnels')) {
    f('rule-scope-missing', `The rule's oauth_scope is ${show(sc)}, without workspace:manage_tunnels (chart 2.x) or org:manage_tunnels (chart 1.x).`, 'Add the manage_tunnels scope of your chart generation to the rule\'s oauth_scope, and make the rule\'s service account a member of the tunnel\'s workspace.', 'error', at('oauth_scope'), { oauthScope: sc }, 'The token exchange succeeds, but the setup job then gets 403 from the Tunnels API.');
  }
  const lt = rule.tokenLifetimeSeconds;
  if (lt !== undefined && lt !== null && (typeof lt !== 'number' || !Number.isInteger(lt) || lt < 60 || lt > 86400)) {
    f('rule-lifetime-range', `The rule's token_lifetime_seconds is ${show(lt)}; it must be a whole number from 60 to 86400 (default 3600).`, 'Set token_lifetime_seconds between 60 and 86400, or leave it out for 3600.', 'error', at('token_lifetime_seconds'), { tokenLifetimeSeconds: lt });
  }
}

type Emit = (messageId: string, cause: string, fix: string, severity?: Severity, location?: Location, evidence?: Record<string, unknown>, symptom?: string) => void;

function judgeJwt(t: JwtFacts, now: number, f: Emit): void {
  const h = t.header ?? {};
  const p = t.payload ?? {};
  if (t.problem) f('jwt-malformed', `The JWT ${t.problem}.`, 'Give the token exactly as the identity provider issued it.');
  if (t.wrappedIn) f('jwt-unwrapped', `The file holds the JWT inside ${t.wrappedIn}; the doctor took it out. The setup job needs the bare JWT in its token file.`, 'Nothing, if the job reads the bare token.', 'info', undefined, {}, 'None.');
  if (t.sizeBytes > JWT_MAX_BYTES) f('jwt-too-large', `The JWT is ${t.sizeBytes} bytes; the exchange accepts at most ${JWT_MAX_BYTES} (16 KiB).`, 'Issue the token with fewer claims (groups are the usual bulk).', 'error', undefined, { sizeBytes: t.sizeBytes });
  const alg = h.alg;
  if (typeof alg !== 'string' || alg === '') f('alg-missing', 'The JWT header has no "alg".', 'Issue the token with an asymmetric algorithm such as RS256 or ES256.');
  else if (alg.toLowerCase() === 'none') f('alg-none', 'The JWT header says "alg": "none": the token is unsigned.', 'Issue a signed token (RS256, ES256, EdDSA...).', 'error', undefined, { alg });
  else if (/^HS/i.test(alg)) f('alg-symmetric', `The JWT is signed with ${alg}, a shared-secret algorithm; the exchange verifies tokens with the issuer's public keys only.`, 'Issue the token with an asymmetric algorithm (RS256, PS256, ES256, EdDSA).', 'error', undefined, { alg });
  else if (!ASYMMETRIC.test(alg)) f('alg-unsupported', `The JWT's algorithm "${alg}" is not one of RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA.`, 'Issue the token with RS256 or ES256.', 'error', undefined, { alg });
  if (typeof h.kid !== 'string' || h.kid === '') f('kid-missing', 'The JWT header has no "kid", so the exchange cannot pick the issuer key that verifies it.', 'Configure the identity provider to put the key ID (kid) in the header; every standard OIDC issuer does.');
  if (typeof p.sub !== 'string' || p.sub === '') f('sub-missing', 'The JWT has no "sub" claim.', 'Issue the token with a subject (for the Helm chart: the service account of the setup Job).');
  const num = (c: string): number | null => {
    const v = p[c];
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      f('claim-not-numeric', `The JWT's "${c}" is ${show(v)}, not a NumericDate (seconds since 1970).`, 'Issue the token with numeric time claims.', 'error', undefined, { [c]: v });
      return null;
    }
    return v;
  };
  const iat = num('iat');
  const exp = num('exp');
  const nbf = num('nbf');
  if (p.iat === undefined) f('iat-missing', 'The JWT has no "iat" (issued at) claim.', 'Issue the token with iat.');
  if (p.exp === undefined) f('exp-missing', 'The JWT has no "exp" (expiry) claim.', 'Issue the token with exp, at most one hour after iat.');
  if (iat !== null && exp !== null) {
    if (exp <= iat) f('exp-before-iat', `The JWT expires (${iso(exp)}) before or when it is issued (${iso(iat)}).`, 'Check the identity provider\'s clock and token settings.', 'error', undefined, { iat: iso(iat), exp: iso(exp) });
    else if (exp - iat > MAX_LIFETIME) f('lifetime-too-long', `The JWT lives ${ago(exp - iat)} (exp - iat = ${exp - iat} s); the exchange accepts at most ${MAX_LIFETIME} s (one hour) by default.`, 'Request a shorter token: for a Kubernetes projected token, expirationSeconds: 3600 (or less).', 'error', undefined, { iat: iso(iat), exp: iso(exp), lifetimeSeconds: exp - iat });
  }
  if (exp !== null && now > exp + SKEW) f('jwt-expired', `The JWT expired at ${iso(exp)}, ${ago(now - exp)} before now (${iso(now)}), beyond the 30 s of allowed skew.`, 'Use a fresh token: if this file is an old copy, take a new one from the workload; the job must exchange it before exp.', 'error', undefined, { exp: iso(exp), now: iso(now) });
  if (nbf !== null && nbf > now + SKEW) f('jwt-not-yet-valid', `The JWT is not valid before ${iso(nbf)}, ${ago(nbf - now)} after now (${iso(now)}).`, 'Check the clocks of the identity provider and of this machine (NTP).', 'error', undefined, { nbf: iso(nbf), now: iso(now) });
  if (iat !== null && iat > now + SKEW) f('iat-in-future', `The JWT says it was issued at ${iso(iat)}, ${ago(iat - now)} in the future (now ${iso(now)}).`, 'Check the clocks of the identity provider and of this machine (NTP).', 'error', undefined, { iat: iso(iat), now: iso(now) });
}

function judgeMatch(t: JwtFacts, rule: FederationRule, f: Emit, at: (k: string) => Location | undefined): void {
  const p = t.payload ?? {};
  if (typeof rule.issuerUrl === 'string' && p.iss !== rule.issuerUrl) {
    const why = typeof p.iss === 'string' ? nearMiss(p.iss, rule.issuerUrl) : '';
    f('issuer-mismatch', `The JWT's iss is ${show(p.iss)}, the rule's issuer_url is "${rule.issuerUrl}"${why ? `: ${why}` : '; they must be equal byte for byte'}.`, `Set the rule's issuer_url to ${show(p.iss)} exactly (copy it from the token's iss, including any trailing "/").`, 'error', at('issuer_url'), { iss: p.iss, issuerUrl: rule.issuerUrl });
  }
  if (typeof rule.audience === 'string' && rule.audience !== '') {
    const auds = Array.isArray(p.aud) ? p.aud : p.aud === undefined ? [] : [p.aud];
    if (!auds.includes(rule.audience)) {
      const close = auds.filter((a): a is string => typeof a === 'string').map((a) => ({ a, why: nearMiss(a, rule.audience as string) })).find((x) => x.why);
      const helm = close && /api\.anthropic\.com/.test(rule.audience) ? ` With the Helm chart, the token's audience is api.wif.audience: --set api.wif.audience=${rule.audience}.` : '';
      f('audience-mismatch', `The JWT's aud is ${show(p.aud)}; the rule's match.audience "${rule.audience}" must be one of its values exactly${close ? ` (${close.why})` : ''}.`, `Request the token with the audience "${rule.audience}", or set the rule's match.audience to the token's.${helm}`, 'error', at('match.audience'), { aud: p.aud, audience: rule.audience });
    }
  }
  if (typeof rule.subjectPrefix === 'string' && rule.subjectPrefix !== '' && (typeof p.sub !== 'string' || !subjectMatches(p.sub, rule.subjectPrefix))) {
    const star = rule.subjectPrefix.endsWith('*');
    const helm = typeof p.sub === 'string' && p.sub.startsWith('system:serviceaccount:') ? ` (The Helm chart's setup Job is ${HELM_SETUP_SUBJECT} in the default namespace.)` : '';
    f('subject-mismatch', `The JWT's sub is ${show(p.sub)}; the rule's subject_prefix "${rule.subjectPrefix}" ${star ? 'is a prefix (trailing *) it does not start with' : 'has no trailing *, so the subject must equal it exactly'}.${helm}`, `Set the rule's subject_prefix to ${show(p.sub)}${star ? '' : ', or end it with * to match a prefix'}, or run the workload as a subject the rule covers.`, 'error', at('match.subject_prefix'), { sub: p.sub, subjectPrefix: rule.subjectPrefix });
  }
  for (const [claim, want] of Object.entries(rule.claims)) {
    if (!sameJson(p[claim], want)) {
      f('claim-mismatch', `The rule requires the claim "${claim}" to be ${show(want)}; the JWT has ${p[claim] === undefined ? 'no such claim' : show(p[claim])}.`, `Issue the token with ${claim} = ${show(want)}, or change match.claims.${claim} in the rule.`, 'error', at(`match.claims.${claim}`), { claim, expected: want, actual: p[claim] ?? null });
    }
  }
  if (typeof rule.condition === 'string' && rule.condition.trim() !== '') {
    f('condition-not-evaluated', `The rule has a match.condition (${rule.condition}), which the doctor does not evaluate.`, 'Check the condition against the claims shown here by hand.', 'info', at('match.condition'), { condition: rule.condition }, 'None, if the condition holds.');
  }
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'setup',
  kind: 'static',
  run(facts: Readonly<Facts>) {
    const { jwt, federationRule: ruleFact } = facts;
    if (!jwt && !ruleFact) return skip('no identity token (--jwt-file) and no federation rule (--federation-rule) were given');
    const out: Finding[] = [];
    const emit = (file: string | undefined): Emit => (messageId, cause, fix, severity = 'error', location, evidence = {}, symptom = REFUSED) =>
      out.push(finding(ID, { messageId, severity, symptom, cause, fix, evidence, location: location ?? (file ? { file } : undefined) }));

    let rule: FederationRule | null = null;
    if (ruleFact?.state === 'invalid' || (ruleFact?.state === 'ok' && !(rule = readFederationRule(ruleFact.value.data)))) {
      const problem = ruleFact.state === 'invalid' ? ruleFact.problem : 'is not a JSON object';
      emit(ruleFact.path)('rule-invalid', `The federation rule ${ruleFact.path} ${problem}.`, 'Save the rule as the API returns it (one JSON object with issuer_url and match).', 'error', ruleFact.state === 'invalid' ? ruleFact.location : undefined, {}, 'The rule cannot be compared with the token.');
    }
    const at = (key: string) => locate(ruleFact, key);
    if (rule) judgeRule(rule, emit(ruleFact?.path), at);

    if (jwt?.state === 'invalid') {
      emit(jwt.path)('jwt-invalid', `${jwt.path} ${jwt.problem}.`, 'Save the identity token exactly as the workload receives it: one line, header.payload.signature.', 'error', { file: jwt.path });
    } else if (jwt?.state === 'ok') {
      const f = emit(jwt.path);
      judgeJwt(jwt.value, Date.parse(facts.now) / 1000, f);
      if (rule) judgeMatch(jwt.value, rule, f, at);
      const p = jwt.value.payload ?? {};
      if (!out.some((x) => x.severity !== 'info')) {
        f('claims-checked', `The JWT (alg ${show(jwt.value.header?.alg)}, kid ${show(jwt.value.header?.kid)}) has iss ${show(p.iss)}, aud ${show(p.aud)}, sub ${show(p.sub)}, exp ${typeof p.exp === 'number' ? iso(p.exp) : show(p.exp)}${rule ? ', all matching the rule' : '; no rule was given (--federation-rule), so only the rule-independent requirements were checked'}.`, 'Nothing to do.', 'info', undefined, { iss: p.iss, aud: p.aud, sub: p.sub }, 'None.');
      }
    } else if (jwt && out.length === 0) {
      return skip(`the identity token ${jwt.path} ${jwt.state === 'missing' ? 'does not exist' : jwt.problem}`);
    }
    const notChecked: string[] = [];
    if (!rule && jwt?.state === 'ok') notChecked.push('the token against a federation rule (no --federation-rule given)');
    if (rule && !jwt) notChecked.push('a token against the rule (no --jwt-file given)');
    if (out.some((x) => x.messageId === 'condition-not-evaluated')) notChecked.push('the rule\'s match.condition (not evaluated)');
    return judge(out, notChecked);
  },
};
