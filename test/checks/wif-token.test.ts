import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { check } from '../../checks/setup/wif-token.js';
import type { Facts, FileFact, YamlDocumentFacts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { describeJwt } from '../../src/model/jwt.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, NOW, yamlFact } from '../harness/facts.js';

const now = Date.parse(NOW) / 1000;
const SIGNATURE = randomBytes(64).toString('base64url');
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const SUBJECT = 'system:serviceaccount:mcp-tunnel:mcp-tunnel-setup';
const CLAIMS = {
  iss: 'https://oidc.example.com',
  aud: ['https://api.anthropic.com'],
  sub: SUBJECT,
  iat: now - 60,
  exp: now + 3000,
};
const HEADER = { alg: 'RS256', kid: 'k1', typ: 'JWT' };

function jwt(payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}, sig = SIGNATURE) {
  const p = { ...CLAIMS, ...payload };
  for (const [k, v] of Object.entries(p)) if (v === undefined) delete p[k as keyof typeof p];
  const h = { ...HEADER, ...header };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k as keyof typeof h];
  return describeJwt(`${b64url(h)}.${b64url(p)}.${sig}`, '/work/token.jwt');
}
const RULE = {
  id: 'fdrl_01ABC',
  issuer_url: 'https://oidc.example.com',
  jwks: { type: 'discovery' },
  match: { audience: 'https://api.anthropic.com', subject_prefix: 'system:serviceaccount:mcp-tunnel:*' },
  oauth_scope: 'workspace:manage_tunnels',
  token_lifetime_seconds: 3600,
  workspace_id: 'wrkspc_01',
};
function rule(over: Record<string, unknown> = {}, match: Record<string, unknown> = {}): FileFact<YamlDocumentFacts> {
  return yamlFact('/work/rule.json', JSON.stringify({ ...RULE, ...over, match: { ...RULE.match, ...match } }, null, 2));
}
const facts = (over: Partial<Facts>) =>
  baseFacts({ deployment: { dir: '/work', layout: 'helm', generation: null }, ...over });
const both = (payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}, r = rule()) =>
  facts({ jwt: jwt(payload, header), federationRule: r });
const noRaw = (f: Finding[]) => expect(JSON.stringify(f).includes(SIGNATURE)).toBe(false);
const causeHas =
  (...needles: string[]) =>
  (f: Finding[]) => {
    noRaw(f);
    const text = f.map((x) => `${x.cause} ${x.fix}`).join('\n');
    for (const n of needles) expect(text).toContain(n);
  };

