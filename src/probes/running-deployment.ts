// A live run beside a running deployment: the Docker Engine API first (which containers, which
// is the proxy, its network namespace), then, all at once: the edge probes from this host; the
// proxy listener, upstream and well-known document probes from inside the proxy's network
// namespace (where the proxy itself dials, with the container's resolver) when the doctor may
// enter it, else from this host; cloudflared's metrics server, found in that same namespace; and
// the containers' last log lines through the log matcher. Without a Docker engine, this is
// gatherLiveFacts alone, and the reasons say what was not inspected and why.

import { performance } from 'node:perf_hooks';
import type { Facts } from '../core/facts.js';
import type { LiveFacts, ProbeRun } from '../core/live-facts.js';
import { FULL_PLAN, NOT_PLANNED } from '../core/probe-plan.js';
import type { LiveFactName } from '../core/requirements.js';
import type {
  CloudflaredMetricsFacts,
  ContainerLogFacts,
  DockerRuntimeFacts,
  ProbeOrigin,
} from '../core/runtime-facts.js';
import { metricsCandidates } from '../model/cloudflared-metrics.js';
import { runtimeRoles } from '../model/runtime-roles.js';
import { readBounded } from './bounded-file.js';
import { findMetricsServer } from './cloudflared-metrics.js';
import { gatherContainerLogs } from './container-logs.js';
import { startDeadline } from './deadline.js';
import { dockerEndpoint } from './docker-engine.js';
import { gatherDockerRuntime } from './docker-runtime.js';
import { gatherLiveFacts, type NetworkOptions } from './live.js';
import { runInNetworkNamespace } from './network-namespace.js';

export interface RuntimeOptions {
  /** auto: inspect when the Docker socket answers; docker: the caller insists; none: never. */
  mode: 'auto' | 'docker' | 'none';
  /** Last lines of each container's log to match; 0 reads none. */
  logLines: number;
  /** --metrics host:port, read from this host. */
  metrics?: string;
  env: NodeJS.ProcessEnv;
}

/** The live facts, and (with --runtime docker) why the runtime could not be inspected. */
export interface RunningDeploymentFacts {
  live: LiveFacts;
  runtimeProblem: string | null;
}

/** Groups that mean something only from where the proxy runs: its listener, its upstreams, their documents. */
const PROXY_SIDE: readonly LiveFactName[] = [
  'live.proxy',
  'live.upstreams',
  'live.oauthMetadata',
  'live.resourceMetadata',
];

/** The runtime groups are planned with any other live group, unless --runtime none. */
export function withRuntimeGroups(plan: ReadonlySet<LiveFactName>, rt: RuntimeOptions): Set<LiveFactName> {
  const out = new Set(plan);
  if (rt.mode === 'none' || plan.size === 0) {
    for (const k of ['live.runtime', 'live.containerLogs'] as const) out.delete(k);
    return out;
  }
  out.add('live.runtime');
  if (rt.logLines > 0) out.add('live.containerLogs');
  else out.delete('live.containerLogs');
  return out;
}

/** The nameservers of the container's resolv.conf (Docker's 127.0.0.11 on a user-defined network). */
function containerNameservers(pid: number): string[] {
  const read = readBounded(`/proc/${pid}/root/etc/resolv.conf`, false, 64 * 1024);
  if (read.state !== 'ok') return [];
  const servers: string[] = [];
  for (const line of read.bytes.toString('utf8').split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) servers.push(m[1]);
  }
  return servers;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The static facts alone (what a probe in the namespace needs to plan and judge its probes). */
function staticPart(facts: Readonly<Facts>): Facts {
  const { live: _live, ...rest } = facts;
  return rest as Facts;
}

