// What `mcp-tunnel __in-namespace <task>` can do inside another network namespace (entered by
// src/probes/network-namespace.ts): each task takes the JSON payload the parent sent and the time
// it has, and answers with plain JSON data. Tasks are probes: a failure is an answer, not a throw.

import type { Facts } from '../core/facts.js';
import type { LiveFactName } from '../core/requirements.js';
import type { CloudflaredMetricsFacts, ProbeOrigin } from '../core/runtime-facts.js';
import type { MetricsCandidate } from '../model/cloudflared-metrics.js';
import { findMetricsServer } from './cloudflared-metrics.js';
import { gatherLiveFacts, type NetworkOptions } from './live.js';
import { probeTcp } from './tcp-connect.js';

export type NamespaceTask = (payload: unknown, timeoutMs: number) => Promise<unknown>;

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

/** {host, port} -> the probeTcp outcome: does anything accept connections there, seen from inside? */
async function tcpConnect(payload: unknown, timeoutMs: number): Promise<unknown> {
  const host = field(payload, 'host');
  const port = field(payload, 'port');
  if (typeof host !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error('tcp-connect needs {host: string, port: 1-65535}');
  return probeTcp(host, port, timeoutMs);
}

/**
 * {facts, net} -> LiveFacts: the groups of probes `net.plan` names (the proxy listener, the
 * upstreams, their documents), run from inside the namespace exactly as from the host.
 */
async function liveGroups(payload: unknown, timeoutMs: number): Promise<unknown> {
  const facts = field(payload, 'facts');
  const net = field(payload, 'net') as (Omit<NetworkOptions, 'plan'> & { plan?: unknown }) | undefined;
  if (typeof facts !== 'object' || facts === null || typeof net !== 'object' || !Array.isArray(net.plan))
    throw new Error('live needs {facts, net: {plan: [...]}}');
  const plan = new Set(net.plan.filter((g): g is LiveFactName => typeof g === 'string'));
  const budgetMs = Math.min(net.budgetMs, timeoutMs);
  return gatherLiveFacts(facts as Facts, { ...net, budgetMs, plan });
}

/** {candidates, timeoutMs, from} -> cloudflared's metrics facts, or where it looked. */
async function metricsServer(
  payload: unknown,
  timeoutMs: number,
): Promise<CloudflaredMetricsFacts | { skipped: string }> {
  const candidates = field(payload, 'candidates');
  const from = field(payload, 'from');
  const perRead = field(payload, 'timeoutMs');
  if (!Array.isArray(candidates) || typeof from !== 'object' || from === null || typeof perRead !== 'number')
    throw new Error('metrics needs {candidates: [...], timeoutMs, from}');
  const signal = AbortSignal.timeout(timeoutMs);
  return findMetricsServer(candidates as MetricsCandidate[], {
    timeoutMs: Math.min(perRead, timeoutMs),
    signal,
    from: from as ProbeOrigin,
  });
}

/** {tasks: [{task, payload}...]} -> their answers in order, run at once: one process for several jobs. */
async function batch(payload: unknown, timeoutMs: number): Promise<unknown[]> {
  const tasks = field(payload, 'tasks');
  if (!Array.isArray(tasks)) throw new Error('batch needs {tasks: [{task, payload}]}');
  return Promise.all(
    tasks.map((t) => {
      const name = field(t, 'task');
      const run = typeof name === 'string' && name !== 'batch' ? NAMESPACE_TASKS[name] : undefined;
      if (!run) throw new Error(`batch: no task ${String(name)}`);
      return run(field(t, 'payload'), timeoutMs);
    }),
  );
}

export const NAMESPACE_TASKS: Readonly<Record<string, NamespaceTask>> = {
  'tcp-connect': tcpConnect,
  live: liveGroups,
  metrics: metricsServer,
  batch,
};
