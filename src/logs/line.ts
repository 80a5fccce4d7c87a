// One log line, taken apart: the prefixes the environment glued in front (Compose, journald,
// kubectl --prefix, container-runtime timestamps, "stderr: "), then the format of what is left
// (cloudflared console, cloudflared / proxy JSON, quic-go's Go log lines, logfmt, zap console,
// the pre-check table, plain text), its timestamp, level, message and key=value fields.
// Only lines the byte prefilter picked reach this file, so it favours clarity over speed.

import { jsonNestsDeeper } from '../core/json-nesting.js';
import { scalarText } from '../model/scalar-text.js';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type LineFormat = 'console' | 'json' | 'golog' | 'logfmt' | 'zap' | 'precheck' | 'text';

export interface ParsedLine {
  /** The line after the environment's prefixes (and ANSI colour codes) were removed. */
  text: string;
  format: LineFormat;
  /** Service, container or program named by a prefix (Compose, kubectl, journald). */
  origin: string | null;
  /** The line's own timestamp, else the one a prefix carried, as written (Go log time made ISO-like). */
  time: string | null;
  level: Level | null;
  message: string;
  fields: Record<string, string>;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const LEVEL_WORDS: Record<string, Level> = {
  trc: 'debug',
  trace: 'debug',
  dbg: 'debug',
  debug: 'debug',
  inf: 'info',
  info: 'info',
  notice: 'info',
  wrn: 'warn',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
  ftl: 'fatal',
  fatal: 'fatal',
  pnc: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  emerg: 'fatal',
  alert: 'fatal',
};

function levelOf(word: string | undefined | null): Level | null {
  if (!word) return null;
  return LEVEL_WORDS[word.toLowerCase()] ?? null;
}

const ISO_TS = String.raw`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?`;
const CRI = new RegExp(`^(${ISO_TS}) (?:stdout|stderr) [FP] `);
const COMPOSE = /^([A-Za-z0-9][A-Za-z0-9_.-]*?)(?:[-_]\d+)?\s+\|(?: |$)/;
const KUBECTL = /^\[([^\]\s/]+\/[^\]\s]+)\] ?/;
// journalctl's short and short-precise formats; users who paste them often cut the host name out.
const JOURNALD_SHORT = /^[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? (?:(\S+) )?([^\s:[]+)(?:\[\d+\])?: /;
const JOURNALD_ISO = new RegExp(`^(${ISO_TS}) (\\S+) ([^\\s:[]+)(?:\\[\\d+\\])?: `);
const LEADING_TS = new RegExp(`^(${ISO_TS})(?: |(?=\\d{4}-))`);
const STREAM_WORD = /^(?:stderr|stdout): ?/;
const CONSOLE = new RegExp(`^(${ISO_TS}) (TRC|DBG|INF|WRN|ERR|FTL|PNC)(?: |$)(.*)$`);
const ZAP = /^(\S+)\t(DEBUG|INFO|WARN|ERROR|DPANIC|PANIC|FATAL)\t([^\t]*)(?:\t(.*))?$/i;
const GOLOG = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) (.*)$/;
const PRECHECK_ROW =
  /^[\s|│]*(DNS Resolution|UDP Connectivity|TCP Connectivity|Cloudflare API)[\s|│]+(?:(\S+)[\s|│]+)?(PASS|FAIL|SKIP|WARN)\b[\s|│]*(.*?)[\s|│]*$/;
const TEXT_LEVEL = /^\[?(ERROR|ERR|WARN|WARNING|INFO|DEBUG|FATAL|PANIC)\]?(?::|\s)/i;
const FIELD = /(?:^|\s)([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

/** Remove the prefixes the environment adds, in any stacking order. */
export function stripPrefixes(line: string): { text: string; origin: string | null; time: string | null } {
  let text = line.includes('\x1b') ? line.replace(ANSI, '') : line;
  let origin: string | null = null;
  let time: string | null = null;
  for (let round = 0; round < 6; round++) {
    // Indentation pasted in front (quotes in issue threads, continuation lines) is not content.
    if (text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9) text = text.trimStart();
    const m = matchPrefix(text);
    if (!m) break;
    if (m.origin) origin ??= m.origin;
    if (m.time) time ??= m.time;
    text = text.slice(m.length);
  }
  return { text, origin, time };
}

/** The prefix at the start of the text, if any; the first character decides which can apply. */
function matchPrefix(text: string): { length: number; origin?: string; time?: string } | null {
  const c = text.charCodeAt(0);
  let m: RegExpExecArray | null;
  if (c >= 48 && c <= 57) {
    if ((m = CRI.exec(text))) return { length: m[0].length, time: m[1] };
    if ((m = JOURNALD_ISO.exec(text)) && !levelOf(m[2]) && !m[2]?.startsWith('{'))
      return { length: m[0].length, time: m[1], origin: m[3] };
    if ((m = LEADING_TS.exec(text)) && !startsWithLevel(text.slice(m[0].length))) {
      // A runtime timestamp glued in front of the program's own line (docker logs -t, kubectl --timestamps).
      return { length: m[0].length, time: m[1] };
    }
  } else if (c === 91 /* [ */) {
    if ((m = KUBECTL.exec(text))) return { length: m[0].length, origin: m[1] };
    return null;
  } else if (c === 115 /* s */ && (m = STREAM_WORD.exec(text))) {
    return { length: m[0].length };
  } else if (c >= 65 && c <= 90 && (m = JOURNALD_SHORT.exec(text)) && !levelOf(m[1]) && !levelOf(m[2])) {
    return { length: m[0].length, origin: m[2] };
  }
  const bar = text.indexOf('|');
  if (bar > 0 && bar < 120 && (m = COMPOSE.exec(text))) return { length: m[0].length, origin: m[1] };
  return null;
}

function startsWithLevel(rest: string): boolean {
  return (
    /^(?:TRC|DBG|INF|WRN|ERR|FTL|PNC)(?: |$)/.test(rest) ||
    /^\t(?:DEBUG|INFO|WARN|ERROR|DPANIC|PANIC|FATAL)\t/i.test(rest)
  );
}

/** key=value pairs (values may be double-quoted with escapes); returns the fields and where the first began. */
function parseFields(s: string): { fields: Record<string, string>; firstAt: number } {
  const fields: Record<string, string> = {};
  let firstAt = -1;
  FIELD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = FIELD.exec(s))) {
    if (firstAt < 0) firstAt = m.index;
    const [, name = '', raw = ''] = m;
    fields[name] = raw.startsWith('"') ? unquote(raw) : raw;
  }
  return { fields, firstAt };
}

function unquote(v: string): string {
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}

function flattenJson(obj: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    out[k] = scalarText(v);
  }
  return out;
}

