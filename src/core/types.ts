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

export interface DoctorReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  command: 'doctor';
  durationMs: number;
  verdict: Verdict;
  summary: Record<Status, number>;
  results: CheckResult[];
}
