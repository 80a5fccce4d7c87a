// The plain data `mcp-tunnel logs` produces: what the reporters render and `--json` prints.
// The required fields follow the design's schema exactly; healthy, harmless, sources and
// cutLines are additions.

import type { Layer, Severity, Verdict } from '../core/types.js';

export interface LogMatch {
  id: string;
  signature: string;
  layer: Layer;
  severity: Severity;
  count: number;
  firstLine: number;
  lastLine: number;
  firstTime: string | null;
  lastTime: string | null;
  /** The first matching line, redacted. */
  example: string;
  symptom: string;
  cause: string;
  fix: string;
  /** Distinct facts pulled out of the matching lines (IP, port, host, file...). */
  evidence?: Record<string, unknown>;
  /** A sentence particular to these lines (the IP refused, the file that could not be opened...). */
  detail?: string;
  /** True for a line that is explained but is not a problem (severity info). */
  harmless?: boolean;
  /** Input the first and last lines come from, when there are several. */
  firstSource?: string;
  lastSource?: string;
}

export interface LogNote {
  signature: string;
  id: string | null;
  count: number;
  firstLine: number;
  lastLine: number;
  firstTime: string | null;
  lastTime: string | null;
  /** Healthy: what the lines prove ("4 of 4 connections registered"); harmless: why it is harmless. */
  summary: string;
  example: string;
  evidence?: Record<string, unknown>;
  firstSource?: string;
  lastSource?: string;
}

export interface LogSource {
  name: string;
  gzip: boolean;
  lines: number;
  bytes: number;
  cutLines: number;
  /** A problem met while reading (a truncated gzip stream...); the lines before it were read. */
  problem?: string;
}

export interface LogsReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  command: 'logs';
  linesRead: number;
  /** Bytes of log text read (for gzip input, after inflating). */
  bytesRead: number;
  durationMs: number;
  verdict: Verdict;
  matches: LogMatch[];
  /** Error-level lines no signature explains; examples redacted, with their line numbers. */
  unmatched: { errorLines: number; examples: string[]; exampleLines?: number[]; exampleSources?: string[] };
  healthy: LogNote[];
  harmless: LogNote[];
  /** Lines longer than the limit: cut to it, and only their head was matched. */
  cutLines: number;
  sources: LogSource[];
}
