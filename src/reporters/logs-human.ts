// Human output of `mcp-tunnel logs`: problems grouped by catalog ID and signature in layer
// order, each with its count, line range, times, one redacted example and the catalog's
// symptom, cause and fix; then harmless noise, healthy evidence, the error lines nothing
// matched, and the verdict naming the first failing layer. A pure function: report -> string.

import type { Severity, Status } from '../core/types.js';
import { LAYERS } from '../core/types.js';
import { catalogEntry, LAYER_TITLES } from '../catalog/catalog.js';
import type { LogMatch, LogNote, LogsReport } from '../logs/report.js';
import type { LogEvent } from '../logs/matcher.js';
import { makeStyle, type Style } from './style.js';

export interface LogsHumanOptions {
  color: boolean;
  verbose: boolean;
}

const PAD = '      ';
const EXAMPLE_CHARS = 240;

const statusOf = (s: Severity): Status => (s === 'error' ? 'fail' : s === 'warn' ? 'warn' : 'skip');

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function clip(text: string, verbose: boolean): string {
  return verbose || text.length <= EXAMPLE_CHARS ? text : `${text.slice(0, EXAMPLE_CHARS)}...`;
}

function span(x: {
  count: number;
  firstLine: number;
  lastLine: number;
  firstTime: string | null;
  lastTime: string | null;
  firstSource?: string;
  lastSource?: string;
}): string {
  const at = (line: number, source?: string) => (source ? `${source}:${line}` : `${line}`);
  const lines =
    x.count === 1 || (x.firstLine === x.lastLine && x.firstSource === x.lastSource)
      ? `line ${at(x.firstLine, x.firstSource)}`
      : `lines ${at(x.firstLine, x.firstSource)}–${at(x.lastLine, x.lastSource)}`;
  const times = x.firstTime
    ? x.lastTime && x.lastTime !== x.firstTime
      ? `, ${x.firstTime} → ${x.lastTime}`
      : `, ${x.firstTime}`
    : '';
  return `${lines}${times}`;
}

function label(name: string, text: string): string {
  const body = text.split('\n');
  return body.map((l, i) => `${PAD}${i === 0 ? `${name.padEnd(8)} ` : ' '.repeat(9)}${l}`).join('\n');
}

function worst(matches: readonly LogMatch[]): Severity {
  return matches.some((m) => m.severity === 'error')
    ? 'error'
    : matches.some((m) => m.severity === 'warn')
      ? 'warn'
      : 'info';
}

function renderId(id: string, matches: LogMatch[], style: Style, verbose: boolean): string[] {
  const entry = catalogEntry(id);
  const out = [`  ${style.status(statusOf(worst(matches)))} ${style.bold(id)}  ${entry.title}`];
  for (const m of matches) {
    out.push(`${PAD}${style.bold(m.signature)}: ${plural(m.count, 'line')} (${span(m)})`);
    out.push(style.dim(label('example', clip(m.example, verbose))));
    if (m.detail) out.push(label('detail', m.detail));
    if (verbose && m.evidence) {
      for (const [k, v] of Object.entries(m.evidence))
        out.push(style.dim(label(k, Array.isArray(v) ? v.join(', ') : String(v))));
    }
  }
  const [first] = matches;
  if (first) out.push(label('symptom', first.symptom), label('cause', first.cause), label('fix', first.fix));
  return out;
}

function renderNote(n: LogNote, mark: string, style: Style, verbose: boolean): string[] {
  const name = n.id && n.id !== n.signature ? `${n.signature} (${n.id})` : n.signature;
  const out = [`  ${mark} ${style.bold(name)}: ${plural(n.count, 'line')} (${span(n)})`, `${PAD}${n.summary}`];
  if (verbose) out.push(style.dim(label('example', n.example)));
  return out;
}

