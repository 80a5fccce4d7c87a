// `mcp-tunnel logs [file ...]`: the command around the log matcher (src/logs/read-logs.ts): its
// options, stdin checks, the V8 flag, SIGINT and SIGTERM for --follow, rendering through the
// CLI's redacting writers, and the exit code. src/logs reads and returns the report (data).

import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { useColor, type CliIO } from '../cli.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../core/errors.js';
import { toolVersion } from '../core/version.js';
import type { LogEvent } from '../logs/matcher.js';
import type { LogsReport } from '../logs/report.js';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/scanner.js';
import { sanitiseValue } from '../redaction/redact.js';
import type { RenderContext, RunEnvironment } from '../reporters/context.js';
import { emitOutputs, planOutputs, runEnvironment, type CommandContext, type OutputTarget } from './outputs.js';

export interface LogsOptions {
  files: string[];
  /** Without `outputs`: JSON (true) or human text (false) on stdout. */
  json: boolean;
  /** Each format and where it goes (stdout or a file), as planned by the CLI from --format/--output. */
  outputs?: readonly OutputTarget[];
  /** For the reporters: paths in annotations relative to `baseDir`, and facts about the run. */
  run?: { baseDir: string; environment: RunEnvironment };
  follow: boolean;
  failOn: 'error' | 'warn';
  color: boolean;
  verbose: boolean;
  maxLineBytes?: number;
  /** Stops --follow (and any read in progress); without it, --follow stops on SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Aborts when the output is gone (EPIPE): reading stops, as nobody will see the findings. */
  outputGone?: AbortSignal;
  /** How long to wait for a writer on a FIFO without --follow (the reader's default otherwise). */
  fifoWaitMs?: number;
}

export interface LogsIO {
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Writes a report file (the CLI's atomic, redacting writer); needed only when `outputs` names a file. */
  writeFile?(path: string, text: string): void;
}

const STDIN_HINT = `mcp-tunnel logs: no input. Give log files, or pipe logs in, for example:
  docker compose logs --no-color | npx mcp-tunnel logs
  kubectl logs deploy/mcp-tunnel --all-containers --prefix | npx mcp-tunnel logs
  npx mcp-tunnel logs cloudflared.log proxy.log.gz
`;

/**
 * Returns the exit code: 0 nothing at or above failOn, 1 findings at or above it, 2 usage errors
 * (unreadable named file, stdin is a TTY with no files: print a hint instead of hanging).
 */
export async function runLogs(opts: LogsOptions, io: LogsIO): Promise<number> {
  const started = performance.now();
  // The matcher allocates little and steadily; without this V8 doubles the young generation
  // after enough scavenges, so a 1 GB log would end with more memory than a 100 MB one.
  setFlagsFromString('--semi-space-growth-factor=1');
  const names = [...new Set(opts.files.length > 0 ? opts.files : ['-'])];
  if (names.includes('-') && io.stdinIsTTY) {
    io.stderr(STDIN_HINT);
    return EXIT_USAGE;
  }
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 16) {
    io.stderr(`mcp-tunnel logs: the line limit must be a whole number of bytes, at least 16 (got ${maxLineBytes}).\n`);
    return EXIT_USAGE;
  }

