// Text of `doctor --fix`: the planned repairs (a diff per edit, the command per mode change),
// the findings left for the user, and what applying did. Pure; the caller redacts and writes.

import type { Facts } from '../core/facts.js';
import { displayPath } from '../pki/tls-inputs.js';
import { showControls } from '../redaction/control-chars.js';
import { makeStyle, type Style } from '../reporters/style.js';
import type { ApplyResult } from './apply.js';
import { octal } from '../core/file-mode.js';
import { unifiedDiff } from './diff.js';
import { shellQuote } from './key-mode.js';
import type { FixReport } from './index.js';

export interface RenderOptions {
  color: boolean;
  /** True when the plans are about to be applied (--yes). */
  applying: boolean;
}

const INDENT = '    ';

/** Lines of the user's files are input: their control characters are shown as text before our colours go on. */
function colorDiff(diff: string, style: Style): string {
  return showControls(diff)
    .replace(/\n$/, '')
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? style.bold(l)
        : l.startsWith('@@')
          ? style.dim(l)
          : l.startsWith('+')
            ? style.green(l)
            : l.startsWith('-')
              ? style.red(l)
              : l,
    )
    .join('\n');
}

function indent(text: string, by = INDENT): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

export function renderPlan(
  facts: Readonly<Facts>,
  report: FixReport,
  stale: readonly string[],
  opts: RenderOptions,
): string {
  const style = makeStyle(opts.color);
  const rel = (p: string) => displayPath(facts, p);
  const lines: string[] = [];
  const { plans, manual } = report;
  if (plans.length === 0 && manual.length === 0 && stale.length === 0)
    return 'Nothing to repair: no check reported a problem.\n';

  lines.push(
    style.bold(plans.length > 0 ? `Repairs (${plans.length}):` : 'Repairs: none that can be made mechanically.'),
  );
  for (const s of stale)
    lines.push(
      `  ${style.yellow('!')} ${rel(s)} changed after the checks read it: it is left alone (run the doctor again).`,
    );
  plans.forEach((p, i) => {
    lines.push('');
    lines.push(`  ${i + 1}. ${style.bold(p.id)} (${p.messageIds.join(', ')}): ${p.title}`);
    if (p.kind === 'edit') {
      lines.push(indent(colorDiff(unifiedDiff(rel(p.path), p.before, p.after), style), '     '));
    } else {
      lines.push(`     $ ${p.command}${style.dim(`   # mode now ${octal(p.beforeMode)}`)}`);
    }
    if (p.followUp) lines.push(style.dim(`     then: ${p.followUp}`));
  });

  if (manual.length > 0) {
    lines.push('');
    lines.push(style.bold(`To fix by hand (${manual.length}; no safe mechanical repair):`));
    for (const m of manual) {
      const at = m.location
        ? ` at ${m.location.line ? `${rel(m.location.file)}:${m.location.line}` : rel(m.location.file)}`
        : '';
      const mark = m.severity === 'error' ? style.red('✖') : style.yellow('▲');
      lines.push(`  ${mark} ${m.id} (${m.messageId})${at}`);
      if (m.reason) lines.push(style.dim(`     not repaired: ${m.reason}`));
      lines.push(indent(m.fix, '     '));
    }
  }
  if (plans.length > 0 && !opts.applying) {
    lines.push('');
    lines.push(
      'Nothing was changed. Run again with --yes to apply the repairs above ' +
        '(each edited file is first backed up as <file>.bak, or .bak.N when that exists).',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderApplied(
  facts: Readonly<Facts>,
  applied: readonly ApplyResult[],
  opts: { color: boolean },
): string {
  const style = makeStyle(opts.color);
  const rel = (p: string) => displayPath(facts, p);
  const lines = ['', style.bold('Applied:')];
  for (const r of applied) {
    const p = r.plan;
    if (r.status === 'applied') {
      if (p.kind === 'edit') lines.push(`  ${style.green('✔')} edited ${rel(p.path)} (backup: ${rel(r.backup!)})`);
      else
        lines.push(
          `  ${style.green('✔')} ${p.command} (was ${octal(r.oldMode!)}; to undo: chmod ${octal(r.oldMode!).slice(1)} ${shellQuote(p.path)})`,
        );
    } else {
      lines.push(`  ${style.red('✖')} ${r.status}: ${p.title}: ${r.message}`);
    }
    for (const note of r.notes ?? []) lines.push(style.dim(`     note: ${note}`));
  }
  const next = [
    ...new Set(
      applied
        .filter((r) => r.status === 'applied')
        .map((r) => r.plan.followUp)
        .filter((f): f is string => f !== null),
    ),
  ];
  if (next.length > 0) {
    lines.push('');
    lines.push('For the changes to take effect:');
    for (const n of next) lines.push(`  ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
