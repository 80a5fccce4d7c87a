// The running deployment in a few lines, for the report: whether the containers were inspected
// (and why not), their states, cloudflared's connection count and where the probes ran. Pure:
// made from the facts, so a replay reports the same; nothing secret is in the facts it reads.

import type { Facts } from './facts.js';
import { describeOrigin } from './fact-sources.js';
import type { RuntimeSummary } from './types.js';
import { readyConnections, transportInUse } from '../model/cloudflared-metrics.js';

/** Null on an --offline run or a replay of facts gathered before the runtime existed. */
export function summarizeRuntime(facts: Readonly<Facts>): RuntimeSummary | null {
  const live = facts.live;
  if (facts.offline || !live) return null;
  const rt = live.runtime ?? null;
  const metrics = live.metrics ?? null;
  return {
    inspected: rt !== null,
    reason: rt === null ? (live.runtimeSkipped ?? 'not gathered') : null,
    engine: rt ? { endpoint: rt.endpoint, version: rt.engineVersion, project: rt.project } : null,
    containers: (rt?.containers ?? []).map((c) => ({
      service: c.service,
      name: c.name,
      status: c.state.status,
      restartCount: c.restartCount,
      startedAt: c.state.startedAt,
    })),
    tunnel: {
      connections: metrics && (metrics.ready.value || metrics.metrics.value) ? readyConnections(metrics) : null,
      transport: metrics ? transportInUse(metrics) : null,
      metricsUrl: metrics?.baseUrl ?? null,
      metricsFrom: metrics ? describeOrigin(metrics.from) : null,
      reason: metrics ? null : (live.metricsSkipped ?? 'not gathered'),
    },
    probesFrom: { proxy: describeOrigin(live.proxyFrom), upstreams: describeOrigin(live.upstreamsFrom) },
    logs: (live.containerLogs?.read ?? []).map((r) => ({ container: r.container, lines: r.lines })),
  };
}
