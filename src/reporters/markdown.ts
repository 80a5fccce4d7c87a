// Markdown for a support ticket or a CI job summary (GitHub-flavoured): the verdict first, a
// table of the checks (or of the matched log signatures), the findings with symptom, cause and
// fix, then the facts about the run. Every piece of text from the report is escaped, so a pipe,
// a newline or a `<` in a message can neither break the table nor become markup.
// A pure function: report -> string.

import type { CheckResult, DoctorReport, Finding, Status } from '../core/types.js';
import { LAYERS } from '../core/types.js';
import { findCatalogEntry } from '../catalog/catalog.js';
import type { LogMatch, LogNote, LogsReport } from '../logs/report.js';
import { pathFromBase, type RenderContext, type RunEnvironment } from './context.js';

const MARKS: Record<Status, string> = { pass: '✔', warn: '▲', fail: '✖', skip: '○', error: '☠' };

/**
 * Inline text: every character that could start markup mid-line is backslash-escaped (CommonMark
 * allows it for any ASCII punctuation), and newlines become <br>, so the text never starts a line
 * of its own (no accidental heading, list or fence).
 */
export function mdText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)
    .replace(/\n/g, '<br>');
}

/** A table cell: inline text with nothing that ends the cell or the row. */
export function mdCell(text: string): string {
  return mdText(text).replace(/\t/g, ' ');
}

/** A code span whose delimiters are longer than any backtick run inside (used for IDs, paths, commands). */
export function mdCode(text: string, inTable = false): string {
  const one = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : '';
  // A pipe ends a table cell even inside a code span: GFM wants it escaped there (and only there).
  return `${fence}${pad}${inTable ? one.replace(/\|/g, '\\|') : one}${pad}${fence}`;
}

/** A fenced block longer than any backtick fence in the content. */
function mdBlock(text: string, info = 'text'): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.replace(/\r\n?/g, '\n')}\n${fence}`;
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function where(f: Finding, ctx: RenderContext): string | null {
  if (!f.location) return null;
  const { line, column } = f.location;
  const file = pathFromBase(f.location.file, ctx.baseDir).path;
  return line ? `${file}:${line}${column ? `:${column}` : ''}` : file;
}

function environmentSection(env: RunEnvironment, extra: [string, string][] = []): string[] {
  const rows: [string, string][] = [
    ['mcp-tunnel', mdCell(env.toolVersion)],
    ['Node.js', mdCell(env.nodeVersion)],
    ['Platform', mdCell(env.platform)],
  ];
  if (env.ci) rows.push(['CI', mdCell(env.ci)]);
  if (env.deployment) {
    const d = env.deployment;
    rows.push(['Deployment', mdCode(d.dir, true)]);
    rows.push(['Layout', mdCell(d.layout === 'none' ? 'no Compose file or Helm values found' : d.layout)]);
    rows.push(['Naming generation', mdCell(d.generation ?? 'not told')]);
  }
  rows.push(...extra);
  rows.push(['Command', mdCode(env.commandLine, true)]);
  return ['## Environment', '', ...table(['Fact', 'Value'], rows)];
}

// ------------------------------------------------------------------------------------ doctor

function findingBlock(f: Finding, ctx: RenderContext): string[] {
  const head = [`**${f.severity === 'warn' ? 'warning' : f.severity}**`, mdCode(f.messageId)];
  const at = where(f, ctx);
  if (at) head.push(`at ${mdCode(at)}`);
  const lines = [
    head.join(' · '),
    '',
    `- **Symptom:** ${mdText(f.symptom)}`,
    `- **Cause:** ${mdText(f.cause)}`,
    `- **Fix:** ${mdText(f.fix)}`,
  ];
  if (ctx.verbose && f.evidence && Object.keys(f.evidence).length > 0) {
    lines.push(
      '',
      '<details><summary>Evidence</summary>',
      '',
      mdBlock(JSON.stringify(f.evidence, null, 2), 'json'),
      '',
      '</details>',
    );
  }
  return lines;
}

function shownFindings(r: CheckResult, verbose: boolean): Finding[] {
  return r.findings.filter((f) => f.severity !== 'info' || verbose);
}

export function renderDoctorMarkdown(report: DoctorReport, ctx: RenderContext): string {
  const v = report.verdict;
  const s = report.summary;
  const out: string[] = [];
  out.push(`# mcp-tunnel doctor: ${MARKS[v.status]} ${v.status}`, '');
  out.push(`**Verdict:** ${mdText(v.summary)}`, '');
  out.push(
    `**Summary:** ${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.skip} skipped, ${s.error} errored (${report.durationMs} ms)`,
    '',
  );

  out.push('## Checks', '');
  const rows = LAYERS.flatMap((layer) => report.results.filter((r) => r.layer === layer)).map((r) => [
    `${MARKS[r.status]} ${r.status}`,
    mdCode(r.id, true),
    mdCell(r.title),
  ]);
  out.push(...table(['Status', 'ID', 'Title'], rows), '');

  out.push('## Findings', '');
  const withFindings = report.results.filter((r) => r.status === 'error' || shownFindings(r, ctx.verbose).length > 0);
  if (withFindings.length === 0) out.push(ctx.verbose ? 'No findings.' : 'No errors or warnings.', '');
  for (const r of withFindings) {
    out.push(`### ${MARKS[r.status]} ${mdCode(r.id)}: ${mdText(r.title)}`, '');
    if (r.status === 'error') out.push(`The check itself failed: ${mdText(r.reason ?? 'no reason given')}`, '');
    for (const f of shownFindings(r, ctx.verbose)) out.push(...findingBlock(f, ctx), '');
    if (r.sources && r.sources.length > 0) {
      out.push('From:', '', ...r.sources.map((src) => `- ${src.kind}: ${mdText(src.where)}`), '');
    }
  }

  const skipped = report.results.filter((r) => r.status === 'skip');
  if (skipped.length > 0) {
    out.push('## Skipped checks', '');
    for (const r of skipped) out.push(`- ${mdCode(r.id)}: ${mdText(r.reason ?? 'no reason given')}`);
    out.push('');
  }

  out.push(...environmentSection(ctx.environment));
  return `${out.join('\n')}\n`;
}