export async function gatherRunningDeployment(
  facts: Readonly<Facts>,
  net: NetworkOptions,
  rt: RuntimeOptions,
): Promise<RunningDeploymentFacts> {
  const started = performance.now();
  const plan = net.plan ?? FULL_PLAN;
  const budget = startDeadline(net.budgetMs);
  const runs: ProbeRun[] = [];
  const track = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      runs.push({ name, startedMs: round(t0 - started), durationMs: round(performance.now() - t0) });
    }
  };
  try {
    // 1. The Engine API: which containers, and the proxy's namespace.
    let runtime: DockerRuntimeFacts | null = null;
    let runtimeSkipped: string | null = NOT_PLANNED;
    let pids: Record<string, number> = {};
    if (plan.has('live.runtime')) {
      const got = await track('docker engine', () =>
        gatherDockerRuntime(facts, { env: rt.env, timeoutMs: net.timeoutMs, signal: budget.signal }),
      );
      if ('skipped' in got) runtimeSkipped = got.skipped;
      else {
        runtime = got.runtime;
        pids = got.pids;
        runtimeSkipped = null;
      }
    } else if (rt.mode === 'none') runtimeSkipped = '--runtime none: the running containers were not inspected';
    const composeData = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
    const roles = runtime ? runtimeRoles(runtime, composeData) : { proxy: null, cloudflared: null };
    const proxyPid = roles.proxy && roles.proxy.state.running ? pids[roles.proxy.name] : undefined;
    // cloudflared's metrics server is in cloudflared's namespace: the proxy's, unless cloudflared
    // was left in the namespace of a proxy that has since restarted.
    const cloudflaredPid =
      roles.cloudflared && roles.cloudflared.state.running ? pids[roles.cloudflared.name] : undefined;

    // 2. The proxy-side probes inside the proxy's namespace, and the metrics inside cloudflared's,
    //    each when its container runs and the doctor may enter it (one child process per group).
    let origin: ProbeOrigin = { kind: 'host' };
    let notEntered: string | null = null;
    if (runtime && roles.proxy && proxyPid === undefined)
      notEntered = `the ${roles.proxy.service} container is not running`;
    else if (runtime && !roles.proxy) notEntered = 'no proxy container was found in the project';
    const nsGroups = PROXY_SIDE.filter((g) => plan.has(g));
    const wantMetrics = plan.has('live.metrics');
    const opts = { timeoutMs: net.budgetMs, signal: budget.signal };
    const proxy = roles.proxy;
    const cloudflared = roles.cloudflared;
    const [liveAnswer, metricsAnswer] = await Promise.all([
      proxy && proxyPid !== undefined && nsGroups.length > 0
        ? track(`namespace of ${proxy.name}: proxy-side probes`, () => {
            const dnsServers = net.dnsServers.length > 0 ? net.dnsServers : containerNameservers(proxyPid);
            const inner = { ...net, plan: nsGroups, dnsServers, apiKey: undefined };
            return runInNetworkNamespace(proxyPid, 'live', { facts: staticPart(facts), net: inner }, opts);
          })
        : null,
      cloudflared && cloudflaredPid !== undefined && wantMetrics && rt.metrics === undefined
        ? track(`namespace of ${cloudflared.name}: cloudflared metrics`, () => {
            const from: ProbeOrigin = { kind: 'container', container: cloudflared.name, service: cloudflared.service };
            const payload = { candidates: metricsCandidates(cloudflared, null), timeoutMs: net.timeoutMs, from };
            return runInNetworkNamespace(cloudflaredPid, 'metrics', payload, opts);
          })
        : null,
    ]);
    let nsLive: Partial<LiveFacts> | null = null;
    if (liveAnswer?.ok && proxy) {
      nsLive = liveAnswer.value as Partial<LiveFacts>;
      origin = { kind: 'container', container: proxy.name, service: proxy.service };
    } else if (liveAnswer && !liveAnswer.ok) notEntered = liveAnswer.detail;
    const nsMetrics = metricsAnswer?.ok ? (metricsAnswer.value as CloudflaredMetricsFacts | { skipped: string }) : null;
    const metricsNotEntered = metricsAnswer && !metricsAnswer.ok ? metricsAnswer.detail : null;
    if (notEntered !== null) origin = { kind: 'host', why: notEntered };

    // 3. The rest from this host: the edge, whatever the namespace did not give, the metrics by
    //    --metrics or a scan of this host's loopback, and the logs.
    const hostPlan = new Set<LiveFactName>([...plan].filter((g) => !(nsLive !== null && nsGroups.includes(g))));
    const hostMetrics =
      wantMetrics && nsMetrics === null
        ? track('cloudflared metrics from this host', () =>
            findMetricsServer(metricsCandidates(roles.cloudflared, rt.metrics ?? null), {
              timeoutMs: net.timeoutMs,
              signal: budget.signal,
              from: metricsNotEntered ? { kind: 'host', why: metricsNotEntered } : { kind: 'host' },
            }),
          )
        : Promise.resolve(nsMetrics);
    const engine = dockerEndpoint(rt.env);
    const logs: Promise<ContainerLogFacts | null> =
      runtime && plan.has('live.containerLogs') && !('problem' in engine)
        ? track('container logs', () =>
            gatherContainerLogs(engine, runtime.containers, {
              maxLines: rt.logLines,
              timeoutMs: net.timeoutMs,
              signal: budget.signal,
            }),
          )
        : Promise.resolve(null);
    const [hostLive, metrics, containerLogs] = await Promise.all([
      gatherLiveFacts(facts, { ...net, plan: hostPlan }),
      hostMetrics,
      logs,
    ]);

    const live: LiveFacts = { ...hostLive };
    if (nsLive) {
      live.proxy = nsLive.proxy ?? null;
      live.proxySkipped = nsLive.proxySkipped ?? null;
      live.upstreams = nsLive.upstreams ?? null;
      live.upstreamsSkipped = nsLive.upstreamsSkipped ?? null;
      live.oauthMetadata = nsLive.oauthMetadata ?? null;
      live.resourceMetadata = nsLive.resourceMetadata ?? null;
      live.oauthSkipped = nsLive.oauthSkipped ?? null;
      const inNs = (nsLive.probes ?? []).map((p) => ({ ...p, name: `${p.name} (in the proxy's namespace)` }));
      live.probes = [...live.probes, ...inNs];
      live.budgetExhausted = live.budgetExhausted || Boolean(nsLive.budgetExhausted);
    }
    live.proxyFrom = nsLive
      ? origin
      : { kind: 'host', ...(origin.kind === 'host' && origin.why ? { why: origin.why } : {}) };
    live.upstreamsFrom = live.proxyFrom;
    live.runtime = runtime;
    live.runtimeSkipped = runtimeSkipped;
    if (metrics === null) {
      live.metrics = null;
      live.metricsSkipped = wantMetrics ? (metricsNotEntered ?? 'no metrics server was looked for') : NOT_PLANNED;
    } else if ('skipped' in metrics) {
      live.metrics = null;
      live.metricsSkipped = metrics.skipped;
    } else {
      live.metrics = metrics;
      live.metricsSkipped = null;
    }
    live.containerLogs = containerLogs;
    live.containerLogsSkipped = containerLogs
      ? null
      : !plan.has('live.containerLogs')
        ? rt.logLines === 0
          ? '--log-lines 0: no log line was read'
          : NOT_PLANNED
        : (runtimeSkipped ?? 'the containers were not inspected');
    live.probes = [...live.probes, ...runs].sort((a, b) => a.startedMs - b.startedMs);
    live.durationMs = round(performance.now() - started);
    const runtimeProblem = rt.mode === 'docker' && runtime === null ? runtimeSkipped : null;
    return { live, runtimeProblem };
  } finally {
    budget.dispose();
  }
}