  const note = (text: string) => io.stderr(`mcp-tunnel logs: ${text}\n`);
  const { matchLogInputs, openLogInputs } = await import('../logs/read-logs.js');
  const wait = { follow: opts.follow, note, ...(opts.fifoWaitMs !== undefined ? { fifoWaitMs: opts.fifoWaitMs } : {}) };
  const opened = await openLogInputs(names, io.stdin, wait);
  if (opened.state === 'unreadable') {
    for (const p of opened.problems) note(p);
    return EXIT_USAGE;
  }

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  if (opts.outputGone?.aborted) controller.abort();
  opts.outputGone?.addEventListener('abort', onSignal, { once: true });
  const ownSignals = opts.follow && !opts.signal;
  if (ownSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  // Only human and JSON stream with --follow (to stdout); every other format, and every file, is
  // rendered once at the end. Reporters load only when used: JSON never loads the colour library.
  const targets: readonly OutputTarget[] = opts.outputs ?? [
    { format: opts.json ? 'json' : 'human', path: null, given: '-' },
  ];
  const streamed = opts.follow
    ? targets.find((t) => t.path === null && (t.format === 'human' || t.format === 'json'))?.format
    : undefined;
  let outcome: Awaited<ReturnType<typeof matchLogInputs>>;
  try {
    const renderEvent =
      streamed === 'json'
        ? await import('../reporters/logs-json.js').then((m) => (e: LogEvent) => m.renderLogsEventJson(e))
        : streamed === 'human'
          ? await import('../reporters/logs-human.js').then((m) => (e: LogEvent) => m.renderLogsEventHuman(e, opts))
          : undefined;
    outcome = await matchLogInputs(opened.inputs, {
      follow: opts.follow,
      maxLineBytes,
      signal: controller.signal,
      ...(renderEvent ? { onFirst: (event: LogEvent) => io.stdout(renderEvent(sanitiseValue(event))) } : {}),
      note,
      version: toolVersion(),
      started,
    });
  } finally {
    opts.signal?.removeEventListener('abort', onSignal);
    opts.outputGone?.removeEventListener('abort', onSignal);
    if (ownSignals) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }

  const report = outcome.report;
  const ctx: RenderContext = {
    color: opts.color,
    verbose: opts.verbose,
    failOn: opts.failOn,
    baseDir: opts.run?.baseDir ?? process.cwd(),
    environment: opts.run?.environment ?? runEnvironment(['logs', ...opts.files], {}),
  };
  const writeFile = (path: string, text: string) => {
    if (!io.writeFile) throw new Error(`no file writer was given for ${path}`);
    io.writeFile(path, text);
  };
  if (streamed === 'json') {
    // Newline-delimited JSON: after the one-line events, the report is one line too.
    await emitOutputs(
      'logs',
      report,
      targets.filter((t) => t.path !== null),
      ctx,
      { stdout: io.stdout, file: writeFile },
    );
    const { renderLogsJson } = await import('../reporters/logs-json.js');
    io.stdout(renderLogsJson(sanitiseValue(report), { compact: true }));
  } else {
    await emitOutputs('logs', report, targets, ctx, { stdout: io.stdout, file: writeFile });
  }
  // An input cut short by a limit was not read whole, and an empty one not at all: without
  // findings, "clean" would claim too much.
  const code = exitCodeOf(report, opts.failOn);
  return code === EXIT_OK && (outcome.cut || report.linesRead === 0) ? EXIT_USAGE : code;
}

function exitCodeOf(report: LogsReport, failOn: 'error' | 'warn'): number {
  const failing = report.matches.some((m) => m.severity === 'error' || (failOn === 'warn' && m.severity === 'warn'));
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

export interface LogsCliOptions {
  format: string[];
  output: string[];
  json?: boolean;
  follow?: boolean;
  failOn: 'error' | 'warn';
  color: boolean;
  verbose?: boolean;
}

/**
 * True when stdin can bring no logs: a terminal (someone forgot the pipe), or a character device
 * that is not one, such as /dev/null under `docker run -t` without -i, cron or systemd, where
 * reading would end at once and "no problem in 0 lines" would claim more than was read.
 */
function stdinHasNoLogs(io: CliIO): boolean {
  if (io.stdinIsTTY) return true;
  if (io.stdin !== process.stdin) return false;
  try {
    return fstatSync(0).isCharacterDevice() && !isatty(0);
  } catch {
    return true; // stdin closed
  }
}

export async function runLogsCommand(
  files: string[],
  opts: LogsCliOptions,
  io: CliIO,
  out: (t: string) => void,
  err: (t: string) => void,
  context: CommandContext,
): Promise<number> {
  const outputs = planOutputs(
    { format: opts.format, output: opts.output, json: opts.json },
    { env: io.env, stdoutIsTTY: io.stdoutIsTTY, cwd: io.cwd },
  );
  return runLogs(
    {
      files,
      json: Boolean(opts.json),
      outputs,
      run: { baseDir: io.cwd, environment: runEnvironment(context.argv, io.env) },
      follow: Boolean(opts.follow),
      failOn: opts.failOn,
      color: useColor(opts.color, io.stdoutIsTTY, io.env),
      verbose: Boolean(opts.verbose),
      ...(io.outputGone ? { outputGone: io.outputGone } : {}),
    },
    { stdin: io.stdin, stdinIsTTY: stdinHasNoLogs(io), stdout: out, stderr: err, writeFile: context.writeFile },
  );
}
