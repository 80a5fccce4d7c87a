// The plain data that flows through a run: facts in, findings and results out.
// Nothing here does I/O; probes fill Facts, checks judge them, reporters print Reports.

export type Layer = 'edge' | 'tls' | 'routing' | 'oauth' | 'setup';
export const LAYERS: readonly Layer[] = ['edge', 'tls', 'routing', 'oauth', 'setup'];

export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error';
export type Severity = 'error' | 'warn' | 'info';

/** Where in a file a finding points (1-based line and column). */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export interface Finding {
  severity: Severity;
  /** Stable key of the message inside the check, asserted by tests (like ESLint's messageId). */
  messageId: string;
  symptom: string;
  cause: string;
  fix: string;
  evidence?: Record<string, unknown>;
  location?: Location;
}

/** Where a fact a check judged came from: a file, a container, cloudflared's metrics, a probe, a log line. */
export interface FactSource {
  kind: 'file' | 'container' | 'metrics' | 'probe' | 'log';
  /** For an operator: the path, the container and engine, the URL and the namespace it was read from. */
  where: string;
}

export interface CheckResult {
  id: string;
  layer: Layer;
  title: string;
  status: Status;
  durationMs: number;
  reason: string | null;
  findings: Finding[];
  /** Where the facts behind this result came from (absent on a skip: nothing was judged). */
  sources?: FactSource[];
}

export interface Verdict {
  status: 'pass' | 'warn' | 'fail' | 'error';
  layer: Layer | null;
  id: string | null;
  summary: string;
}

/** The running deployment as the doctor saw it (absent with --offline). */
export interface RuntimeSummary {
  /** True when the Docker Engine API answered and the project's containers were read. */
  inspected: boolean;
  /** Why the containers were not inspected. */
  reason: string | null;
  engine: { endpoint: string; version: string | null; project: string } | null;
  containers: { service: string; name: string; status: string; restartCount: number; startedAt: string | null }[];
  tunnel: {
    /** Edge connections cloudflared holds (its /ready, else ha_connections); null when unknown. */
    connections: number | null;
    transport: 'quic' | 'http2' | null;
    metricsUrl: string | null;
    metricsFrom: string | null;
    /** Why cloudflared's metrics were not read. */
    reason: string | null;
  };
  probesFrom: { proxy: string; upstreams: string };
  logs: { container: string; lines: number }[];
}

export interface DoctorReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  command: 'doctor';
  durationMs: number;
  verdict: Verdict;
  summary: Record<Status, number>;
  results: CheckResult[];
  runtime?: RuntimeSummary;
}
