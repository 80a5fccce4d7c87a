// Reads cloudflared's own view from its metrics server: /ready, /metrics and /diag/tunnel, in
// parallel, each under the deadline and a 1 MiB cap, through the one HTTP GET (loopback guard
// included). Every bad answer (a stall, a reset, a 500, garbage, a huge body) becomes a typed
// failure on that endpoint; nothing throws.

import type { FetchFailureKind } from '../core/live-facts.js';
import type { CloudflaredMetricsFacts, MetricsEndpointFacts, ProbeOrigin } from '../core/runtime-facts.js';
import type { MetricsCandidate, Problem } from '../model/cloudflared-metrics.js';
import { parseCloudflaredMetrics, parseDiagTunnel, parseReady } from '../model/cloudflared-metrics.js';
import { httpGet } from './http-metadata.js';

const MAX_ANSWER_BYTES = 1024 * 1024;

export interface MetricsReadOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where the reads run from (recorded in the facts; entering a namespace is the caller's part). */
  from: ProbeOrigin;
}

type EndpointFailure = NonNullable<MetricsEndpointFacts<unknown>['failure']>;

function endpointFailure(kind: FetchFailureKind): EndpointFailure {
  if (kind === 'redirect') return 'http-status';
  if (kind === 'not-json' || kind === 'not-probed') return 'bad-answer';
  return kind;
}

async function readEndpoint<T extends object>(
  url: string,
  opts: MetricsReadOptions,
  parse: (status: number, body: string) => T | Problem,
  accept: { mediaType: string; statuses?: readonly number[] },
): Promise<MetricsEndpointFacts<T>> {
  const r = await httpGet(url, {
    timeoutMs: opts.timeoutMs,
    parent: opts.signal,
    maxBytes: MAX_ANSWER_BYTES,
    headers: { accept: accept.mediaType },
    acceptStatuses: accept.statuses,
  });
  const common = { url: r.url, httpStatus: r.status, latencyMs: r.latencyMs };
  if (!r.ok) return { ...common, ok: false, failure: endpointFailure(r.failure), detail: r.detail, value: null };
  const value = parse(r.status, r.body.toString('utf8'));
  if ('problem' in value)
    return { ...common, ok: false, failure: 'bad-answer', detail: `${r.url}: ${value.problem}`, value: null };
  return { ...common, ok: true, failure: null, detail: null, value };
}

/** cloudflared's three answers at `baseUrl` (http://HOST:PORT). */
export async function readCloudflaredMetrics(
  baseUrl: string,
  opts: MetricsReadOptions & { addressSource: CloudflaredMetricsFacts['addressSource'] },
): Promise<CloudflaredMetricsFacts> {
  const base = baseUrl.replace(/\/+$/, '');
  const json = { mediaType: 'application/json' };
  const [ready, metrics, diag] = await Promise.all([
    readEndpoint(`${base}/ready`, opts, parseReady, { ...json, statuses: [503] }),
    // The classic text format (what promhttp sends without an OpenMetrics Accept).
    readEndpoint(`${base}/metrics`, opts, (_, body) => parseCloudflaredMetrics(body), {
      mediaType: 'text/plain;version=0.0.4',
    }),
    readEndpoint(`${base}/diag/tunnel`, opts, (_, body) => parseDiagTunnel(body), json),
  ]);
  return {
    baseUrl: base,
    addressSource: opts.addressSource,
    from: opts.from,
    latencyMs: Math.max(ready.latencyMs, metrics.latencyMs, diag.latencyMs),
    ready,
    metrics,
    // Releases before /diag existed answer 404: the endpoint is absent, not failing.
    diagTunnel: diag.httpStatus === 404 ? null : diag,
  };
}

const SOURCE_WORDS: Record<MetricsCandidate['source'], string> = {
  flag: 'the --metrics given to the doctor',
  command: "--metrics in cloudflared's command",
  env: "TUNNEL_METRICS in cloudflared's environment",
  scan: "cloudflared's default ports",
};

/** Whether a candidate is the metrics server: a default port must say cloudflared's words, a named address only answer. */
function answered(facts: CloudflaredMetricsFacts): boolean {
  if (facts.addressSource === 'scan') return facts.ready.ok || facts.metrics.ok;
  return facts.ready.httpStatus !== null || facts.metrics.httpStatus !== null;
}

/**
 * Tries the candidates in order (metricsCandidates gives them) and returns the first metrics
 * server that answers, or why none was read, naming where it looked.
 */
export async function findMetricsServer(
  candidates: readonly MetricsCandidate[],
  opts: MetricsReadOptions,
): Promise<CloudflaredMetricsFacts | { skipped: string }> {
  if (candidates.length === 0) return { skipped: 'no metrics address to try (the one given is not HOST:PORT)' };
  const tried: string[] = [];
  for (const c of candidates) {
    if (opts.signal?.aborted) break;
    const facts = await readCloudflaredMetrics(c.baseUrl, { ...opts, addressSource: c.source });
    if (answered(facts)) return facts;
    tried.push(`${c.baseUrl} (${facts.metrics.failure ?? 'not cloudflared'})`);
  }
  const where =
    opts.from.kind === 'container' ? ` in the network namespace of ${opts.from.container}` : ' from this host';
  const sources = [...new Set(candidates.map((c) => SOURCE_WORDS[c.source]))].join(', ');
  return {
    skipped: `cloudflared's metrics server did not answer${where} at ${tried.join(', ') || 'no address'} (from ${sources})`,
  };
}