export function renderLogsHuman(report: LogsReport, opts: LogsHumanOptions): string {
  const style = makeStyle(opts.color);
  const out: string[] = [];
  const names = report.sources.map((s) => `${s.name}${s.gzip ? ' (gzip)' : ''}`).join(', ');
  out.push(
    style.bold(`mcp-tunnel logs ${report.tool.version}`) +
      ` · ${names || 'stdin'} · ${plural(report.linesRead, 'line')}, ${bytes(report.bytesRead)} in ${report.durationMs} ms`,
  );
  if (report.cutLines > 0)
    out.push(
      style.dim(`${plural(report.cutLines, 'line')} longer than the limit were cut; only their beginning was matched.`),
    );
  for (const s of report.sources) if (s.problem) out.push(style.yellow(`${s.name}: ${s.problem}`));

  const problems = report.matches.filter((m) => !m.harmless);
  if (report.linesRead === 0) out.push('', style.yellow('No log line was read: nothing was judged.'));
  else if (problems.length === 0) out.push('', style.green('No known problem found.'));
  for (const layer of LAYERS) {
    const inLayer = problems.filter((m) => m.layer === layer);
    if (inLayer.length === 0) continue;
    out.push('', style.bold(LAYER_TITLES[layer]));
    const ids = [...new Set(inLayer.map((m) => m.id))];
    for (const id of ids)
      out.push(
        ...renderId(
          id,
          inLayer.filter((m) => m.id === id),
          style,
          opts.verbose,
        ),
      );
  }

  if (report.harmless.length > 0) {
    out.push('', style.bold('Harmless (explained, not errors)'));
    for (const n of report.harmless) out.push(...renderNote(n, style.dim('○'), style, opts.verbose));
  }
  if (report.healthy.length > 0) {
    out.push('', style.bold('Healthy'));
    for (const n of report.healthy) out.push(...renderNote(n, style.green('✔'), style, opts.verbose));
  }
  const u = report.unmatched;
  if (u.errorLines > 0) {
    out.push('', style.bold(`Not recognised: ${plural(u.errorLines, 'error line')} matched no known signature`));
    u.examples.forEach((e, i) => {
      const where =
        u.exampleLines?.[i] !== undefined
          ? `line ${u.exampleSources?.[i] ? `${u.exampleSources[i]}:` : ''}${u.exampleLines[i]}`
          : '';
      out.push(`${PAD}${style.dim(where.padEnd(10))} ${clip(e, opts.verbose)}`);
    });
    if (u.errorLines > u.examples.length)
      out.push(style.dim(`${PAD}... and ${plural(u.errorLines - u.examples.length, 'more line')}`));
  }

  out.push('');
  const v = report.verdict;
  const paint = v.status === 'pass' ? style.green : v.status === 'warn' ? style.yellow : style.red;
  out.push(paint(`${style.status(v.status)} Verdict: ${v.summary}`));
  const errors = problems.filter((m) => m.severity === 'error').length;
  const warns = problems.filter((m) => m.severity === 'warn').length;
  out.push(
    `Summary: ${plural(errors, 'error signature')}, ${plural(warns, 'warning signature')}, ${report.harmless.length} harmless, ${report.healthy.length} healthy, ${plural(u.errorLines, 'unrecognised error line')}.`,
  );
  return `${out.join('\n')}\n`;
}

/** One block printed by --follow the first time a signature is seen. */
export function renderLogsEventHuman(event: LogEvent, opts: LogsHumanOptions): string {
  const style = makeStyle(opts.color);
  if (event.match) {
    const m = event.match;
    const lines = [
      `${style.status(statusOf(m.severity))} ${style.bold(m.id)} · ${m.signature} (${span(m)})`,
      style.dim(label('example', clip(m.example, opts.verbose))),
    ];
    if (m.detail) lines.push(label('detail', m.detail));
    lines.push(label('fix', m.fix));
    return `${lines.join('\n')}\n`;
  }
  const n = event.note;
  if (!n) return '';
  const mark = event.kind === 'healthy' ? style.green('✔ healthy') : style.dim('○ harmless');
  return `${mark} ${style.bold(n.signature)} (${span(n)}): ${n.summary}\n`;
}
