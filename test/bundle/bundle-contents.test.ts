// What the bundle is made of, member by member: the runtime's facts (containers, cloudflared's
// metrics, the containers' log matches) go in when the doctor gathered them; the allowlist keeps
// known values, hashes only high-entropy secrets, and turns unknown values into type and length.

import { describe, expect, it } from 'vitest';
import { bundleMembers } from '../../src/bundle/contents.js';
import { sanitiseDocument, sanitiseDotenv } from '../../src/bundle/sanitise-files.js';
import type { CloudflaredMetricsFacts, ContainerLogFacts, DockerRuntimeFacts } from '../../src/core/runtime-facts.js';
import type { LiveFacts } from '../../src/core/live-facts.js';
import type { DoctorReport } from '../../src/core/types.js';
import { tokenFingerprint } from '../../src/model/tunnel-token.js';
import { baseFacts } from '../harness/facts.js';
import { tunnelToken } from '../redaction/secret-shapes.js';

const report: DoctorReport = {
  schemaVersion: 1,
  tool: { name: 'mcp-tunnel', version: '0.1.0' },
  verdict: 'pass',
  durationMs: 1,
  summary: { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 },
  results: [],
} as unknown as DoctorReport;

const endpoint = <T>(value: T) => ({
  url: 'http://127.0.0.1:20241/x',
  ok: true,
  failure: null,
  detail: null,
  httpStatus: 200,
  value,
  latencyMs: 3,
});

const metrics: CloudflaredMetricsFacts = {
  baseUrl: 'http://127.0.0.1:20241',
  addressSource: 'env',
  from: { kind: 'host' },
  latencyMs: 5,
  ready: endpoint({ status: 200, readyConnections: 4, connectorId: 'c0ffee00-0000-4000-8000-000000000001' }),
  metrics: endpoint({
    haConnections: 4,
    registerFailures: [],
    registerSuccesses: 4,
    serverLocations: [],
    totalRequests: 12,
    requestErrors: 0,
    responsesByCode: { '200': 12 },
    quicSeries: true,
    build: { version: '2026.8.2', goVersion: 'go1.24', type: null, revision: null },
  }),
  diagTunnel: null,
};

const runtime = {
  engine: 'docker',
  endpoint: 'unix:///var/run/docker.sock',
  engineVersion: '20.10.24',
  project: 'deploy',
  projectSource: 'working-dir',
  containers: [],
  servicesWithoutContainer: [],
  fileTimes: [],
  filesTokenFingerprint: null,
  latencyMs: 4,
} as DockerRuntimeFacts;

const containerLogs: ContainerLogFacts = {
  read: [{ container: 'deploy_cloudflared_1', service: 'cloudflared', lines: 40, since: null, problem: null }],
  maxLines: 2000,
  latencyMs: 9,
  matches: [
    {
      id: 'tunnel-token',
      signature: 'cloudflared-invalid-secret',
      severity: 'error',
      count: 2,
      container: 'deploy_cloudflared_1',
      service: 'cloudflared',
      firstLine: 3,
      lastLine: 9,
      firstTime: null,
      lastTime: null,
      example: 'ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret"',
      symptom: 's',
      cause: 'c',
      fix: 'f',
      detail: null,
    },
  ],
};

function inputs(live?: Partial<LiveFacts>) {
  return {
    facts: baseFacts(live ? { live: live as LiveFacts } : {}),
    report,
    reportMarkdown: '# report\n',
    logs: null,
    correlated: null,
    version: '0.1.0',
    createdAt: new Date('2026-11-25T12:00:00Z'),
    window: null,
    since: null,
    host: { node: 'v20.0.0', os: 'Linux 6 x64' },
  };
}

function member(built: ReturnType<typeof bundleMembers>, name: string): any {
  if (!('members' in built)) throw new Error(`leaks in ${built.leaks.join(', ')}`);
  const m = built.members.find((x) => x.name === name);
  return m ? JSON.parse(Buffer.from(m.bytes).toString('utf8')) : undefined;
}

describe('bundle members from the runtime facts', () => {
  it('includes cloudflared metrics, the containers log matches and the Docker and cloudflared versions', () => {
    const built = bundleMembers(inputs({ runtime, metrics, containerLogs }));
    expect(member(built, 'cloudflared/metrics.json').ready.value.readyConnections).toBe(4);
    expect(member(built, 'logs.json').containers.matches[0].id).toBe('tunnel-token');
    expect(member(built, 'versions.json')).toMatchObject({ docker: '20.10.24', cloudflared: '2026.8.2' });
  });

  it('leaves them out when the doctor did not gather them (offline)', () => {
    const built = bundleMembers(inputs());
    expect(member(built, 'cloudflared/metrics.json')).toBeUndefined();
    expect(member(built, 'logs.json')).toEqual({ files: null, containers: null, correlated: null });
    expect(member(built, 'versions.json')).toMatchObject({ docker: null, cloudflared: null });
  });
});

describe('files sanitised by allowlist', () => {
  it('keeps known values and references, hashes long secrets, hides short ones and unknown values', () => {
    const token = tunnelToken().token;
    const doc = {
      services: {
        cloudflared: {
          image: 'cloudflare/cloudflared:2026.8.2',
          command: `tunnel run --token=${token}`,
          environment: ['TUNNEL_METRICS=0.0.0.0:20241', 'DB_PASSWORD=hunter22', 'TUNNEL_TOKEN=${TUNNEL_TOKEN}'],
          labels: { team: 'platform' },
        },
      },
    };
    const { text, counts } = sanitiseDocument(doc, 'compose');
    expect(text).toContain('image: cloudflare/cloudflared:2026.8.2');
    expect(text).toContain('TUNNEL_METRICS=0.0.0.0:20241');
    expect(text).toContain('TUNNEL_TOKEN=${TUNNEL_TOKEN}');
    expect(text).toContain(
      `--token=[REDACTED] (secret, ${token.length} characters, sha256 ${tokenFingerprint(token).slice(0, 12)})`,
    );
    expect(text).toContain('DB_PASSWORD=[REDACTED] (secret, 8 characters)');
    expect(text).toContain('team: <string of 8 characters>');
    expect(text).not.toContain('hunter22');
    expect(counts).toMatchObject({ secretsFingerprinted: 1, secretsRemoved: 1, unknownValues: 1 });
  });

  it('writes .env as KEY=value lines with the same rules', () => {
    const { text } = sanitiseDotenv({ TUNNEL_DOMAIN: 'abcd1234.tunnel.example.com', COLOR: 'blue' });
    expect(text).toContain('TUNNEL_DOMAIN=abcd1234.tunnel.example.com\nCOLOR=<string of 4 characters>\n');
  });
});
