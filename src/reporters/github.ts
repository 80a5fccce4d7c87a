// GitHub Actions workflow commands: one annotation per finding, shown on the run and, when the
// file is in the checkout, on the pull request's diff.
//   ::error file=F,line=L,col=C,title=ID::message     (error findings, checks that broke)
//   ::warning ...                                      (warnings)
//   ::notice ...                                       (info findings, with --verbose only)
// then one plain summary line. Data is escaped as the runner unescapes it (% CR LF), property
// values also (: and ,), so no message can end its line or start a command of its own.
// Paths are relative to the working directory (the checkout root), with forward slashes.
// A pure function: report -> string.

import type { DoctorReport, Finding, Severity } from '../core/types.js';
import type { LogsReport } from '../logs/report.js';
import { logFileOf, pathFromBase, type RenderContext } from './context.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warn: 'warning', info: 'notice' };

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

interface Annotation {
  kind: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

function annotation(a: Annotation, ctx: RenderContext): string {
  const props: string[] = [];
  if (a.file) {
    props.push(`file=${escapeProperty(pathFromBase(a.file, ctx.baseDir).path)}`);
    if (a.line !== undefined && a.line >= 1) {
      props.push(`line=${a.line}`);
      if (a.col !== undefined && a.col >= 1) props.push(`col=${a.col}`);
    }
  }
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.kind} ${props.join(',')}::${escapeData(a.message)}`;
}

function findingMessage(f: Finding): string {
  return `${f.symptom}\nCause: ${f.cause}\nFix: ${f.fix}`;
}

export function renderDoctorGithub(report: DoctorReport, ctx: RenderContext): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === 'error') {
      lines.push(
        annotation(
          { kind: 'error', title: r.id, message: `${r.id} could not be checked: ${r.reason ?? 'no reason given'}` },
          ctx,
        ),
      );
    }
    for (const f of r.findings) {
      if (f.severity === 'info' && !ctx.verbose) continue;
      lines.push(
        annotation(
          {
            kind: COMMAND[f.severity],
            title: r.id,
            message: findingMessage(f),
            file: f.location?.file,
            line: f.location?.line,
            col: f.location?.column,
          },
          ctx,
        ),
      );
    }
  }
  const s = report.summary;
  lines.push(
    `mcp-tunnel doctor ${report.tool.version}: ${report.verdict.summary.replace(/[\r\n]+/g, ' ')} (${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.skip} skipped, ${s.error} errored)`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderLogsGithub(report: LogsReport, ctx: RenderContext): string {
  const lines: string[] = [];
  for (const m of report.matches) {
    if (m.severity === 'info' && !ctx.verbose) continue;
    const span =
      m.count === 1 ? `1 line (line ${m.firstLine})` : `${m.count} lines (lines ${m.firstLine}-${m.lastLine})`;
    const message = [
      `${m.signature}: ${span}${m.detail ? `. ${m.detail}` : ''}`,
      `Example: ${m.example}`,
      m.symptom,
      `Cause: ${m.cause}`,
      `Fix: ${m.fix}`,
    ].join('\n');
    lines.push(
      annotation(
        { kind: COMMAND[m.severity], title: m.id, message, file: logFileOf(m, report), line: m.firstLine },
        ctx,
      ),
    );
  }
  const problems = report.matches.filter((m) => !m.harmless);
  const errors = problems.filter((m) => m.severity === 'error').length;
  const warnings = problems.filter((m) => m.severity === 'warn').length;
  lines.push(
    `mcp-tunnel logs ${report.tool.version}: ${report.verdict.summary.replace(/[\r\n]+/g, ' ')} (${report.linesRead} lines read, ${errors} error and ${warnings} warning signatures, ${report.unmatched.errorLines} unrecognised error lines)`,
  );
  return `${lines.join('\n')}\n`;
}
