// Where a command's report goes: `--format a,b --output x,y` (or `--json`) turned into a list of
// (format, destination) pairs, checked before the run; then the report rendered for each
// destination and written, files first (atomically: a temporary file beside the target, then a rename) and
// stdout last. The report is redacted field by field before any reporter sees it, because
// escaping (XML character references, %0A in workflow commands) could hide a secret from the
// text redactor that every writer applies afterwards.

import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { sanitiseValue } from '../redaction/redact.js';
import { FORMATS, isFormat, loadRenderers, type Format } from '../reporters/index.js';
import type { RenderContext, RunEnvironment } from '../reporters/context.js';
import type { DoctorReport } from '../core/types.js';
import type { LogsReport } from '../logs/report.js';
import { toolVersion } from '../core/version.js';

export interface OutputTarget {
  format: Format;
  /** Absolute path of the file, or null for stdout. */
  path: string | null;
  /** As the user wrote it, for messages. */
  given: string;
}

export interface OutputRequest {
  format?: readonly string[];
  output?: readonly string[];
  json?: boolean;
}

/** What a command gets from the CLI besides its options: the redacting file writer and the command line. */
export interface CommandContext {
  /** Writes a file atomically; the CLI redacts the text first. */
  writeFile(path: string, text: string): void;
  argv: readonly string[];
}

function defaultFormat(env: Readonly<Record<string, string | undefined>>, stdoutIsTTY: boolean): Format {
  return env.GITHUB_ACTIONS === 'true' && !stdoutIsTTY ? 'github' : 'human';
}

/** Checks --format / --output / --json and pairs them up; every mistake is a usage error (exit 2) before anything runs. */
export function planOutputs(
  req: OutputRequest,
  opts: { env: Readonly<Record<string, string | undefined>>; stdoutIsTTY: boolean; cwd: string },
): OutputTarget[] {
  const named = (req.format ?? []).map((f) => f.trim().toLowerCase()).filter(Boolean);
  for (const f of named) {
    if (!isFormat(f))
      throw new UsageError(
        `--format ${f}: not a format`,
        `Formats: ${FORMATS.join(', ')} (several at once: --format json,junit --output report.json,report.xml).`,
      );
  }
  if (req.json && named.some((f) => f !== 'json')) {
    throw new UsageError(
      `--json is --format json; it cannot be combined with --format ${named.join(',')}`,
      'Drop --json and list json among the formats: --format json,junit --output report.json,report.xml.',
    );
  }
  const formats: Format[] =
    named.length > 0 ? (named as Format[]) : req.json ? ['json'] : [defaultFormat(opts.env, opts.stdoutIsTTY)];
  const outputs = (req.output ?? []).map((o) => o.trim()).filter(Boolean);
  if (outputs.length === 0) {
    if (formats.length > 1) {
      throw new UsageError(
        `--format ${formats.join(',')}: several formats need --output with one entry per format`,
        `For example: --format ${formats.join(',')} --output ${formats.map((f, i) => (i === 0 ? '-' : `report.${extension(f)}`)).join(',')} (- is stdout; at most one).`,
      );
    }
    return formats.map((format) => ({ format, path: null, given: '-' }));
  }
  if (outputs.length !== formats.length) {
    throw new UsageError(
      `--output has ${outputs.length} ${outputs.length === 1 ? 'entry' : 'entries'} for ${formats.length} ${formats.length === 1 ? 'format' : 'formats'} (${formats.join(',')})`,
      'Give one --output entry per format, in the same order, comma-separated; - is stdout.',
    );
  }
  if (outputs.filter((o) => o === '-').length > 1) {
    throw new UsageError(
      '--output: at most one format can go to stdout (-)',
      'Send the others to files: --format github,sarif --output -,mcp-tunnel.sarif.',
    );
  }
  const seen = new Map<string, string>();
  return formats.map((format, i) => {
    const given = outputs[i] ?? '-'; // as many outputs as formats: checked above
    if (given === '-') return { format, path: null, given };
    const path = resolve(opts.cwd, given);
    if (seen.has(path))
      throw new UsageError(`--output ${given}: the same file is named twice (also for ${seen.get(path)})`);
    seen.set(path, format);
    checkWritable(path, given);
    return { format, path, given };
  });
}

function extension(f: Format): string {
  return {
    human: 'txt',
    json: 'json',
    markdown: 'md',
    junit: 'xml',
    sarif: 'sarif',
    github: 'txt',
    openmetrics: 'prom',
  }[f];
}

function checkWritable(path: string, given: string): void {
  let dir;
  try {
    dir = statSync(dirname(path));
  } catch {
    throw new UsageError(
      `--output ${given}: the directory ${dirname(path)} does not exist`,
      'Create it first, or write the report somewhere that exists.',
    );
  }
  if (!dir.isDirectory()) throw new UsageError(`--output ${given}: ${dirname(path)} is not a directory`);
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`--output ${given}: that is a directory; name a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
}

/** The command as it was run, for a support ticket; the value of a secret-bearing flag is never shown. */
function describeCommandLine(argv: readonly string[]): string {
  const shown: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      shown.push('(hidden)');
      hideNext = false;
    } else if (arg === '--token') {
      shown.push(arg);
      hideNext = true;
    } else if (arg.startsWith('--token=')) {
      shown.push('--token=(hidden)');
    } else {
      shown.push(/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
    }
  }
  return ['mcp-tunnel', ...shown].join(' ');
}

function ciName(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_ACTIONS === 'true') return 'GitHub Actions';
  if (env.GITLAB_CI === 'true') return 'GitLab CI';
  if (env.TF_BUILD === 'True') return 'Azure Pipelines';
  if (env.CIRCLECI === 'true') return 'CircleCI';
  if (env.JENKINS_URL) return 'Jenkins';
  if (env.BUILDKITE === 'true') return 'Buildkite';
  if (env.CI === 'true' || env.CI === '1') return 'a CI system';
  return undefined;
}

export function runEnvironment(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  deployment?: RunEnvironment['deployment'],
): RunEnvironment {
  const ci = ciName(env);
  return {
    toolVersion: toolVersion(),
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
    commandLine: describeCommandLine(argv),
    ...(deployment ? { deployment } : {}),
    ...(ci ? { ci } : {}),
  };
}

type Kind = { doctor: DoctorReport; logs: LogsReport };

/** Renders the report in every requested format and writes each: files first, stdout last. */
export async function emitOutputs<K extends keyof Kind>(
  kind: K,
  report: Kind[K],
  targets: readonly OutputTarget[],
  ctx: RenderContext,
  write: { stdout(text: string): void; file(path: string, text: string): void },
): Promise<void> {
  const clean = sanitiseValue(report);
  const rendered = new Map<OutputTarget, string>();
  for (const t of targets) {
    const r = await loadRenderers(t.format);
    // Colour belongs on a terminal only: a file never gets escape codes.
    const c = { ...ctx, color: t.path === null && ctx.color };
    rendered.set(t, kind === 'doctor' ? r.doctor(clean as DoctorReport, c) : r.logs(clean as LogsReport, c));
  }
  for (const t of targets) if (t.path !== null) write.file(t.path, rendered.get(t)!);
  for (const t of targets) if (t.path === null) write.stdout(rendered.get(t)!);
}
