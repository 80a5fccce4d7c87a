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
  /** The containers' log lines from this time on only (ISO 8601; the bundle's window). */
  logsNotBefore?: string;
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
  'live.mcp',
  'live.oauthChain',
];

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
  return rest;
}

/** A namespace job's answers: the proxy-side live facts and the metrics, or why it did not run. */
interface NamespaceAnswers {
  live: Partial<LiveFacts> | null;
  liveFailed: string | null;
  metrics: CloudflaredMetricsFacts | { skipped: string } | null;
  metricsFailed: string | null;
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
    // 1. The Engine API: which containers, which is the proxy, which namespaces.
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
    const { proxy, cloudflared } = runtime ? runtimeRoles(runtime, composeData) : { proxy: null, cloudflared: null };
    const proxyPid = proxy?.state.running ? pids[proxy.name] : undefined;
    // cloudflared's metrics server is in cloudflared's namespace: the proxy's, unless cloudflared
    // was left in the namespace of a proxy that has since restarted.
    const cloudflaredPid = cloudflared?.state.running ? pids[cloudflared.name] : undefined;
    const nsGroups = PROXY_SIDE.filter((g) => plan.has(g));
    const wantMetrics = plan.has('live.metrics');
    let notEntered: string | null = null;
    if (runtime && proxy && proxyPid === undefined) notEntered = `the ${proxy.service} container is not running`;
    else if (runtime && !proxy) notEntered = 'no proxy container was found in the project';

    // 2. All at once: the edge (and the vendor API) from this host, the containers' logs, and the
    //    jobs in the namespaces (one child process for both when cloudflared is in the proxy's).
    const tryNamespace = proxy !== null && proxyPid !== undefined && nsGroups.length > 0;
    const hostPlan = new Set<LiveFactName>([...plan].filter((g) => !(tryNamespace && nsGroups.includes(g))));
    const hostLiveP = gatherLiveFacts(facts, { ...net, plan: hostPlan });
    const engine = dockerEndpoint(rt.env);
    const logsP: Promise<ContainerLogFacts | null> =
      runtime && plan.has('live.containerLogs') && !('problem' in engine)
        ? track('container logs', () =>
            gatherContainerLogs(engine, runtime.containers, {
              maxLines: rt.logLines,
              timeoutMs: net.timeoutMs,
              signal: budget.signal,
              ...(rt.logsNotBefore !== undefined ? { notBefore: rt.logsNotBefore } : {}),
            }),
          )
        : Promise.resolve(null);
    const liveTask =
      tryNamespace && proxyPid !== undefined
        ? {
            task: 'live',
            payload: {
              facts: staticPart(facts),
              net: {
                ...net,
                plan: nsGroups,
                dnsServers: net.dnsServers.length > 0 ? net.dnsServers : containerNameservers(proxyPid),
                apiKey: undefined,
              },
            },
          }
        : null;
    const metricsTask =
      cloudflared && cloudflaredPid !== undefined && wantMetrics && rt.metrics === undefined
        ? {
            task: 'metrics',
            payload: {
              candidates: metricsCandidates(cloudflared, null),
              timeoutMs: net.timeoutMs,
              from: { kind: 'container', container: cloudflared.name, service: cloudflared.service } as ProbeOrigin,
            },
          }
        : null;
    const sameNamespace =
      proxy?.netNamespace != null && proxy.netNamespace === cloudflared?.netNamespace && liveTask && metricsTask;
    const opts = { timeoutMs: net.budgetMs, signal: budget.signal };
    const unanswered = (detail: string | null): NamespaceAnswers => ({
      live: null,
      liveFailed: liveTask ? detail : null,
      metrics: null,
      metricsFailed: metricsTask ? detail : null,
    });
    const nsP: Promise<NamespaceAnswers> = (async () => {
      if (sameNamespace && proxyPid !== undefined && proxy) {
        const answer = await track(`namespace of ${proxy.name}: proxy-side probes and cloudflared metrics`, () =>
          runInNetworkNamespace(proxyPid, 'batch', { tasks: [liveTask, metricsTask] }, opts),
        );
        if (!answer.ok) return unanswered(answer.detail);
        const [live, metrics] = answer.value as [unknown, unknown];
        return {
          live: live as Partial<LiveFacts>,
          liveFailed: null,
          metrics: metrics as CloudflaredMetricsFacts | { skipped: string },
          metricsFailed: null,
        };
      }
      const [live, metrics] = await Promise.all([
        liveTask && proxyPid !== undefined && proxy
          ? track(`namespace of ${proxy.name}: proxy-side probes`, () =>
              runInNetworkNamespace(proxyPid, liveTask.task, liveTask.payload, opts),
            )
          : null,
        metricsTask && cloudflaredPid !== undefined && cloudflared
          ? track(`namespace of ${cloudflared.name}: cloudflared metrics`, () =>
              runInNetworkNamespace(cloudflaredPid, metricsTask.task, metricsTask.payload, opts),
            )
          : null,
      ]);
      return {
        live: live?.ok ? (live.value as Partial<LiveFacts>) : null,
        liveFailed: live && !live.ok ? live.detail : null,
        metrics: metrics?.ok ? (metrics.value as CloudflaredMetricsFacts | { skipped: string }) : null,
        metricsFailed: metrics && !metrics.ok ? metrics.detail : null,
      };
    })();

