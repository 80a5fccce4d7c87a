// `mcp-tunnel logs [file ...]`: read files, `-` or stdin (plain or gzip), match every line to the
// catalog's signatures, and print grouped findings (or JSON). With --follow, findings are
// printed as they first appear and the summary when the input ends or the user interrupts.
// Writes only through `io`; returns the exit code.

import { setFlagsFromString } from 'node:v8';
import { FragmentPrefilter } from './prefilter.js';
import { DEFAULT_MAX_LINE_BYTES, LineScanner } from './scanner.js';
import { FIFO_WRITER_WAIT_MS, followFile, openInput, readFile, readStream } from './reader.js';
import type { Input, ReadOutcome } from './reader.js';
import { LogCollector, SignatureIndex, type LogEvent } from './matcher.js';
import type { LogSource, LogsReport } from './report.js';
import { prefilterFragments } from '../catalog/signatures.js';
import { toolVersion } from '../core/version.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../core/errors.js';
import { sanitiseValue } from '../redaction/redact.js';
import type { RenderContext, RunEnvironment } from '../reporters/context.js';
import type { OutputTarget } from '../commands/outputs.js';

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
  /** How long to wait for a writer on a FIFO without --follow (default FIFO_WRITER_WAIT_MS). */
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

let shared: { prefilter: FragmentPrefilter; index: SignatureIndex } | undefined;

/** The prefilter and the signature index, built once per process. */
function matcherParts(): { prefilter: FragmentPrefilter; index: SignatureIndex } {
  if (!shared) {
    const prefilter = new FragmentPrefilter(prefilterFragments());
    shared = { prefilter, index: new SignatureIndex(prefilter.fragments) };
  }
  return shared;
}

/** Returns the exit code: 0 nothing at or above failOn, 1 findings at or above it, 2 usage errors (unreadable named file, stdin is a TTY with no files: print a hint instead of hanging). */
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

  const inputs: Input[] = [];
  const problems: string[] = [];
  for (const name of names) {
    if (name === '-') {
      inputs.push({ kind: 'stream', name: 'stdin', stream: io.stdin });
      continue;
    }
    const fifo = {
      waitMs: opts.follow ? Infinity : (opts.fifoWaitMs ?? FIFO_WRITER_WAIT_MS),
      onWait: (t: string) => io.stderr(`mcp-tunnel logs: ${t}\n`),
    };
    const opened = await openInput(name, fifo);
    if ('problem' in opened) problems.push(opened.problem);
    else inputs.push(opened);
  }
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`mcp-tunnel logs: ${p}\n`);
    await closeAll(inputs);
    return EXIT_USAGE;
  }

  const controller = new AbortController();
  const signal = controller.signal;
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
  const targets: readonly OutputTarget[] = opts.outputs ?? [{ format: opts.json ? 'json' : 'human', path: null, given: '-' }];
  const streamed = opts.follow ? targets.find((t) => t.path === null && (t.format === 'human' || t.format === 'json'))?.format : undefined;
  const renderEvent =
    streamed === 'json'
      ? await import('../reporters/logs-json.js').then((m) => (e: LogEvent) => m.renderLogsEventJson(e))
      : streamed === 'human'
        ? await import('../reporters/logs-human.js').then((m) => (e: LogEvent) => m.renderLogsEventHuman(e, opts))
        : undefined;
  const onFirst = renderEvent ? (event: LogEvent) => io.stdout(renderEvent(sanitiseValue(event))) : undefined;
  const { prefilter, index } = matcherParts();
  const collector = new LogCollector(index, onFirst);
  const sources: LogSource[] = [];
  let cut = false;
  const note = (text: string) => io.stderr(`mcp-tunnel logs: ${text}\n`);

  try {
    const readOne = async (input: Input): Promise<void> => {
      const scanner = new LineScanner(prefilter, (text, lineNo, _cut, ids, count) => collector.line(text, lineNo, input.name, ids, count), maxLineBytes);
      let out: ReadOutcome;
      if (input.kind === 'file') {
        out = await readFile(input.handle, scanner, signal);
        if (opts.follow && !out.gzip && !signal.aborted) {
          scanner.flush();
          input.handle = await followFile(input, scanner, out.position, signal, note);
        }
      } else {
        out = await readStream(input.stream, scanner, signal, opts.follow);
      }
      scanner.end();
      if (out.binary) note(`${input.name} looks binary (it has NUL bytes); it was read as text anyway.`);
      if (out.problem) note(`${input.name}: ${out.problem}`);
      if (out.cut) cut = true;
      sources.push({
        name: input.name,
        gzip: out.gzip,
        lines: scanner.lines,
        bytes: scanner.bytes,
        cutLines: scanner.cutLines,
        ...(out.problem ? { problem: out.problem } : {}),
      });
    };
    if (opts.follow) {
      await Promise.all(inputs.map(readOne));
    } else {
      for (const input of inputs) await readOne(input);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onSignal);
    opts.outputGone?.removeEventListener('abort', onSignal);
    if (ownSignals) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    await closeAll(inputs);
  }

  // Sources in the order the user named them, whatever order they finished in.
  sources.sort((a, b) => inputs.findIndex((i) => i.name === a.name) - inputs.findIndex((i) => i.name === b.name));
  const report = collector.build({ version: toolVersion(), durationMs: performance.now() - started, sources });
  const { emitOutputs, runEnvironment } = await import('../commands/outputs.js');
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
    await emitOutputs('logs', report, targets.filter((t) => t.path !== null), ctx, { stdout: io.stdout, file: writeFile });
    const { renderLogsJson } = await import('../reporters/logs-json.js');
    io.stdout(renderLogsJson(sanitiseValue(report), { compact: true }));
  } else {
    await emitOutputs('logs', report, targets, ctx, { stdout: io.stdout, file: writeFile });
  }
  // An input cut short by a limit was not read whole, and an empty one not at all: without
  // findings, "clean" would claim too much.
  const code = exitCodeOf(report, opts.failOn);
  return code === EXIT_OK && (cut || report.linesRead === 0) ? EXIT_USAGE : code;
}

export function exitCodeOf(report: LogsReport, failOn: 'error' | 'warn'): number {
  const failing = report.matches.some((m) => m.severity === 'error' || (failOn === 'warn' && m.severity === 'warn'));
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

async function closeAll(inputs: Input[]): Promise<void> {
  for (const i of inputs) {
    if (i.handle) await i.handle.close().catch(() => undefined);
  }
}