// -------------------------------------------------------------------------------------- logs

function lineSpan(x: {
  count: number;
  firstLine: number;
  lastLine: number;
  firstSource?: string;
  lastSource?: string;
}): string {
  const at = (line: number, source?: string) => (source ? `${source}:${line}` : `${line}`);
  return x.firstLine === x.lastLine && x.firstSource === x.lastSource
    ? at(x.firstLine, x.firstSource)
    : `${at(x.firstLine, x.firstSource)}–${at(x.lastLine, x.lastSource)}`;
}

function timeSpan(x: { firstTime: string | null; lastTime: string | null }): string {
  if (!x.firstTime) return '';
  return x.lastTime && x.lastTime !== x.firstTime ? `${x.firstTime} → ${x.lastTime}` : x.firstTime;
}

const SEVERITY_MARK = { error: '✖ error', warn: '▲ warning', info: '○ info' } as const;

function matchBlock(m: LogMatch, ctx: RenderContext): string[] {
  const title = findCatalogEntry(m.id)?.title ?? m.id;
  const out = [`### ${SEVERITY_MARK[m.severity]} ${mdCode(m.id)}: ${mdText(title)} (${mdCode(m.signature)})`, ''];
  const times = timeSpan(m);
  out.push(
    `${plural(m.count, 'line')}, ${m.count === 1 ? 'line' : 'lines'} ${mdText(lineSpan(m))}${times ? `, ${mdText(times)}` : ''}`,
    '',
  );
  out.push('Example:', '', mdBlock(m.example), '');
  if (m.detail) out.push(`- **Detail:** ${mdText(m.detail)}`);
  out.push(`- **Symptom:** ${mdText(m.symptom)}`, `- **Cause:** ${mdText(m.cause)}`, `- **Fix:** ${mdText(m.fix)}`);
  if (ctx.verbose && m.evidence && Object.keys(m.evidence).length > 0) {
    out.push(
      '',
      '<details><summary>Evidence</summary>',
      '',
      mdBlock(JSON.stringify(m.evidence, null, 2), 'json'),
      '',
      '</details>',
    );
  }
  return out;
}

