// RuntimeFacts: what the running deployment says about itself, as plain data. The Docker Engine
// API gives the containers (src/probes/docker-runtime.ts); cloudflared's metrics server gives its
// own view of the edge and the origin (src/probes/cloudflared-metrics.ts); the containers' last
// log lines go through the log matcher. Checks judge these like any other fact; nothing here
// holds a secret: environment values are kept only for a short allowlist of non-secret names,
// and the token the running cloudflared holds is kept as a fingerprint.

import type { ConnectFailureKind, ProbeTiming } from './live-facts.js';

/** Where a group of probes ran: this host's network, or a container's network namespace. */
export type ProbeOrigin =
  /** `why`: the reason the probes did not run in the proxy's namespace, when that was tried. */
  | { kind: 'host'; why?: string }
  | {
      kind: 'container';
      /** The container whose network namespace the probes entered (its name, e.g. mcp-proxy-1). */
      container: string;
      service: string;
    };

export interface ContainerState {
  /** Docker's word: created, running, restarting, paused, exited, dead, removing. */
  status: string;
  running: boolean;
  restarting: boolean;
  oomKilled: boolean;
  exitCode: number;
  /** Docker's error for the last start (empty when none), e.g. a mount that failed. */
  error: string;
  startedAt: string | null; // ISO 8601; null when it never started
  finishedAt: string | null; // ISO 8601; null when it has not stopped since it started
  /** The healthcheck's status, when the image or Compose defines one. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** The last healthcheck output, cut to 300 characters and redacted (null without a healthcheck). */
  healthOutput: string | null;
}

export interface ContainerMount {
  type: string; // 'bind' | 'volume' | 'tmpfs'
  /** The path on the host (a bind's source, a volume's directory). */
  source: string;
  destination: string;
  readOnly: boolean;
}

/** A file seen through a container's mounts: the host path behind it and what stat says of it. */
export interface MountedFileFacts {
  /** The path inside the container (as the proxy config or the Compose file names it). */
  containerPath: string;
  /** The host path behind it, or null when no mount covers it (the file is in the image). */
  hostPath: string | null;
  /** From lstat/stat of hostPath; null with `problem` when it could not be looked at. */
  stat: { mode: number; uid: number; gid: number; size: number; mtime: string } | null;
  problem: string | null;
}

export interface ContainerFacts {
  /** The first 12 hex digits of the container ID. */
  id: string;
  /** Without the leading slash (mcp-proxy-1, deploy_cloudflared_1). */
  name: string;
  /** The value of com.docker.compose.service. */
  service: string;
  /** The image as configured (cloudflare/cloudflared:2026.8.2). */
  image: string;
  /** org.opencontainers.image.version of the image (or of the container's labels), when set. */
  imageVersion: string | null;
  state: ContainerState;
  restartCount: number;
  restartPolicy: string | null;
  /** Config.User: '' means the image's default (root unless the image says otherwise). */
  user: string;
  /** HostConfig.NetworkMode as Docker reports it: 'none', 'default', 'container:<id>', a network name. */
  networkMode: string;
  /** For 'container:<id>': the service of the container whose namespace this one shares (null when unknown). */
  networkModeService: string | null;
  mounts: ContainerMount[];
  /** The names of the environment variables, in order. Values are never kept, but for ENV_VALUES_KEPT. */
  envNames: string[];
  /** Values of the variables named in ENV_VALUES_KEPT (not secrets: metrics address, edge IP version...). */
  env: Record<string, string>;
  /** Entrypoint then Cmd, with every secret value (a --token argument) replaced by '<redacted>'. */
  argv: string[];
  /**
   * The SHA-256 (hex) of the tunnel token the container holds (TUNNEL_TOKEN, --token), or null.
   * Compared with the files' token fingerprint; never printed.
   */
  tokenFingerprint: string | null;
  /**
   * The network namespace its process is in ('net:[4026532259]', from /proc/<pid>/ns/net), or
   * null when not running or not visible. Compared between containers that should share one.
   */
  netNamespace?: string | null;
  /**
   * HostConfig.CapAdd and CapDrop as given (cap_drop: [ALL] in the hardened Compose file): root
   * without CAP_DAC_OVERRIDE reads by the file's mode like any user. Absent: Docker's defaults.
   */
  capAdd?: string[];
  capDrop?: string[];
  /** Files the checks judge as the container sees them (the proxy's key and certificates). */
  files: MountedFileFacts[];
  /** Config.Tty: a TTY container's log is one raw stream (absent in facts saved before it existed). */
  tty?: boolean;
}