    // 3. What the namespaces could not give comes from this host: the proxy-side probes (said so,
    //    with why), the metrics from --metrics or this host's loopback.
    const ns = await nsP;
    if (ns.liveFailed !== null) notEntered = ns.liveFailed;
    const fallbackP =
      tryNamespace && ns.live === null
        ? gatherLiveFacts(facts, { ...net, plan: new Set(nsGroups) })
        : Promise.resolve(null);
    const metricsP: Promise<CloudflaredMetricsFacts | { skipped: string } | null> =
      wantMetrics && ns.metrics === null
        ? track('cloudflared metrics from this host', () =>
            findMetricsServer(metricsCandidates(cloudflared, rt.metrics ?? null), {
              timeoutMs: net.timeoutMs,
              signal: budget.signal,
              from: ns.metricsFailed ? { kind: 'host', why: ns.metricsFailed } : { kind: 'host' },
            }),
          )
        : Promise.resolve(ns.metrics);
    const [hostLive, fallback, metrics, containerLogs] = await Promise.all([hostLiveP, fallbackP, metricsP, logsP]);

    const live: LiveFacts = { ...hostLive };
    const proxySide = ns.live ?? fallback;
    if (proxySide) {
      live.proxy = proxySide.proxy ?? null;
      live.proxySkipped = proxySide.proxySkipped ?? null;
      live.upstreams = proxySide.upstreams ?? null;
      live.upstreamsSkipped = proxySide.upstreamsSkipped ?? null;
      live.oauthMetadata = proxySide.oauthMetadata ?? null;
      live.resourceMetadata = proxySide.resourceMetadata ?? null;
      live.oauthSkipped = proxySide.oauthSkipped ?? null;
      live.mcp = proxySide.mcp ?? null;
      live.mcpSkipped = proxySide.mcpSkipped ?? null;
      live.oauthChain = proxySide.oauthChain ?? null;
      live.oauthChainSkipped = proxySide.oauthChainSkipped ?? null;
      const where = ns.live ? " (in the proxy's namespace)" : '';
      live.probes = [...live.probes, ...(proxySide.probes ?? []).map((p) => ({ ...p, name: `${p.name}${where}` }))];
      live.budgetExhausted = live.budgetExhausted || Boolean(proxySide.budgetExhausted);
    }
    const origin: ProbeOrigin =
      ns.live && proxy
        ? { kind: 'container', container: proxy.name, service: proxy.service }
        : notEntered !== null
          ? { kind: 'host', why: notEntered }
          : { kind: 'host' };
    live.proxyFrom = origin;
    live.upstreamsFrom = origin;
    live.runtime = runtime;
    live.runtimeSkipped = runtimeSkipped;
    live.metrics = metrics !== null && !('skipped' in metrics) ? metrics : null;
    live.metricsSkipped =
      metrics === null
        ? wantMetrics
          ? 'no metrics server was looked for'
          : NOT_PLANNED
        : 'skipped' in metrics
          ? metrics.skipped
          : null;
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
