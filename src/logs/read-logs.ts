// Opens log inputs (files, FIFOs, stdin; plain or gzip) and matches every line to the catalog's
// signatures: the result is the report (data) and how the reading went. No command-line
// knowledge here: src/commands/logs.ts owns the flags, the signals, the output and the exit code.

import { FragmentPrefilter } from './prefilter.js';
import { LineScanner } from './scanner.js';
import { FIFO_WRITER_WAIT_MS, followFile, openInput, readFile, readStream } from './reader.js';
import type { Input, ReadOutcome } from './reader.js';
import { LogCollector, SignatureIndex, type LogEvent } from './matcher.js';
import type { LogSource, LogsReport } from './report.js';
import { prefilterFragments } from '../catalog/signatures.js';

/** The opened inputs, to give to matchLogInputs; or the inputs that could not be opened (nothing is held open then). */
export type OpenedLogInputs = { state: 'open'; inputs: Input[] } | { state: 'unreadable'; problems: string[] };

export interface MatchLogsOptions {
  /** Keep reading appended lines until `signal` aborts. */
  follow: boolean;
  maxLineBytes: number;
  /** Stops reading (an interrupt, the output gone). */
  signal: AbortSignal;
  /** Told the first time each signature is seen (for --follow). */
  onFirst?: (event: LogEvent) => void;
  /** Matches only the lines this keeps (the bundle's time window); every line is still counted. */
  keep?: (text: string) => boolean;
  /** Told what the reader noticed (binary input, a truncated gzip stream). */
  note: (text: string) => void;
  version: string;
  /** The time the run started (performance.now()), for the report's duration. */
  started: number;
}

/** The report, and whether an input was cut short by a limit (so it was not read whole). */
export interface MatchedLogs {
  report: LogsReport;
  cut: boolean;
}

let shared: { prefilter: FragmentPrefilter; index: SignatureIndex } | undefined;

/** The prefilter and the signature index, built once per process. */
function matcherParts(): { prefilter: FragmentPrefilter; index: SignatureIndex } {
  if (!shared) {
    const prefilter = new FragmentPrefilter(prefilterFragments());
    shared = { prefilter, index: new SignatureIndex(prefilter.fragments) };
  }
  return shared;
}

/**
 * Open every input ('-' is `stdin`): all of them, or none (a problem with one is a usage problem,
 * reported as a sentence). A FIFO is waited for, at most `fifoWaitMs` (forever with follow).
 */
export async function openLogInputs(
  names: readonly string[],
  stdin: NodeJS.ReadableStream,
  wait: { follow: boolean; fifoWaitMs?: number; note: (text: string) => void },
): Promise<OpenedLogInputs> {
  const inputs: Input[] = [];
  const problems: string[] = [];
  for (const name of names) {
    if (name === '-') {
      inputs.push({ kind: 'stream', name: 'stdin', stream: stdin });
      continue;
    }
    const fifo = { waitMs: wait.follow ? Infinity : (wait.fifoWaitMs ?? FIFO_WRITER_WAIT_MS), onWait: wait.note };
    const opened = await openInput(name, fifo);
    if ('problem' in opened) problems.push(opened.problem);
    else inputs.push(opened);
  }
  if (problems.length === 0) return { state: 'open', inputs };
  await closeAll(inputs);
  return { state: 'unreadable', problems };
}

/** Read the opened inputs to their end (or until the signal), match every line, and close them. */
export async function matchLogInputs(inputs: Input[], opts: MatchLogsOptions): Promise<MatchedLogs> {
  const { prefilter, index } = matcherParts();
  const collector = new LogCollector(index, opts.onFirst);
  const sources: LogSource[] = [];
  const signal = opts.signal;
  let cut = false;
  try {
    const readOne = async (input: Input): Promise<void> => {
      const scanner = new LineScanner(
        prefilter,
        (text, lineNo, _cut, ids, count) => {
          if (!opts.keep || opts.keep(text)) collector.line(text, lineNo, input.name, ids, count);
        },
        opts.maxLineBytes,
      );
      let out: ReadOutcome;
      if (input.kind === 'file') {
        out = await readFile(input.handle, scanner, signal);
        if (opts.follow && !out.gzip && !signal.aborted) {
          scanner.flush();
          input.handle = await followFile(input, scanner, out.position, signal, opts.note);
        }
      } else {
        out = await readStream(input.stream, scanner, signal, opts.follow);
      }
      scanner.end();
      if (out.binary) opts.note(`${input.name} looks binary (it has NUL bytes); it was read as text anyway.`);
      if (out.problem) opts.note(`${input.name}: ${out.problem}`);
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
    await closeAll(inputs);
  }

  // Sources in the order the user named them, whatever order they finished in.
  sources.sort((a, b) => inputs.findIndex((i) => i.name === a.name) - inputs.findIndex((i) => i.name === b.name));
  const report = collector.build({ version: opts.version, durationMs: performance.now() - opts.started, sources });
  return { report, cut };
}

async function closeAll(inputs: Input[]): Promise<void> {
  for (const i of inputs) {
    if (i.handle) await i.handle.close().catch(() => undefined);
  }
}
