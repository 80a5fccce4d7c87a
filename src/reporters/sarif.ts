// SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers): one rule per catalog ID
// (every ID, whatever this run found, so a result's ruleIndex is stable across runs), and one
// result per error or warning finding (info findings become notes with --verbose only).
// Every result has a location, because GitHub rejects a file holding any result without one:
// the finding's own file, line and column when known, else the deployment's main file (or,
// for logs, the log file and line). Paths are relative to the working directory (the checkout
// root in CI) through the SRCROOT base, with forward slashes. A pure function: report -> string.

import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { CATALOG, type CatalogEntry } from '../catalog/catalog.js';
import { SIGNATURES } from '../catalog/signatures.js';
import type { CheckResult, DoctorReport, Finding, Severity } from '../core/types.js';
import type { LogsReport } from '../logs/report.js';
import { helpUriFor, logFileOf, pathFromBase, PROJECT_URL, type RenderContext } from './context.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const BASE_ID = 'SRCROOT';

type Level = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, Level> = { error: 'error', warn: 'warning', info: 'note' };

/** A rule's default level: doctor checks fail with an error; log-only IDs take their worst signature's severity. */
function defaultLevel(entry: CatalogEntry): Level {
  if (entry.kind !== 'log') return 'error';
  const severities = SIGNATURES.filter((s) => s.kind === 'problem' && s.id === entry.id).map((s) => s.severity);
  if (severities.includes('error')) return 'error';
  if (severities.includes('warn')) return 'warning';
  return 'note';
}

/** PascalCase of a kebab-case ID: SARIF's rule name is an identifier-like friendly name. */
function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

function rules(): Sarif.ReportingDescriptor[] {
  return CATALOG.map((e) => ({
    id: e.id,
    name: ruleName(e.id),
    shortDescription: { text: e.title },
    fullDescription: { text: e.explain },
    help: { text: `${e.fix}\n\nSymptom: ${e.symptom}\nCause: ${e.cause}` },
    helpUri: helpUriFor(e.id),
    defaultConfiguration: { level: defaultLevel(e) },
    properties: { tags: ['mcp-tunnel', e.layer, e.kind], layer: e.layer, kind: e.kind },
  }));
}

const RULE_INDEX = new Map(CATALOG.map((e, i) => [e.id, i]));

function artifactLocation(file: string, ctx: RenderContext): Sarif.ArtifactLocation {
  const p = pathFromBase(file, ctx.baseDir);
  if (!p.inside) return { uri: pathToFileURL(p.path).href };
  return { uri: p.path.split('/').map(encodeURIComponent).join('/'), uriBaseId: BASE_ID };
}

function physical(
  file: string,
  line: number | undefined,
  column: number | undefined,
  ctx: RenderContext,
): Sarif.Location {
  const loc: Sarif.PhysicalLocation = { artifactLocation: artifactLocation(file, ctx) };
  if (line !== undefined && line >= 1) {
    loc.region = { startLine: line, ...(column !== undefined && column >= 1 ? { startColumn: column } : {}) };
  }
  return { physicalLocation: loc };
}

function locationsOf(
  file: string | undefined,
  line: number | undefined,
  column: number | undefined,
  ctx: RenderContext,
): Sarif.Location[] {
  if (file) return [physical(file, line, column, ctx)];
  if (ctx.anchorFile) return [physical(ctx.anchorFile, undefined, undefined, ctx)];
  return [];
}

function run(
  kind: 'doctor' | 'logs',
  version: string,
  results: Sarif.Result[],
  ctx: RenderContext,
  notifications: Sarif.Notification[],
): Sarif.Log {
  const base = pathToFileURL(ctx.baseDir.endsWith('/') ? ctx.baseDir : `${ctx.baseDir}/`).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mcp-tunnel',
            version,
            semanticVersion: version,
            informationUri: PROJECT_URL,
            rules: rules(),
          },
        },
        automationDetails: { id: `mcp-tunnel/${kind}/` },
        originalUriBaseIds: { [BASE_ID]: { uri: base } },
        invocations: [
          {
            executionSuccessful: notifications.every((n) => n.level !== 'error'),
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

function result(
  id: string,
  level: Level,
  text: string,
  locations: Sarif.Location[],
  properties: Sarif.PropertyBag,
): Sarif.Result {
  return {
    ruleId: id,
    ruleIndex: RULE_INDEX.get(id) ?? -1,
    level,
    message: { text },
    ...(locations.length > 0 ? { locations } : {}),
    properties,
  };
}

// ------------------------------------------------------------------------------------ doctor

function findingResult(r: CheckResult, f: Finding, ctx: RenderContext): Sarif.Result {
  const loc = f.location;
  const text = `${f.symptom}\nCause: ${f.cause}\nFix: ${f.fix}`;
  const props: Sarif.PropertyBag = { messageId: f.messageId, layer: r.layer, status: r.status };
  if (ctx.verbose && f.evidence) props.evidence = f.evidence;
  return result(r.id, LEVEL[f.severity], text, locationsOf(loc?.file, loc?.line, loc?.column, ctx), props);
}

export function renderDoctorSarif(report: DoctorReport, ctx: RenderContext): string {
  const results: Sarif.Result[] = [];
  const notifications: Sarif.Notification[] = [];
  for (const r of report.results) {
    for (const f of r.findings) {
      if (f.severity === 'info' && !ctx.verbose) continue;
      results.push(findingResult(r, f, ctx));
    }
    if (r.status === 'error') {
      notifications.push({
        level: 'error',
        message: { text: `${r.id} could not be checked: ${r.reason ?? 'no reason given'}` },
        descriptor: { id: r.id, index: RULE_INDEX.get(r.id) },
      });
    }
  }
  return `${JSON.stringify(run('doctor', report.tool.version, results, ctx, notifications), null, 2)}\n`;
}

// -------------------------------------------------------------------------------------- logs

export function renderLogsSarif(report: LogsReport, ctx: RenderContext): string {
  const results: Sarif.Result[] = [];
  for (const m of report.matches) {
    if (m.severity === 'info' && !ctx.verbose) continue;
    const lines =
      m.count === 1 ? `1 line (line ${m.firstLine})` : `${m.count} lines (lines ${m.firstLine}-${m.lastLine})`;
    const text = [
      `${m.signature}: ${lines}${m.detail ? `. ${m.detail}` : ''}`,
      `Example: ${m.example}`,
      m.symptom,
      `Cause: ${m.cause}`,
      `Fix: ${m.fix}`,
    ].join('\n');
    const file = logFileOf(m, report);
    const props: Sarif.PropertyBag = {
      signature: m.signature,
      layer: m.layer,
      count: m.count,
      firstLine: m.firstLine,
      lastLine: m.lastLine,
    };
    if (m.firstTime) props.firstTime = m.firstTime;
    if (m.lastTime) props.lastTime = m.lastTime;
    if (ctx.verbose && m.evidence) props.evidence = m.evidence;
    results.push(
      result(m.id, LEVEL[m.severity], text, file ? [physical(file, m.firstLine, undefined, ctx)] : [], props),
    );
  }
  const notifications: Sarif.Notification[] = report.sources
    .filter((s) => s.problem)
    .map((s) => ({ level: 'warning', message: { text: `${s.name}: ${s.problem}` } }));
  return `${JSON.stringify(run('logs', report.tool.version, results, ctx, notifications), null, 2)}\n`;
}
