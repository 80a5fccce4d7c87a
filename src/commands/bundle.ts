// `mcp-tunnel bundle`: one redacted archive for a support ticket. It runs the doctor's gathering
// and judging in-process (diagnose), matches the given logs (within --since or the --record
// window), and writes mcp-tunnel-bundle-<UTC time>.tar.gz (mode 0600, never over an existing
// file) through the safe writer. `--inspect FILE` lists a bundle, verifies its manifest and scans
// it for secrets again. What goes in, and how it is sanitised: src/bundle/contents.ts.

import { existsSync, lstatSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { release, type as osType } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { CliIO } from '../cli.js';
import { bundleMembers } from '../bundle/contents.js';
import { IdCorrelator, type CorrelatedId } from '../bundle/correlate.js';
import { inspectBundle, renderInspection } from '../bundle/inspect.js';
import { TAR_LIMITS, tarGzip } from '../bundle/tar.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../core/errors.js';
import { commitChanges } from '../core/safe-writer.js';
import { toolVersion } from '../core/version.js';
import { parseLine } from '../logs/line.js';
import type { LogsReport } from '../logs/report.js';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/scanner.js';
import { readBounded } from '../probes/bounded-file.js';
import { sanitiseValue } from '../redaction/redact.js';
import { loadRenderers } from '../reporters/index.js';
import { diagnose, validateDoctorOptions, type DoctorOptions } from './doctor.js';
import { runEnvironment, type CommandContext } from './outputs.js';
import { startProgress } from './progress.js';

export interface BundleOptions extends Omit<
  DoctorOptions,
  'only' | 'skip' | 'format' | 'output' | 'failOn' | 'color' | 'fix' | 'yes' | 'saveFacts' | 'facts'
> {
  out?: string;
  logs: string[];
  since?: string;
  /** --record [DURATION]: true waits for Enter (a terminal's stdin); a string ends after it. */
  record?: string | boolean;
  inspect?: string;
}

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like 90s, 15m, 2h, 7d in milliseconds, or null. */
function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000) : null;
}

