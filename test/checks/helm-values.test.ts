import { expect } from 'vitest';
import { check } from '../../checks/setup/helm-values.js';
import type { Facts, FileFact, YamlDocumentFacts } from '../../src/core/facts.js';
import { isRecord } from '../../src/model/compose.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

type Values = NonNullable<Facts['helmValues']>;
const ORG = '3f2c9d1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f';

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isRecord(out[k]) && isRecord(v) ? merge(out[k], v) : v;
  return out;
}

/** Values merged like `helm -f a -f b`, positions pointing at the file that set each key. */
function values(...files: [string, string][]): Values {
  let data: Record<string, unknown> = {};
  const positions: YamlDocumentFacts['positions'] = {};
  const positionFiles: Record<string, string> = {};
  for (const [path, text] of files) {
    const fact = yamlFact(path, text);
    if (fact.state !== 'ok') return fact;
    data = merge(data, (fact.value.data ?? {}) as Record<string, unknown>);
    for (const [k, p] of Object.entries(fact.value.positions)) {
      positions[k] = p;
      positionFiles[k] = path;
    }
  }
  const last = files.at(-1);
  if (!last) throw new Error('valuesFact needs at least one file');
  return {
    state: 'ok',
    path: last[0],
    value: { data, positions, warnings: [], files: files.map((f) => f[0]), positionFiles },
  };
}

const HELM = { dir: '/h', layout: 'helm', generation: null } as const;
const V2 = `tunnel:
  id: tnl_01HZX5
api:
  wif:
    federationRuleId: fdrl_01ABCDEF
    organizationId: ${ORG}
    workspaceId: wrkspc_01XYZ
    audience: https://api.anthropic.com
`;
const rule = (over: Record<string, unknown> = {}, match: Record<string, unknown> = {}): FileFact<YamlDocumentFacts> =>
  yamlFact(
    '/h/rule.json',
    JSON.stringify(
      {
        id: 'fdrl_01ABCDEF',
        issuer_url: 'https://oidc.example.com',
        match: {
          audience: 'https://api.anthropic.com',
          subject_prefix: 'system:serviceaccount:mcp-tunnel:*',
          ...match,
        },
        workspace_id: 'wrkspc_01XYZ',
        ...over,
      },
      null,
      2,
    ),
  );
const facts = (text: string, over: Partial<Facts> = {}) =>
  baseFacts({ deployment: HELM, helmValues: values(['/h/values.yaml', text]), ...over });

