// The containers' last log lines, read from the Docker Engine API and matched to the catalog by
// the same matcher as `mcp-tunnel logs`. Each container is one input, read since it last started
// (the lines of the run that is going on), so every match names the container it came from.

import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { ContainerFacts, ContainerLogFacts, ContainerLogMatch } from '../core/runtime-facts.js';
import { toolVersion } from '../core/version.js';
import { matchLogInputs } from '../logs/read-logs.js';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/scanner.js';
import { startDeadline } from './deadline.js';
import { containerLogs, type DockerEndpoint } from './docker-engine.js';

export interface ContainerLogOptions {
  /** The last this many lines of each container. */
  maxLines: number;
  /** One deadline for every container's read. */
  timeoutMs: number;
  /** Read no line before this time (ISO 8601): a window such as the bundle's --since or --record. */
  notBefore?: string;
  signal?: AbortSignal;
}

/** A container's log is read up to this many bytes per line asked for (a cloudflared line is ~200). */
const BYTES_PER_LINE = 2048;

type ReadEntry = ContainerLogFacts['read'][number];

/**
 * Where the current run's lines begin: a little before the start Docker recorded, because the
 * process writes its first lines (cloudflared's version and settings) before the engine notes
 * the time. A restart within that margin lends a few lines of the run before: as telling.
 */
const START_MARGIN_MS = 1000;

/**
 * The line as the container wrote it: Docker's own timestamp (asked for, so that every line has a
 * time for the matcher) is taken off the example shown to the operator; the match keeps the time.
 */
function withoutDockerTime(line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /, '');
}
function runSince(startedAt: string | null): string | null {
  const t = startedAt === null ? NaN : Date.parse(startedAt);
  return Number.isFinite(t) ? new Date(t - START_MARGIN_MS).toISOString() : null;
}

async function readOne(
  endpoint: DockerEndpoint,
  container: ContainerFacts,
  opts: ContainerLogOptions,
  signal: AbortSignal,
  remainingMs: () => number,
): Promise<{ read: ReadEntry; matches: ContainerLogMatch[] }> {
  const started = runSince(container.state.startedAt);
  // The later of the run's start and the window's: a window never reaches into an earlier run.
  const since =
    opts.notBefore !== undefined && (started === null || Date.parse(opts.notBefore) > Date.parse(started))
      ? opts.notBefore
      : started;
  const base = { container: container.name, service: container.service, since };
  const answer = await containerLogs(
    endpoint,
    container.id,
    { tty: container.tty === true, tail: opts.maxLines, since },
    { timeoutMs: remainingMs(), signal, maxBytes: opts.maxLines * BYTES_PER_LINE },
  );
  if (!answer.ok) return { read: { ...base, lines: 0, problem: answer.detail }, matches: [] };
  const matched = await matchLogInputs(
    [{ kind: 'stream', name: container.name, stream: Readable.from([answer.value.text]) }],
    {
      follow: false,
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      signal,
      note: () => undefined,
      version: toolVersion(),
      started: performance.now(),
    },
  );
  const report = matched.report;
  const problem = answer.value.cut
    ? `only the first ${answer.value.text.length} bytes of the last ${opts.maxLines} lines were read`
    : null;
  const matches = report.matches.map((m): ContainerLogMatch => ({
    id: m.id,
    signature: m.signature,
    severity: m.severity,
    count: m.count,
    container: container.name,
    service: container.service,
    firstLine: m.firstLine,
    lastLine: m.lastLine,
    firstTime: m.firstTime,
    lastTime: m.lastTime,
    example: withoutDockerTime(m.example),
    symptom: m.symptom,
    cause: m.cause,
    fix: m.fix,
    detail: m.detail ?? null,
  }));
  return { read: { ...base, lines: report.linesRead, problem }, matches };
}

/**
 * The last `maxLines` lines of each container (since it started) through the log matcher. A
 * container that never started has no lines of its current run and is not read.
 */
export async function gatherContainerLogs(
  endpoint: DockerEndpoint,
  containers: readonly ContainerFacts[],
  opts: ContainerLogOptions,
): Promise<ContainerLogFacts> {
  const d = startDeadline(opts.timeoutMs, opts.signal);
  try {
    const results = await Promise.all(
      containers.map(async (c) =>
        c.state.startedAt === null
          ? {
              read: { container: c.name, service: c.service, lines: 0, since: null, problem: 'it never started' },
              matches: [],
            }
          : readOne(endpoint, c, opts, d.signal, () => d.remaining()),
      ),
    );
    return {
      read: results.map((r) => r.read),
      maxLines: opts.maxLines,
      matches: results.flatMap((r) => r.matches),
      latencyMs: d.elapsed(),
    };
  } finally {
    d.dispose();
  }
}