/** The bundle's name: its UTC time, to the second (20261202T174512Z). */
function defaultName(at: Date): string {
  return `mcp-tunnel-bundle-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * A line is kept when its time is inside [from, to]; a line whose time cannot be read is kept (it
 * cannot be placed). Logs stamp to the second: a line of second S stands for [S, S+1), so one
 * stamped in the second the window starts in is inside.
 */
function timeWindow(from: number, to: () => number): (text: string) => boolean {
  return (text) => {
    const time = parseLine(text).time;
    const t = time === null ? NaN : Date.parse(time);
    return Number.isNaN(t) || (t + 1000 > from && t <= to());
  };
}

/** Ends on Enter when stdin is a terminal, after `ms` when given, or when `stop` aborts. */
function recordingEnd(io: CliIO, ms: number | null, stop: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const cleanups: (() => void)[] = [];
    const finish = () => {
      for (const c of cleanups) c();
      done();
    };
    stop.addEventListener('abort', finish, { once: true });
    cleanups.push(() => stop.removeEventListener('abort', finish));
    if (ms !== null) {
      const timer = setTimeout(finish, ms);
      cleanups.push(() => clearTimeout(timer));
    }
    if (io.stdinIsTTY) {
      const onData = (chunk: Buffer | string) => {
        if (String(chunk).includes('\n') || String(chunk).includes('\r')) finish();
      };
      io.stdin.on('data', onData);
      cleanups.push(() => {
        io.stdin.off('data', onData);
        (io.stdin as NodeJS.ReadStream).pause?.();
      });
    }
  });
}

async function matchLogs(
  opts: BundleOptions,
  io: CliIO,
  keep: (text: string) => boolean,
  follow: Promise<void> | null,
  err: (t: string) => void,
): Promise<LogsReport | null> {
  if (opts.logs.length === 0) return null;
  // As in `mcp-tunnel logs`: a young generation that never grows keeps a 100 MB log's memory flat.
  setFlagsFromString('--semi-space-growth-factor=1');
  const names = [...new Set(opts.logs)];
  const note = (text: string) => err(`mcp-tunnel bundle: ${text}\n`);
  const { matchLogInputs, openLogInputs } = await import('../logs/read-logs.js');
  const opened = await openLogInputs(names, io.stdin, { follow: follow !== null, note });
  if (opened.state === 'unreadable') throw new UsageError(`--logs: ${opened.problems.join('; ')}`);
  const stop = new AbortController();
  void follow?.then(() => stop.abort());
  const matched = await matchLogInputs(opened.inputs, {
    follow: follow !== null,
    maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    signal: stop.signal,
    keep,
    note,
    version: toolVersion(),
    started: performance.now(),
  });
  return matched.report;
}

/** Bytes appended to the log files during the window that are read for IDs, at most. */
const CORRELATE_MAX_BYTES = 64 * 1024 * 1024;

/** Where each named log file ends now (the start of the window); stdin and FIFOs are not files. */
function fileEnds(names: readonly string[], cwd: string): Map<string, number> {
  const ends = new Map<string, number>();
  for (const name of names) {
    try {
      const st = statSync(resolve(cwd, name));
      if (st.isFile()) ends.set(name, st.size);
    } catch {
      // opened (or refused) with its reason by the log reader
    }
  }
  return ends;
}

/** The ray and request IDs in the lines appended to each file since `starts`, shared by two files or more. */
async function correlateAppended(starts: Map<string, number>, cwd: string): Promise<CorrelatedId[]> {
  const correlator = new IdCorrelator();
  for (const [name, start] of starts) {
    const handle = await open(resolve(cwd, name), 'r').catch(() => null);
    if (!handle) continue;
    try {
      const end = Math.min((await handle.stat()).size, start + CORRELATE_MAX_BYTES);
      if (end <= start) continue;
      const buf = Buffer.alloc(end - start);
      const { bytesRead } = await handle.read(buf, 0, buf.length, start);
      for (const line of buf.subarray(0, bytesRead).toString('utf8').split('\n')) correlator.line(name, line);
    } finally {
      await handle.close();
    }
  }
  return correlator.shared();
}

async function runInspect(file: string, io: CliIO, out: (t: string) => void): Promise<number> {
  const read = readBounded(resolve(io.cwd, file), true, TAR_LIMITS.gzipBytes);
  if (read.state === 'missing') throw new UsageError(`--inspect ${file}: no such file`);
  if (read.state === 'unreadable') throw new UsageError(`--inspect ${file}: ${read.problem}`);
  const inspection = inspectBundle(read.bytes);
  if ('problem' in inspection) {
    throw new UsageError(`--inspect ${file}: not a bundle that can be read: ${inspection.problem}`);
  }
  out(renderInspection(file, inspection));
  return inspection.tampered.length > 0 || inspection.secrets.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}

function validate(opts: BundleOptions): { sinceMs: number | null; recordMs: number | null } {
  if (opts.inspect !== undefined) {
    const others = [
      opts.out && '--out',
      opts.logs.length > 0 && '--logs',
      opts.since && '--since',
      opts.record && '--record',
    ];
    const given = others.filter(Boolean);
    if (given.length > 0) throw new UsageError(`--inspect reads a bundle: ${given.join(', ')} cannot apply`);
  }
  const sinceMs = opts.since === undefined ? null : parseDuration(opts.since);
  if (opts.since !== undefined && sinceMs === null) {
    throw new UsageError(`--since ${opts.since}: expected a duration such as 90s, 15m, 2h or 7d`);
  }
  const recordMs = typeof opts.record === 'string' ? parseDuration(opts.record) : null;
  if (typeof opts.record === 'string' && recordMs === null) {
    throw new UsageError(`--record ${opts.record}: expected a duration such as 90s, 15m or 2h`);
  }
  if (opts.record !== undefined && opts.since !== undefined) {
    throw new UsageError('--record keeps the lines of its own window: --since cannot apply');
  }
  return { sinceMs, recordMs };
}

export async function runBundle(
  opts: BundleOptions,
  io: CliIO,
  out: (t: string) => void,
  err: (t: string) => void,
  context: CommandContext,
): Promise<number> {
  const started = performance.now();
  const { sinceMs, recordMs } = validate(opts);
  if (opts.inspect !== undefined) return runInspect(opts.inspect, io, out);
  const doctorOpts: DoctorOptions = {
    ...opts,
    only: [],
    skip: [],
    format: [],
    output: [],
    failOn: 'error',
    color: false,
  };
  const limits = validateDoctorOptions(doctorOpts);
  if (opts.record === true && !io.stdinIsTTY) {
    throw new UsageError('--record waits for Enter, but stdin is not a terminal', 'Give a duration: --record 5m.');
  }
  if (opts.record !== undefined && opts.logs.includes('-')) {
    throw new UsageError('--record waits for Enter on stdin: --logs - cannot read it too', 'Name log files instead.');
  }
  const createdAtStart = new Date();
  const target = resolve(io.cwd, opts.out ?? defaultName(createdAtStart));
  if (existsSync(target) || isLink(target)) {
    throw new UsageError(`--out ${opts.out ?? basename(target)}: the file exists; a bundle never replaces a file`);
  }

  // The recorded window comes first (the operator reproduces the failure), then the doctor's run.
  let window: { start: string; end: string } | null = null;
  let logs: LogsReport | null;
  let correlated: CorrelatedId[] | null = null;
  if (opts.record !== undefined) {
    const start = Date.now();
    const ends = fileEnds(opts.logs, io.cwd);
    const progress = await startProgress(
      io,
      io.stdinIsTTY
        ? 'Recording: reproduce the failure now, then press Enter…'
        : 'Recording: reproduce the failure now…',
    );
    try {
      // The recording also ends when the logs given cannot be read (the reason is thrown below).
      const readingDone = new AbortController();
      const ended = recordingEnd(io, recordMs, readingDone.signal);
      if (!io.stderrIsTTY) err('mcp-tunnel bundle: recording; reproduce the failure now.\n');
      let end = Infinity;
      // While recording the end is not known yet: a line stamped after the moment it is read (with a
      // second of tolerance for the clocks) is outside the window too.
      const keep = timeWindow(start, () => Math.min(end, Date.now() + 1000));
      const windowEnd = ended.then(() => void (end = Date.now()));
      const matching = matchLogs(opts, io, keep, windowEnd, err).finally(() => {
        if (opts.logs.length > 0) readingDone.abort();
      });
      matching.catch(() => undefined); // awaited below, after the window
      await windowEnd;
      logs = await matching;
      correlated = await correlateAppended(ends, io.cwd);
      window = { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    } finally {
      progress.stop();
    }
  } else {
    const progress = await startProgress(io, 'Reading the logs…', opts.logs.length > 0);
    try {
      const now = Date.now();
      logs = await matchLogs(
        opts,
        io,
        sinceMs === null ? () => true : timeWindow(now - sinceMs, () => Infinity),
        null,
        err,
      );
    } finally {
      progress.stop();
    }
  }

  // The containers' log lines are kept to the same window as the given logs.
  const notBefore =
    window?.start ?? (sinceMs === null ? undefined : new Date(createdAtStart.getTime() - sinceMs).toISOString());
  const { facts, report } = await diagnose(
    notBefore === undefined ? doctorOpts : { ...doctorOpts, logsNotBefore: notBefore },
    io,
    { ...limits, started },
    undefined,
  );
  const progress = await startProgress(io, 'Writing the bundle…');
  try {
    const createdAt = new Date();
    const environment = runEnvironment(context.argv, io.env, facts.deployment);
    const markdown = (await loadRenderers('markdown')).doctor(sanitiseValue(report), {
      color: false,
      verbose: true,
      failOn: 'error',
      baseDir: io.cwd,
      environment,
    });
    const built = bundleMembers({
      facts,
      report,
      reportMarkdown: markdown,
      logs,
      correlated,
      version: toolVersion(),
      createdAt,
      window,
      since: sinceMs === null ? null : new Date(createdAtStart.getTime() - sinceMs).toISOString(),
      host: { node: process.version, os: `${osType()} ${release()} ${process.arch}` },
    });
    if ('leaks' in built) {
      err(
        `mcp-tunnel bundle: a secret would remain in ${built.leaks.join(', ')}; no bundle was written. ` +
          'Please report this as a bug.\n',
      );
      return EXIT_USAGE;
    }
    const bytes = tarGzip(built.members, createdAt);
    const outcome = commitChanges(
      dirname(target),
      [{ kind: 'write', path: target, bytes, expected: null, mode: 0o600 }],
      {
        lock: false,
      },
    );
    if (outcome.status !== 'done') throw new UsageError(`could not write ${target}: ${outcome.message}`);
    progress.stop();
    out(
      `Wrote ${opts.out ?? basename(target)} (${bytes.length} bytes, ${built.members.length} files, mode 0600).\n` +
        `Look inside before sending it: mcp-tunnel bundle --inspect ${opts.out ?? basename(target)}\n`,
    );
    return EXIT_OK;
  } finally {
    progress.stop();
  }
}