function jsonTime(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    // zap and others write epoch seconds (with a fraction) or milliseconds.
    const ms = v > 1e12 ? v : v * 1000;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}

function parseJsonLine(text: string): Omit<ParsedLine, 'text' | 'origin'> | null {
  // A deeper line is read as text: its nested values would overflow JSON.stringify below.
  if (jsonNestsDeeper(text)) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const fields = flattenJson(o);
  const levelWord = fields.level ?? fields.lvl ?? fields.severity ?? fields.L;
  const message = fields.message ?? fields.msg ?? fields.M ?? '';
  const time = jsonTime(o.time ?? o.ts ?? o.timestamp ?? o['@timestamp'] ?? o.T);
  return { format: 'json', time, level: levelOf(levelWord), message, fields };
}

/** Take a decoded line apart. Never throws. */
export function parseLine(line: string): ParsedLine {
  const { text, origin, time: prefixTime } = stripPrefixes(line);
  const base = { text, origin };
  const trimmed = text.trimStart();

  if (trimmed.startsWith('{')) {
    const j = parseJsonLine(trimmed);
    if (j) return { ...base, ...j, time: j.time ?? prefixTime };
  }

  let m = CONSOLE.exec(text);
  if (m) {
    const [, time = '', level, rest = ''] = m;
    const { fields, firstAt } = parseFields(rest);
    const message = (firstAt >= 0 ? rest.slice(0, firstAt) : rest).trim();
    return { ...base, format: 'console', time, level: levelOf(level), message, fields };
  }

  m = ZAP.exec(text);
  if (m) {
    let fields: Record<string, string> = {};
    if (m[4]) {
      const j = parseJsonLine(m[4].trim());
      if (j) fields = j.fields;
    }
    return { ...base, format: 'zap', time: m[1] ?? null, level: levelOf(m[2]), message: m[3] ?? '', fields };
  }

  m = PRECHECK_ROW.exec(text);
  if (m) {
    const [, component = '', target, status = '', details] = m;
    const fields: Record<string, string> = { component, status };
    if (target) fields.target = target;
    if (details) fields.details = details;
    const level: Level = status === 'FAIL' ? 'error' : status === 'WARN' ? 'warn' : 'info';
    return { ...base, format: 'precheck', time: prefixTime, level, message: text.trim(), fields };
  }

  m = GOLOG.exec(text);
  if (m) {
    const [, year, month, day, clock, rest = ''] = m;
    return { ...base, ...restOfTextLine(rest), format: 'golog', time: `${year}-${month}-${day}T${clock}` };
  }

  const r = restOfTextLine(text);
  return { ...base, ...r, time: r.time ?? prefixTime };
}