function noteRow(n: LogNote): string[] {
  return [
    mdCode(n.signature, true),
    n.id ? mdCode(n.id, true) : '',
    String(n.count),
    mdCell(lineSpan(n)),
    mdCell(n.summary),
  ];
}

export function renderLogsMarkdown(report: LogsReport, ctx: RenderContext): string {
  const v = report.verdict;
  const out: string[] = [];
  const status: Status = v.status === 'pass' ? 'pass' : v.status;
  out.push(`# mcp-tunnel logs: ${MARKS[status]} ${v.status}`, '');
  out.push(`**Verdict:** ${mdText(v.summary)}`, '');
  const names = report.sources.map((s) => `${s.name}${s.gzip ? ' (gzip)' : ''}`).join(', ') || 'stdin';
  out.push(
    `**Read:** ${plural(report.linesRead, 'line')} (${report.bytesRead} bytes) from ${mdText(names)} in ${report.durationMs} ms`,
    '',
  );
  for (const s of report.sources) if (s.problem) out.push(`**${mdText(s.name)}:** ${mdText(s.problem)}`, '');
  if (report.cutLines > 0)
    out.push(
      `${plural(report.cutLines, 'line')} longer than the limit were cut; only their beginning was matched.`,
      '',
    );

  const problems = report.matches.filter((m) => !m.harmless || ctx.verbose);
  out.push('## Matches', '');
  if (report.linesRead === 0) {
    out.push('No log line was read: nothing was judged.', '');
  } else if (problems.length === 0) {
    out.push('No known problem found.', '');
  } else {
    const ordered = LAYERS.flatMap((layer) => problems.filter((m) => m.layer === layer));
    const rows = ordered.map((m) => [
      SEVERITY_MARK[m.severity],
      mdCode(m.id, true),
      mdCode(m.signature, true),
      String(m.count),
      mdCell(lineSpan(m)),
    ]);
    out.push(...table(['Severity', 'ID', 'Signature', 'Count', 'Lines'], rows), '');
    out.push('## Findings', '');
    for (const m of ordered) out.push(...matchBlock(m, ctx), '');
  }

  const harmless = report.matches.filter((m) => m.harmless && !ctx.verbose);
  if (report.harmless.length > 0 || harmless.length > 0) {
    out.push('## Harmless (explained, not errors)', '');
    out.push(
      ...table(
        ['Signature', 'ID', 'Count', 'Lines', 'Why'],
        [
          ...report.harmless.map(noteRow),
          ...harmless.map((m) => [
            mdCode(m.signature, true),
            mdCode(m.id, true),
            String(m.count),
            mdCell(lineSpan(m)),
            mdCell(m.cause),
          ]),
        ],
      ),
      '',
    );
  }
  if (report.healthy.length > 0) {
    out.push('## Healthy', '');
    out.push(...table(['Signature', 'ID', 'Count', 'Lines', 'What it proves'], report.healthy.map(noteRow)), '');
  }
  const u = report.unmatched;
  if (u.errorLines > 0) {
    out.push(
      '## Not recognised',
      '',
      `${plural(u.errorLines, 'error line')} matched no known signature. ${u.examples.length < u.errorLines ? `The first ${u.examples.length}:` : ''}`.trim(),
      '',
    );
    const lines = u.examples.map((e, i) => {
      const line = u.exampleLines?.[i];
      const source = u.exampleSources?.[i];
      return `${line !== undefined ? `${source ? `${source}:` : ''}${line}: ` : ''}${e}`;
    });
    out.push(mdBlock(lines.join('\n')), '');
  }

  const sources = report.sources
    .map((s) => `${s.name}: ${plural(s.lines, 'line')}${s.gzip ? ', gzip' : ''}`)
    .join('; ');
  out.push(...environmentSection(ctx.environment, sources ? [['Inputs', mdCell(sources)]] : []));
  return `${out.join('\n')}\n`;
}