/** Environment variables whose values are kept: none of them holds a secret. */
export const ENV_VALUES_KEPT: readonly string[] = [
  'TUNNEL_METRICS',
  'TUNNEL_EDGE_IP_VERSION',
  'TUNNEL_TRANSPORT_PROTOCOL',
  'TUNNEL_LOGLEVEL',
  'TUNNEL_DOMAIN',
  'NO_AUTOUPDATE',
];

/** A deployment file on the host and when it last changed, for "edited after the container started". */
export interface DeploymentFileTime {
  role: 'proxy-config' | 'dotenv' | 'compose';
  path: string;
  mtime: string; // ISO 8601
}

export interface DockerRuntimeFacts extends ProbeTiming {
  engine: 'docker';
  /** How the Engine API was reached: unix:///var/run/docker.sock, or DOCKER_HOST's value. */
  endpoint: string;
  /** The Engine's version (from /version), when it answered. */
  engineVersion: string | null;
  /** The Compose project the containers belong to, and how it was told. */
  project: string;
  projectSource: 'working-dir' | 'compose-name' | 'env' | 'directory';
  containers: ContainerFacts[];
  /** Services of the Compose file (not under a profile) that have no container at all. */
  servicesWithoutContainer: string[];
  fileTimes: DeploymentFileTime[];
  /** The SHA-256 (hex) of the token in the files (the one the tunnel-token check judges); never printed. */
  filesTokenFingerprint: string | null;
}

/** One of cloudflared's health endpoints, read with a deadline and a size cap. */
export interface MetricsEndpointFacts<T> extends ProbeTiming {
  url: string;
  ok: boolean;
  failure: ConnectFailureKind | 'http-status' | 'too-large' | 'bad-answer' | null;
  detail: string | null;
  httpStatus: number | null;
  value: T | null;
}

export interface ReadyAnswer {
  status: number;
  readyConnections: number;
  connectorId: string | null;
}

/** What /metrics says, reduced to the series the checks read. */
export interface CloudflaredMetricsValues {
  /** cloudflared_tunnel_ha_connections */
  haConnections: number | null;
  /** cloudflared_tunnel_tunnel_register_fail, one per (error, rpcName) with a value above 0. */
  registerFailures: { error: string; rpcName: string; count: number }[];
  /** cloudflared_tunnel_tunnel_register_success summed over its labels. */
  registerSuccesses: number | null;
  serverLocations: { connectionId: string; edgeLocation: string }[];
  totalRequests: number | null;
  requestErrors: number | null;
  /** cloudflared_tunnel_response_by_code, by status code. */
  responsesByCode: Record<string, number>;
  /** True when any quic_client_* series is present (only while connected over QUIC). */
  quicSeries: boolean;
  /** build_info{version,goversion,type,revision}. */
  build: { version: string; goVersion: string | null; type: string | null; revision: string | null } | null;
}

/** /diag/tunnel, reduced: one entry per edge connection. */
export interface DiagTunnelValues {
  tunnelId: string | null;
  connectorId: string | null;
  connections: { index: number; isConnected: boolean; protocol: string | null; edgeAddress: string | null }[];
}

export interface CloudflaredMetricsFacts extends ProbeTiming {
  /** The base URL read, e.g. http://127.0.0.1:20241. */
  baseUrl: string;
  /** How the address was found. */
  addressSource: 'flag' | 'command' | 'env' | 'scan';
  /** Where the reads ran from (the proxy's namespace in the Compose layout). */
  from: ProbeOrigin;
  ready: MetricsEndpointFacts<ReadyAnswer>;
  metrics: MetricsEndpointFacts<CloudflaredMetricsValues>;
  /** Null when the endpoint is absent (404: older releases). */
  diagTunnel: MetricsEndpointFacts<DiagTunnelValues> | null;
}

/** One log finding from the containers' last lines, as it joins the report under its catalog ID. */
export interface ContainerLogMatch {
  id: string;
  signature: string;
  severity: 'error' | 'warn' | 'info';
  count: number;
  /** The container the lines came from. */
  container: string;
  service: string;
  /** Line numbers within what was read of that container's log (the last --log-lines lines). */
  firstLine: number;
  lastLine: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The first matching line, redacted. */
  example: string;
  symptom: string;
  cause: string;
  fix: string;
  detail: string | null;
}

export interface ContainerLogFacts extends ProbeTiming {
  /** Per container read: how many lines, since when. */
  read: { container: string; service: string; lines: number; since: string | null; problem: string | null }[];
  maxLines: number;
  matches: ContainerLogMatch[];
}