testCheck(check, {
  pass: [
    { name: 'a token that matches the rule', facts: both(), info: ['claims-checked'] },
    {
      name: 'only the token: the rule-independent requirements',
      facts: facts({ jwt: jwt() }),
      info: ['claims-checked'],
      notChecked: 'the token against a federation rule',
    },
    {
      name: 'only the rule',
      facts: facts({ federationRule: rule() }),
      notChecked: 'a token against the rule (no --jwt-file given)',
    },
    {
      name: 'expired by less than the 30 s skew',
      facts: both({ exp: now - 20, iat: now - 3000 }),
      info: ['claims-checked'],
    },
    {
      name: 'aud as a string, an exact subject, a claim, a condition',
      facts: both(
        { aud: 'https://api.anthropic.com', env: 'prod' },
        {},
        rule({}, { subject_prefix: SUBJECT, claims: { env: 'prod' }, condition: 'claims.env == "prod"' }),
      ),
      info: ['condition-not-evaluated', 'claims-checked'],
      notChecked: 'match.condition (not evaluated)',
    },
    { name: 'ES256 and EdDSA are asymmetric', facts: both({}, { alg: 'ES256' }), info: ['claims-checked'] },
    {
      name: 'a JWT saved inside a JSON response',
      facts: facts({
        jwt: describeJwt(
          JSON.stringify({ count: 1, value: `${b64url(HEADER)}.${b64url(CLAIMS)}.${SIGNATURE}` }),
          '/work/token.json',
        ),
        federationRule: rule(),
      }),
      info: ['jwt-unwrapped', 'claims-checked'],
    },
  ],
  fail: [
    {
      name: 'expired',
      facts: both({ iat: now - 7200, exp: now - 3700 }),
      status: 'fail',
      messageIds: ['jwt-expired'],
      assert: causeHas(new Date((now - 3700) * 1000).toISOString(), '62 min before now'),
    },
    { name: 'not yet valid', facts: both({ nbf: now + 600 }), status: 'fail', messageIds: ['jwt-not-yet-valid'] },
    {
      name: "the rule's scope lacks manage_tunnels (403 after the exchange)",
      facts: both({}, {}, rule({ oauth_scope: 'user:profile user:inference' })),
      status: 'fail',
      messageIds: ['rule-scope-missing'],
    },
    {
      name: 'issued in the future',
      facts: both({ iat: now + 300, exp: now + 3000 }),
      status: 'fail',
      messageIds: ['iat-in-future'],
    },
    {
      name: 'lives longer than an hour',
      facts: both({ iat: now - 60, exp: now + 86400 }),
      status: 'fail',
      messageIds: ['lifetime-too-long'],
      assert: causeHas('86460 s'),
    },
    {
      name: 'expires before it is issued',
      facts: both({ iat: now - 10, exp: now - 20 }),
      status: 'fail',
      messageIds: ['exp-before-iat'],
    },
    {
      name: 'iat 1e308, beyond any date: judged, not an error ("Invalid time value")',
      facts: both({ iat: 1e308 }),
      status: 'fail',
      messageIds: ['exp-before-iat', 'iat-in-future'],
      assert: causeHas('1e+308 s after 1970 (beyond any date)'),
    },
    {
      name: 'no iat, exp or sub',
      facts: both({ iat: undefined, exp: undefined, sub: undefined }),
      status: 'fail',
      messageIds: ['iat-missing', 'exp-missing', 'sub-missing', 'subject-mismatch'],
    },
    { name: 'exp as a string', facts: both({ exp: '2026-11-25' }), status: 'fail', messageIds: ['claim-not-numeric'] },
    { name: 'no kid', facts: both({}, { kid: undefined }), status: 'fail', messageIds: ['kid-missing'] },
    { name: 'HS256', facts: both({}, { alg: 'HS256' }), status: 'fail', messageIds: ['alg-symmetric'] },
    {
      name: 'alg none and no signature',
      facts: facts({ jwt: jwt({}, { alg: 'none' }, ''), federationRule: rule() }),
      status: 'fail',
      messageIds: ['alg-none', 'jwt-malformed'],
    },
    { name: 'an unknown alg', facts: both({}, { alg: 'RS1' }), status: 'fail', messageIds: ['alg-unsupported'] },
    { name: 'no alg', facts: both({}, { alg: undefined }), status: 'fail', messageIds: ['alg-missing'] },
    {
      name: 'larger than 16 KiB',
      facts: both({ groups: 'g'.repeat(17000) }),
      status: 'fail',
      messageIds: ['jwt-too-large'],
    },
    {
      name: 'issuer with a trailing slash',
      facts: both({ iss: 'https://oidc.example.com/' }),
      status: 'fail',
      messageIds: ['issuer-mismatch'],
      assert: (f) => {
        causeHas('"https://oidc.example.com/"', '"https://oidc.example.com"', 'trailing "/"')(f);
        expect(f[0]?.location).toMatchObject({ file: '/work/rule.json', line: 3 });
      },
    },
    {
      name: 'audience without the scheme (the chart default)',
      facts: both({ aud: 'api.anthropic.com' }),
      status: 'fail',
      messageIds: ['audience-mismatch'],
      assert: causeHas('"https://" scheme', '--set api.wif.audience=https://api.anthropic.com'),
    },
    {
      name: 'a subject outside the prefix',
      facts: both({ sub: 'system:serviceaccount:default:default' }),
      status: 'fail',
      messageIds: ['subject-mismatch'],
      assert: causeHas('trailing *', SUBJECT),
    },
    {
      name: 'a subject prefix without *',
      facts: both({}, {}, rule({}, { subject_prefix: 'system:serviceaccount:mcp-tunnel:' })),
      status: 'fail',
      messageIds: ['subject-mismatch'],
      assert: causeHas('equal it exactly'),
    },
    {
      name: 'a claim that differs',
      facts: both({ env: 'dev' }, {}, rule({}, { claims: { env: 'prod', team: 'infra' } })),
      status: 'fail',
      messageIds: ['claim-mismatch', 'claim-mismatch'],
    },
    {
      name: 'a rule with an http issuer',
      facts: facts({ federationRule: rule({ issuer_url: 'http://oidc.example.com' }) }),
      status: 'fail',
      messageIds: ['rule-issuer-invalid'],
    },
    {
      name: 'a rule issuer on port 8443',
      facts: facts({ federationRule: rule({ issuer_url: 'https://oidc.example.com:8443' }) }),
      status: 'fail',
      messageIds: ['rule-issuer-invalid'],
    },
    {
      name: 'the in-cluster issuer',
      facts: facts({ federationRule: rule({ issuer_url: 'https://kubernetes.default.svc' }) }),
      status: 'warn',
      messageIds: ['rule-issuer-private'],
    },
    {
      name: 'a token lifetime out of range',
      facts: facts({ federationRule: rule({ token_lifetime_seconds: 30 }) }),
      status: 'fail',
      messageIds: ['rule-lifetime-range'],
    },
    {
      name: 'a rule without an audience',
      facts: facts({ federationRule: rule({}, { audience: undefined }) }),
      status: 'fail',
      messageIds: ['rule-audience-missing'],
    },
    {
      name: 'a rule file that is not JSON',
      facts: facts({ jwt: jwt(), federationRule: yamlFact('/work/rule.json', '{"issuer_url": ') }),
      status: 'fail',
      messageIds: ['rule-invalid'],
    },
    {
      name: 'a JWT file that is not a JWT',
      facts: facts({ jwt: describeJwt('hello', '/work/token.jwt') }),
      status: 'fail',
      messageIds: ['jwt-invalid'],
    },
  ],
  skip: [{ name: 'neither token nor rule', facts: facts({}), reason: '--jwt-file' }],
});