const CONSOLE_LEVEL = new RegExp(`^${ISO_TS} (TRC|DBG|INF|WRN|ERR|FTL|PNC)(?: |$)`);
const LOGFMT_LEVEL = /(?:^|\s)level=([A-Za-z]+)/;

/**
 * Only the level of a line, without taking the rest apart: what the matcher needs for the many
 * lines no signature claims. Agrees with parseLine(line).level (the tests hold it to that).
 */
export function lineLevel(line: string): Level | null {
  const { text } = stripPrefixes(line);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const obj = jsonObject(trimmed);
    if (obj) {
      const word = obj.level ?? obj.lvl ?? obj.severity ?? obj.L;
      return word === undefined || word === null ? null : levelOf(scalarText(word));
    }
  }
  const first = text.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    const m = CONSOLE_LEVEL.exec(text);
    if (m) return levelOf(m[1]);
  }
  if (text.includes('\t') || PRECHECK_ROW.test(text)) return parseLine(line).level;
  const rest = GOLOG.exec(text)?.[5] ?? text;
  if (/(?:^|\s)level=/.test(rest) && /(?:^|\s)msg=/.test(rest)) return levelOf(LOGFMT_LEVEL.exec(rest)?.[1]);
  const lm = TEXT_LEVEL.exec(rest);
  if (lm) return levelOf(lm[1]);
  return /^panic: /.test(rest) ? 'fatal' : null;
}

function jsonObject(text: string): Record<string, unknown> | null {
  if (jsonNestsDeeper(text)) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A line with no recognised envelope: logfmt (slog text), a level word up front, or plain text. */
function restOfTextLine(text: string): Omit<ParsedLine, 'text' | 'origin'> {
  if (/(?:^|\s)level=/.test(text) && /(?:^|\s)msg=/.test(text)) {
    const { fields } = parseFields(text);
    return {
      format: 'logfmt',
      time: fields.time ?? fields.ts ?? null,
      level: levelOf(fields.level),
      message: fields.msg ?? '',
      fields,
    };
  }
  const lm = TEXT_LEVEL.exec(text);
  if (lm) {
    const { fields } = parseFields(text);
    return { format: 'text', time: null, level: levelOf(lm[1]), message: text.slice(lm[0].length).trim(), fields };
  }
  const { fields } = parseFields(text);
  const level: Level | null = /^panic: /.test(text) ? 'fatal' : null;
  return { format: 'text', time: null, level, message: text.trim(), fields };
}

/**
 * A ParsedLine that does only the work asked of it: `text` strips the prefixes, `level` reads
 * just the level, and anything else takes the whole line apart (once). Signature tests that only
 * look at the text then cost a fraction of a full parse.
 */
export class LazyLine implements ParsedLine {
  private stripped?: ReturnType<typeof stripPrefixes>;
  private full?: ParsedLine;
  private levelValue?: Level | null;

  constructor(readonly raw: string) {}

  get text(): string {
    return (this.stripped ??= stripPrefixes(this.raw)).text;
  }
  get level(): Level | null {
    if (this.full) return this.full.level;
    if (this.levelValue === undefined) this.levelValue = lineLevel(this.raw);
    return this.levelValue;
  }
  /** The fully parsed line (parsed on first use). */
  parsed(): ParsedLine {
    return (this.full ??= parseLine(this.raw));
  }
  get format(): LineFormat {
    return this.parsed().format;
  }
  get origin(): string | null {
    return this.parsed().origin;
  }
  get time(): string | null {
    return this.parsed().time;
  }
  get message(): string {
    return this.parsed().message;
  }
  get fields(): Record<string, string> {
    return this.parsed().fields;
  }
}
