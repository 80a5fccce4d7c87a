// cloudflared's metrics server answers from fixtures/cloudflared/<scenario>, read raw (for the
// HTTP servers that stand in for cloudflared) and through the parser (for the check tests, so a
// parser change shows in them), and the CloudflaredMetricsFacts a probe would make of them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CloudflaredMetricsFacts,
  CloudflaredMetricsValues,
  ContainerFacts,
  DiagTunnelValues,
  DockerRuntimeFacts,
  ReadyAnswer,
} from '../../src/core/runtime-facts.js';
import { parseCloudflaredMetrics, parseDiagTunnel, parseReady } from '../../src/model/cloudflared-metrics.js';
import { cloudflaredContainer, runtimeFacts } from '../harness/runtime-facts.js';

export type CloudflaredScenario = 'healthy' | 'degraded' | 'down' | 'origin-failing';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'cloudflared');

export interface RawAnswers {
  readyStatus: number;
  ready: string;
  metrics: string;
  diagTunnel: string;
}

export function rawAnswers(scenario: CloudflaredScenario): RawAnswers {
  const read = (file: string) => readFileSync(join(FIXTURES, scenario, file), 'utf8');
  return {
    readyStatus: Number(read('ready.status').trim()),
    ready: read('ready.json'),
    metrics: read('metrics.txt'),
    diagTunnel: read('diag-tunnel.json'),
  };
}

function parsed<T extends object>(value: T | { problem: string }, what: string): T {
  if ('problem' in value) throw new Error(`${what}: ${value.problem}`);
  return value;
}

export function fixtureAnswers(scenario: CloudflaredScenario): {
  readyStatus: number;
  ready: ReadyAnswer;
  metrics: CloudflaredMetricsValues;
  diag: DiagTunnelValues;
} {
  const raw = rawAnswers(scenario);
  return {
    readyStatus: raw.readyStatus,
    ready: parsed(parseReady(raw.readyStatus, raw.ready), `${scenario}/ready.json`),
    metrics: parsed(parseCloudflaredMetrics(raw.metrics), `${scenario}/metrics.txt`),
    diag: parsed(parseDiagTunnel(raw.diagTunnel), `${scenario}/diag-tunnel.json`),
  };
}

const BASE = 'http://127.0.0.1:20241';

function endpoint<T>(path: string, httpStatus: number, value: T) {
  return { url: `${BASE}${path}`, ok: true, failure: null, detail: null, httpStatus, value, latencyMs: 2 };
}

/** What readCloudflaredMetrics makes of a scenario's answers; `change` edits the parsed values. */
export function metricsFacts(
  scenario: CloudflaredScenario,
  change: (a: ReturnType<typeof fixtureAnswers>) => void = () => undefined,
): CloudflaredMetricsFacts {
  const a = fixtureAnswers(scenario);
  change(a);
  return {
    baseUrl: BASE,
    addressSource: 'scan',
    from: { kind: 'container', container: 'mcp-proxy-1', service: 'mcp-proxy' },
    latencyMs: 3,
    ready: endpoint('/ready', a.readyStatus, a.ready),
    metrics: endpoint('/metrics', 200, a.metrics),
    diagTunnel: endpoint('/diag/tunnel', 200, a.diag),
  };
}

/** A running Compose project with one cloudflared container; `over` changes its facts. */
export function runtimeWithCloudflared(over: Partial<ContainerFacts> = {}): DockerRuntimeFacts {
  return runtimeFacts({ containers: [cloudflaredContainer({ imageVersion: null, ...over })] });
}

/** A metrics server that stalled on every endpoint. */
export function unreadableMetrics(): CloudflaredMetricsFacts {
  const stalled = (path: string) => ({
    url: `${BASE}${path}`,
    ok: false,
    failure: 'timeout' as const,
    detail: `no answer from 127.0.0.1:20241 within 5000 ms`,
    httpStatus: null,
    value: null,
    latencyMs: 5000,
  });
  return {
    ...metricsFacts('healthy'),
    ready: stalled('/ready'),
    metrics: stalled('/metrics'),
    diagTunnel: stalled('/diag/tunnel'),
  };
}
