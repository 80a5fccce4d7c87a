// What cloudflared's metrics server says, reduced to plain data: /metrics (Prometheus text
// format 0.0.4, as promhttp writes it), /ready and /diag/tunnel; and where that server listens.
// Pure and bounded: a series cap, and garbage gives a problem, never a throw.
//
// The parser is ours: the one npm parser of this format (parse-prometheus-text-format) is a 2019
// code base republished unchanged in 2024, keeps values as strings and accepts `a banana` and an
// HTML page (as no metrics at all). The format is small; this follows the exposition spec strictly.

import type { ContainerFacts, CloudflaredMetricsFacts, CloudflaredMetricsValues } from '../core/runtime-facts.js';
import type { DiagTunnelValues, ReadyAnswer } from '../core/runtime-facts.js';
import { jsonNestsDeeper } from '../core/json-nesting.js';
import { argvFlag } from './cloudflared-args.js';

/** More series than cloudflared ever exposes (a few hundred); past it the answer is not cloudflared's. */
export const MAX_SERIES = 20_000;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Problem = { problem: string };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
// Sticky: matched at lastIndex, without copying the rest of the line.
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
// The classic format's types, and OpenMetrics' (should an endpoint answer in it).
const TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
  'gaugehistogram',
]);

/** Go's ParseFloat as the format uses it: decimal or exponent notation, NaN, +Inf, -Inf. */
function parseValue(text: string): number | null {
  if (/^[+-]?Inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^NaN$/i.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** `{a="x",b="y"}` from position 0 of `rest`: the labels and the length read, or the problem. */
function parseLabels(rest: string): { labels: Record<string, string>; length: number } | string {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (rest[i] === '}') return { labels, length: i + 1 };
    LABEL_NAME.lastIndex = i;
    const name = LABEL_NAME.exec(rest)?.[0];
    if (!name) return 'a label name was expected';
    i += name.length;
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (rest[i] !== '=') return `"=" was expected after label ${name}`;
    i++;
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (rest[i] !== '"') return `label ${name} has no quoted value`;
    i++;
    let value = '';
    for (;;) {
      const c = rest[i];
      if (c === undefined) return `the value of label ${name} is not closed`;
      if (c === '"') break;
      if (c === '\\') {
        const next = rest[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else return `label ${name} has an unknown escape \\${next ?? ''}`;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    if (Object.hasOwn(labels, name)) return `label ${name} appears twice`;
    labels[name] = value;
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (rest[i] === ',') i++;
    else if (rest[i] !== '}') return '"," or "}" was expected after a label';
  }
}

function parseSampleLine(line: string): Sample | string {
  const name = METRIC_NAME.exec(line)?.[0];
  if (!name) return 'a metric name was expected';
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (typeof parsed === 'string') return parsed;
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  if (!/^[ \t]/.test(rest)) return 'a space and a value were expected after the series';
  // An OpenMetrics exemplar (` # {trace_id="..."} 1`) follows the value; it is not part of the sample.
  const [valueText, timestamp, ...extra] = rest
    .replace(/[ \t]#[ \t].*$/, '')
    .trim()
    .split(/[ \t]+/);
  const value = parseValue(valueText ?? '');
  if (value === null) return `"${(valueText ?? '').slice(0, 40)}" is not a number`;
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) return 'the timestamp is not an integer';
  if (extra.length > 0) return 'text after the timestamp';
  return { name, labels, value };
}

/** Every sample of a Prometheus text exposition, or the first line that breaks the format. */
export function parseExposition(text: string, maxSeries = MAX_SERIES): Sample[] | Problem {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const where = `line ${index + 1}`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!meta) continue; // a plain comment (or OpenMetrics' # EOF)
      const [, keyword, metric = '', rest = ''] = meta;
      if (METRIC_NAME.exec(metric)?.[0] !== metric) return { problem: `${where}: "${metric}" is not a metric name` };
      if (keyword === 'TYPE' && !TYPES.has(rest.trim())) return { problem: `${where}: unknown type "${rest.trim()}"` };
      continue;
    }
    const sample = parseSampleLine(line.trim());
    if (typeof sample === 'string') return { problem: `${where}: ${sample}` };
    if (samples.length >= maxSeries) return { problem: `more than ${maxSeries} series: not cloudflared's metrics` };
    samples.push(sample);
  }
  return samples;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The series the checks read from cloudflared's /metrics, or why the text is not that. */
export function parseCloudflaredMetrics(text: string): CloudflaredMetricsValues | Problem {
  const samples = parseExposition(text);
  if (!Array.isArray(samples)) return samples;
  if (!samples.some((s) => s.name.startsWith('cloudflared_')))
    return { problem: 'no cloudflared_* series: this metrics endpoint is not cloudflared' };
  const one = (name: string): number | null => {
    const found = samples.filter((s) => s.name === name);
    return found.length === 0 ? null : finite(found.reduce((sum, s) => sum + s.value, 0));
  };
  const values: CloudflaredMetricsValues = {
    haConnections: one('cloudflared_tunnel_ha_connections'),
    registerFailures: [],
    registerSuccesses: one('cloudflared_tunnel_tunnel_register_success'),
    serverLocations: [],
    totalRequests: one('cloudflared_tunnel_total_requests'),
    requestErrors: one('cloudflared_tunnel_request_errors'),
    responsesByCode: {},
    quicSeries: samples.some((s) => s.name.startsWith('quic_client_')),
    build: null,
  };
  for (const s of samples) {
    if (s.name === 'cloudflared_tunnel_tunnel_register_fail' && s.value > 0)
      values.registerFailures.push({ error: s.labels.error ?? '', rpcName: s.labels.rpcName ?? '', count: s.value });
    // 1 is the connection's current location, 0 a location it left.
    else if (s.name === 'cloudflared_tunnel_server_locations' && s.value > 0)
      values.serverLocations.push({
        connectionId: s.labels.connection_id ?? '',
        edgeLocation: s.labels.edge_location ?? s.labels.location ?? '',
      });
    else if (s.name === 'cloudflared_tunnel_response_by_code' && s.labels.status_code !== undefined)
      values.responsesByCode[s.labels.status_code] = (values.responsesByCode[s.labels.status_code] ?? 0) + s.value;
    else if (s.name === 'build_info' && s.labels.version !== undefined)
      values.build = {
        version: s.labels.version,
        goVersion: s.labels.goversion ?? null,
        type: s.labels.type ?? null,
        revision: s.labels.revision ?? null,
      };
  }
  return values;
}

function parseJsonObject(body: string, what: string): { object: Record<string, unknown> } | Problem {
  if (jsonNestsDeeper(body)) return { problem: `${what} nests too deep` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: `${what} is not JSON: ${JSON.stringify(body.slice(0, 60))}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: `${what} is not a JSON object` };
  return { object: value as Record<string, unknown> };
}

/** /ready: 200 with at least one edge connection registered, 503 without, both with the same JSON. */
export function parseReady(httpStatus: number, body: string): ReadyAnswer | Problem {
  const parsed = parseJsonObject(body, `/ready (HTTP ${httpStatus})`);
  if ('problem' in parsed) return parsed;
  const { status, readyConnections, connectorId } = parsed.object;
  if (typeof readyConnections !== 'number' || !Number.isInteger(readyConnections) || readyConnections < 0)
    return { problem: '/ready has no readyConnections count' };
  return {
    status: typeof status === 'number' ? status : httpStatus,
    readyConnections,
    connectorId: typeof connectorId === 'string' ? connectorId : null,
  };
}

/** cloudflared's Protocol enum as Go encodes it: a number, 0 (HTTP/2) left out by omitempty. */
function diagProtocol(protocol: unknown): string {
  if (protocol === 1 || protocol === 'quic') return 'quic';
  if (protocol === undefined || protocol === 0 || protocol === 'http2') return 'http2';
  return typeof protocol === 'string' ? protocol : `unknown (${JSON.stringify(protocol)})`;
}

/**
 * /diag/tunnel. Go writes it with `omitempty` everywhere: connection index 0 has no `index`,
 * `protocol` is cloudflared's enum as a number (0 HTTP/2, left out; 1 QUIC), an empty list is left
 * out, and only connected connections are listed.
 */
export function parseDiagTunnel(body: string): DiagTunnelValues | Problem {
  const parsed = parseJsonObject(body, '/diag/tunnel');
  if ('problem' in parsed) return parsed;
  const json = parsed.object;
  const list = json.connections ?? [];
  if (!Array.isArray(list)) return { problem: '/diag/tunnel: connections is not a list' };
  const connections: DiagTunnelValues['connections'] = [];
  for (const c of list.slice(0, 64) as unknown[]) {
    if (typeof c !== 'object' || c === null) return { problem: '/diag/tunnel: a connection is not an object' };
    const { index, isConnected, protocol, edgeAddress } = c as Record<string, unknown>;
    connections.push({
      index: typeof index === 'number' ? index : 0,
      isConnected: isConnected === true,
      protocol: diagProtocol(protocol),
      edgeAddress: typeof edgeAddress === 'string' ? edgeAddress : null,
    });
  }
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return { tunnelId: text(json.tunnelID), connectorId: text(json.connectorID), connections };
}

/** The ports cloudflared tries, in order, when no --metrics is given. */
const DEFAULT_METRICS_PORTS = [20241, 20242, 20243, 20244, 20245] as const;

export interface MetricsCandidate {
  baseUrl: string;
  source: CloudflaredMetricsFacts['addressSource'];
}

/** `HOST:PORT` as --metrics takes it, as a base URL; a wildcard or empty host means this host. */
function metricsBaseUrl(address: string): string | null {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] ?? m[2] ?? '';
  if (host === '' || host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/**
 * Where cloudflared's metrics server listens, most certain first: the doctor's --metrics flag;
 * else --metrics in the container's command; else TUNNEL_METRICS in its environment; else the
 * ports cloudflared tries by default. An address that does not parse is left out.
 */
export function metricsCandidates(cloudflared: ContainerFacts | null, flag: string | null): MetricsCandidate[] {
  const from = (address: string | undefined, source: MetricsCandidate['source']): MetricsCandidate[] => {
    const baseUrl = address === undefined ? null : metricsBaseUrl(address);
    return baseUrl ? [{ baseUrl, source }] : [];
  };
  if (flag !== null) return from(flag, 'flag');
  const command = argvFlag(cloudflared?.argv ?? [], ['metrics']);
  if (command !== null) return from(command, 'command');
  const env = cloudflared?.env.TUNNEL_METRICS;
  if (env !== undefined) return from(env, 'env');
  return DEFAULT_METRICS_PORTS.map((port) => ({ baseUrl: `http://127.0.0.1:${port}`, source: 'scan' }));
}

/** How a finding names where cloudflared's answers came from. */
export function metricsSource(f: CloudflaredMetricsFacts): string {
  const where = f.from.kind === 'container' ? `, read in the network namespace of ${f.from.container}` : '';
  return `cloudflared's metrics server (${f.baseUrl}${where})`;
}

/** Why neither /ready nor /metrics gave an answer to judge, or null when one did. */
export function metricsUnread(f: CloudflaredMetricsFacts): string | null {
  if (f.ready.value || f.metrics.value) return null;
  return `${metricsSource(f)} gave no readable answer: ${f.metrics.detail ?? f.ready.detail ?? 'no detail'}`;
}

/** The edge connections cloudflared holds: /ready's count, else cloudflared_tunnel_ha_connections. */
export function readyConnections(f: CloudflaredMetricsFacts): number {
  return f.ready.value?.readyConnections ?? f.metrics.value?.haConnections ?? 0;
}

/** The transport cloudflared uses: /diag/tunnel's connected connections, else the quic_client_* series; null with no connection. */
export function transportInUse(m: CloudflaredMetricsFacts): 'quic' | 'http2' | null {
  const connected = (m.diagTunnel?.value?.connections ?? []).filter((c) => c.isConnected);
  if (connected.length > 0) return connected.some((c) => c.protocol === 'quic') ? 'quic' : 'http2';
  const count = readyConnections(m);
  if (count === 0 || !m.metrics.value) return null;
  return m.metrics.value.quicSeries ? 'quic' : 'http2';
}