testCheck(check, {
  pass: [
    {
      name: 'chart 2.x values that match the rule',
      facts: facts(V2, { federationRule: rule() }),
      info: ['tunnel-id-generation'],
    },
    {
      name: 'no rule given: the audience is only described',
      facts: facts(V2),
      info: ['tunnel-id-generation', 'audience-unverified'],
      notChecked: 'api.wif.audience against the federation rule',
    },
    {
      name: 'both tunnel ID keys with the same ID',
      facts: facts(`${V2}    tunnelId: tnl_01HZX5\n`, { federationRule: rule() }),
    },
    {
      name: 'the claude.ai flow needs no WIF IDs',
      facts: facts('tunnel:\n  id: tnl_1\napi:\n  token: placeholder-not-a-real-token\n'),
      info: ['tunnel-id-generation'],
    },
    {
      name: 'external mode with a tunnel domain',
      facts: facts(
        'external:\n  tunnelTokenSecretName: tunnel-token\n  serverCertSecretName: server-cert\ngateway:\n  config:\n    tunnel_domain: abcd1234.tunnel.anthropic.com\n',
      ),
    },
    {
      name: 'a default renewal window',
      facts: facts(`${V2}serverCert:\n  renewBefore: 720h\n`, { federationRule: rule() }),
      info: ['tunnel-id-generation'],
    },
  ],
  fail: [
    {
      name: 'two different tunnel IDs under the keys of both generations',
      facts: facts(`${V2}    tunnelId: tnl_OLD\n`, { federationRule: rule() }),
      status: 'fail',
      messageIds: ['tunnel-id-conflict'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('"tnl_OLD"');
        expect(f[0]?.cause).toContain('"tnl_01HZX5"');
      },
    },
    {
      name: 'no tunnel ID at all',
      facts: facts(V2.replace('tunnel:\n  id: tnl_01HZX5\n', ''), { federationRule: rule() }),
      status: 'warn',
      messageIds: ['tunnel-id-unset'],
    },
    {
      name: 'the chart default audience (no scheme) against a rule with https://',
      facts: facts(V2.replace('    audience: https://api.anthropic.com\n', ''), { federationRule: rule() }),
      status: 'fail',
      messageIds: ['audience-mismatch'],
      assert: (f) => {
        const a = f.find((x) => x.messageId === 'audience-mismatch')!;
        expect(a.cause).toContain('chart default "api.anthropic.com"');
        expect(a.cause).toContain('"https://" scheme');
        expect(a.fix).toContain('--set api.wif.audience=https://api.anthropic.com');
        expect(a.location).toEqual({ file: '/h/values.yaml', line: 4, column: 3 });
      },
    },
    {
      name: 'a trailing slash in the audience',
      facts: facts(V2.replace('audience: https://api.anthropic.com', 'audience: https://api.anthropic.com/'), {
        federationRule: rule(),
      }),
      status: 'fail',
      messageIds: ['audience-mismatch'],
      assert: (f) => {
        const a = f.find((x) => x.messageId === 'audience-mismatch')!;
        expect(a.cause).toContain('trailing "/"');
        expect(a.location).toEqual({ file: '/h/values.yaml', line: 8, column: 5 });
      },
    },
    {
      name: 'missing and malformed IDs',
      facts: facts(`tunnel:\n  id: tnl_1\napi:\n  wif:\n    organizationId: org-123\n    workspaceId: ${ORG}\n`),
      status: 'fail',
      messageIds: ['federation-rule-id-missing', 'organization-id-format', 'workspace-id-format'],
      assert: (f) => {
        const ws = f.find((x) => x.messageId === 'workspace-id-format')!;
        expect(ws.cause).toContain('looks like the organization ID');
        expect(ws.location).toEqual({ file: '/h/values.yaml', line: 6, column: 5 });
      },
    },
    {
      name: 'locations point at the values file that set the key',
      facts: baseFacts({
        deployment: HELM,
        federationRule: rule(),
        helmValues: values(['/h/values.yaml', V2], ['/h/prod.yaml', 'api:\n  wif:\n    workspaceId: wrkspc_\n']),
      }),
      status: 'fail',
      messageIds: ['workspace-id-format'],
      assert: (f) =>
        expect(f.find((x) => x.messageId === 'workspace-id-format')?.location).toEqual({
          file: '/h/prod.yaml',
          line: 3,
          column: 5,
        }),
    },
    {
      name: 'a rule for another workspace and subject',
      facts: facts(V2, {
        federationRule: rule({ workspace_id: 'wrkspc_OTHER' }, { subject_prefix: 'repo:acme/infra:*' }),
      }),
      status: 'fail',
      messageIds: ['workspace-mismatch', 'subject-unmatched'],
    },
    {
      name: 'the IDs name another rule than the one checked',
      facts: facts(V2, { federationRule: rule({ id: 'fdrl_02OTHER' }) }),
      status: 'warn',
      messageIds: ['federation-rule-id-mismatch'],
    },
    {
      name: 'external mode without tunnel_domain',
      facts: facts(
        'external:\n  tunnelTokenSecretName: tunnel-token\ngateway:\n  config:\n    routes:\n      wiki: http://10.0.0.5:8080\n',
      ),
      status: 'fail',
      messageIds: ['external-tunnel-domain-missing'],
      assert: (f) => expect(f[0]?.location).toMatchObject({ file: '/h/values.yaml', line: 4 }),
    },
    {
      name: 'a renewal window as long as the certificate',
      facts: facts(`${V2}serverCert:\n  renewBefore: 2160h\n`, { federationRule: rule() }),
      status: 'warn',
      messageIds: ['renew-before-range'],
    },
    {
      name: 'a values file that is not YAML',
      facts: baseFacts({ deployment: HELM, helmValues: yamlFact('/h/values.yaml', 'api:\n  wif: [\n') as Values }),
      status: 'fail',
      messageIds: ['values-invalid'],
    },
    {
      name: 'values.yaml is a directory',
      facts: baseFacts({
        deployment: HELM,
        helmValues: {
          state: 'unreadable',
          path: '/h/values.yaml',
          explicit: false,
          problem: 'is a directory, not a file',
        },
      }),
      status: 'fail',
      messageIds: ['values-unreadable'],
    },
    {
      name: 'values.yaml over the size bound: not checked',
      facts: baseFacts({
        deployment: HELM,
        helmValues: {
          state: 'unreadable',
          path: '/h/values.yaml',
          explicit: false,
          problem: 'is too large (3145728 bytes; the doctor reads at most 1048576)',
        },
      }),
      status: 'warn',
      messageIds: ['values-unreadable'],
    },
  ],
  skip: [
    {
      name: 'a Compose deployment',
      facts: baseFacts(),
      reason: 'needs the Helm values: none was found; given by --values FILE',
    },
    {
      name: 'an unreadable values file',
      facts: baseFacts({
        deployment: HELM,
        helmValues: { state: 'unreadable', path: '/h/values.yaml', explicit: false, problem: 'permission denied' },
      }),
      reason: 'permission denied',
    },
  ],
});
