// Runs text through the real pipeline (byte prefilter, line scanner, collector) without a CLI.

import { Readable } from 'node:stream';
import { prefilterFragments } from '../../src/catalog/signatures.js';
import { LogCollector, SignatureIndex } from '../../src/logs/matcher.js';
import { FragmentPrefilter } from '../../src/logs/prefilter.js';
import type { LogsReport } from '../../src/logs/report.js';
import { LineScanner } from '../../src/logs/scanner.js';
import { runLogs, type LogsIO, type LogsOptions } from '../../src/commands/logs.js';

const prefilter = new FragmentPrefilter(prefilterFragments());
const index = new SignatureIndex(prefilter.fragments);

export function analyze(text: string | Buffer, maxLineBytes?: number): LogsReport {
  const collector = new LogCollector(index);
  const scanner = new LineScanner(
    prefilter,
    (t, n, _cut, ids, count) => collector.line(t, n, 'test', ids, count),
    maxLineBytes,
  );
  scanner.push(typeof text === 'string' ? Buffer.from(text) : text);
  scanner.end();
  return collector.build({
    version: '0.0.0-test',
    durationMs: 0,
    sources: [{ name: 'test', gzip: false, lines: scanner.lines, bytes: scanner.bytes, cutLines: scanner.cutLines }],
  });
}

/** The signature names a text was matched to (problems, harmless and healthy), with their counts. */
export function signaturesOf(report: LogsReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of report.matches) out[m.signature] = m.count;
  for (const n of [...report.healthy, ...report.harmless]) out[n.signature] = n.count;
  return out;
}

export interface FakeIO extends LogsIO {
  out: string[];
  err: string[];
  stdoutText(): string;
  stderrText(): string;
}

export function fakeIO(stdin: NodeJS.ReadableStream = Readable.from([]), stdinIsTTY = false): FakeIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdin,
    stdinIsTTY,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    out,
    err,
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}

export function options(over: Partial<LogsOptions> = {}): LogsOptions {
  return { files: [], json: true, follow: false, failOn: 'error', color: false, verbose: false, ...over };
}

export async function runJson(
  files: string[],
  io: FakeIO = fakeIO(),
  over: Partial<LogsOptions> = {},
): Promise<{ code: number; report: LogsReport; io: FakeIO }> {
  const code = await runLogs(options({ files, ...over }), io);
  return { code, report: JSON.parse(io.stdoutText()) as LogsReport, io };
}
