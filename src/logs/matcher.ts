// From candidate lines to the report: each line is parsed, given to the first signature that
// matches it, and counted per signature (first and last line and time, one example, the facts
// seen). Error-level lines nothing explains are counted too. build() turns the counts into the
// report: problems in catalog order, healthy evidence, harmless noise and a verdict.
// Signatures are data (src/catalog/signatures.ts): this file interprets their tests, value
// rules and templates the same way for each one, and names none of them.

import { CATALOG, catalogEntry } from '../catalog/catalog.js';
import {
  SEVERITY_CHANGES,
  SIGNATURES,
  type CountRule,
  type LineTest,
  type Signature,
  type Template,
  type ValueRule,
} from '../catalog/signatures.js';
import { allowedIpsEntries } from '../model/ip-policy.js';
import { redact } from '../redaction/redact.js';
import { showControls } from '../redaction/control-chars.js';
import type { Severity, Verdict } from '../core/types.js';
import { LAYERS } from '../core/types.js';
import { LazyLine, parseLine, type ParsedLine } from './line.js';
import type { LogMatch, LogNote, LogsReport, LogSource } from './report.js';

const MAX_FACT_VALUES = 20;
const MAX_EXAMPLE_CHARS = 2000;
const MAX_UNMATCHED_EXAMPLES = 5;

/** Every distinct value seen per fact, in order of first appearance (capped). */
type FactSets = Record<string, (string | number)[]>;

/** A value of a line by a signature's rule (see ValueRule), or undefined. */
function valueOf(rule: ValueRule, line: ParsedLine): string | number | undefined {
  for (const name of rule.fields ?? []) {
    const v = line.fields[name];
    if (v !== undefined && v !== '') return rule.number ? numberOrUndefined(v) : v;
  }
  for (const pattern of rule.patterns ?? []) {
    const m = pattern.exec(line.text);
    if (!m) continue;
    const captured = rule.group !== undefined ? m[rule.group] : m.slice(1).find((g) => g !== undefined);
    const v = captured?.trim();
    if (v === undefined || v === '') return undefined;
    return rule.number ? numberOrUndefined(v) : v;
  }
  return undefined;
}

function numberOrUndefined(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Debug or info: from the parsed level, or, when a prefix the reader does not know hides it, from
 * the level words cloudflared and the usual loggers write.
 */
function quiet(line: ParsedLine): boolean {
  if (line.level) return line.level === 'debug' || line.level === 'info';
  return /(?:^|\s)(?:DBG|INF|TRC)\s|\blevel=(?:debug|info)\b|"level":"(?:debug|info)"/i.test(line.text);
}

function passes(test: LineTest, line: ParsedLine): boolean {
  if (test.matches && !test.matches.test(line.text)) return false;
  if (test.andMatches && !test.andMatches.test(line.text)) return false;
  if (test.notMatches && test.notMatches.test(line.text)) return false;
  if (test.notQuiet && quiet(line)) return false;
  for (const v of test.values ?? []) {
    const value = valueOf(v.of, line);
    if (value === undefined ? !v.orAbsent : String(value).toUpperCase() !== v.is.toUpperCase()) return false;
  }
  return true;
}

function signatureMatches(sig: Signature, text: string, line: ParsedLine): boolean {
  if (!sig.anyOf.some((f) => text.includes(f))) return false;
  if (sig.allOf && !sig.allOf.every((f) => text.includes(f))) return false;
  if (sig.noneOf && sig.noneOf.some((f) => text.includes(f))) return false;
  if (!sig.test) return true;
  // One test must hold; a list is alternatives.
  const tests: readonly LineTest[] = Array.isArray(sig.test) ? sig.test : [sig.test as LineTest];
  return tests.some((t) => passes(t, line));
}

/** The facts a signature takes from a line, in the order it declares them. */
function factsOf(sig: Signature, line: ParsedLine): [string, string | number][] {
  const out = new Map<string, string | number>();
  for (const [name, rule] of sig.facts ?? []) {
    const v = valueOf(rule, line);
    if (v !== undefined) out.set(name, v);
  }
  return [...out];
}

const list = (values: readonly (string | number)[] | undefined, max = 5): string =>
  (values ?? []).slice(0, max).join(', ') + ((values?.length ?? 0) > max ? ', ...' : '');

/** What the templates of one signature can use: its facts, the derived ones, its counts and its lines. */
interface Phrasebook {
  facts: FactSets;
  counts: Record<string, number>;
  lines: number;
}

function sizeOf(book: Phrasebook, name: string): number {
  return book.counts[name] ?? book.facts[name]?.length ?? 0;
}

function holds(t: Template, book: Phrasebook): boolean {
  if (t.needs && !t.needs.every((n) => sizeOf(book, n) > 0)) return false;
  if (t.lacks && t.lacks.some((n) => sizeOf(book, n) > 0)) return false;
  if (t.one && sizeOf(book, t.one) !== 1) return false;
  if (t.many && sizeOf(book, t.many) <= 1) return false;
  if (t.linesAbove && !(book.lines > sizeOf(book, t.linesAbove))) return false;
  return true;
}

const PLACEHOLDER = /\{([A-Za-z][\w]*)(?::([A-Za-z0-9]\w*))?(?:\|([^}]*))?\}/g;

function fill(text: string, book: Phrasebook): string {
  return text.replace(PLACEHOLDER, (_, name: string, shape: string | undefined, otherwise: string | undefined) => {
    if (name === 'lines') return String(book.lines);
    const count = book.counts[name];
    if (count !== undefined) return String(count);
    const values = book.facts[name] ?? [];
    let shown: string;
    if (shape === undefined) shown = list(values);
    else if (/^\d+$/.test(shape)) shown = values.slice(0, Number(shape)).join(', ');
    else {
      // Each value with the value of the other fact at the same place (ip:port), at most five.
      const other = book.facts[shape] ?? [];
      shown = values
        .slice(0, 5)
        .map((v, i) => `${v}:${other[i] ?? other[0] ?? '?'}`)
        .join(', ');
    }
    return shown === '' && otherwise !== undefined ? otherwise : shown;
  });
}

/** Every template whose conditions hold, filled and joined; undefined when none holds. */
function sentence(templates: readonly Template[] | undefined, book: Phrasebook): string | undefined {
  const parts = (templates ?? []).filter((t) => holds(t, book)).map((t) => fill(t.text, book));
  return parts.length > 0 ? parts.join('') : undefined;
}

/**
 * Which signatures can match a line, from the prefilter fragments found in it: a signature is a
 * candidate when one of its anyOf fragments contains a fragment present. Cached per set of ids.
 */
export class SignatureIndex {
  private readonly byFragment: number[][];
  private readonly cache = new Map<string, readonly Signature[]>();

  constructor(fragments: readonly string[]) {
    this.byFragment = fragments.map((g) =>
      SIGNATURES.flatMap((sig, i) => (sig.anyOf.some((f) => f.includes(g)) ? [i] : [])),
    );
  }

  candidates(ids: readonly number[], count: number): readonly Signature[] {
    if (count === 0) return [];
    let key = '';
    for (let i = 0; i < count; i++) key += `${ids[i]},`;
    let sigs = this.cache.get(key);
    if (!sigs) {
      const set = new Set<number>();
      for (const id of ids.slice(0, count)) for (const s of this.byFragment[id] ?? []) set.add(s);
      sigs = [...set].sort((a, b) => a - b).flatMap((i) => SIGNATURES[i] ?? []);
      if (this.cache.size < 4096) this.cache.set(key, sigs);
    }
    return sigs;
  }
}

/**
 * Make a log line safe to print: terminal sequences dropped, secrets redacted before any other
 * control character is made visible (escaping one before a JWT would remove the boundary the
 * patterns look for), and the length bounded.
 */
function exampleOf(raw: string): string {
  const s = showControls(redact(raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')));
  return s.length > MAX_EXAMPLE_CHARS ? `${s.slice(0, MAX_EXAMPLE_CHARS)}...` : s;
}

/** The first sighting of a signature, for --follow. */
export interface LogEvent {
  kind: Signature['kind'];
  source: string;
  match?: LogMatch;
  note?: LogNote;
}

interface Hit {
  sig: Signature;
  order: number;
  count: number;
  firstLine: number;
  lastLine: number;
  firstSource: string;
  lastSource: string;
  firstTime: string | null;
  lastTime: string | null;
  example: string;
  /** The last matching line, parsed only when the report is built (for its time). */
  lastRaw: string;
  facts: Map<string, (string | number)[]>;
}

/** Facts are taken from every line up to this count, then from one line in FACT_STRIDE. */
const FACT_LINES = 200;
const FACT_STRIDE = 64;

export class LogCollector {
  private readonly hits = new Map<string, Hit>();
  private unmatchedCount = 0;
  private readonly unmatchedExamples: { text: string; line: number; source: string }[] = [];

  /**
   * index: built from the prefilter's fragments, so line() can try only the signatures whose
   * fragments the line contains. onFirst is told the first time each signature is seen (--follow).
   */
  constructor(
    private readonly index?: SignatureIndex,
    private readonly onFirst?: (event: LogEvent) => void,
  ) {}

  /**
   * One picked line. With the prefilter's fragment ids only the signatures that can match are
   * tried, and the line is parsed only when a signature's test or facts need it, for the time
   * of a first sighting, or to learn the level of a line nothing matched.
   */
  line(raw: string, lineNo: number, source: string, ids?: readonly number[], count?: number): void {
    const line = new LazyLine(raw);
    const sigs = ids && this.index ? this.index.candidates(ids, count ?? ids.length) : SIGNATURES;
    let sig: Signature | undefined;
    for (const s of sigs) {
      // Fragments are looked for in the line as read; a test sees the line without its prefixes.
      if (signatureMatches(s, raw, line)) {
        sig = s;
        break;
      }
    }
    if (!sig) {
      const level = line.level;
      if (level === 'error' || level === 'fatal') {
        this.unmatchedCount++;
        if (this.unmatchedExamples.length < MAX_UNMATCHED_EXAMPLES)
          this.unmatchedExamples.push({ text: raw, line: lineNo, source });
      }
      return;
    }
    let hit = this.hits.get(sig.name);
    if (!hit) {
      const time = line.time;
      hit = {
        sig,
        order: SIGNATURES.indexOf(sig),
        count: 0,
        firstLine: lineNo,
        lastLine: lineNo,
        firstSource: source,
        lastSource: source,
        firstTime: time,
        lastTime: time,
        example: raw,
        lastRaw: raw,
        facts: new Map(),
      };
      this.hits.set(sig.name, hit);
    }
    hit.count++;
    hit.lastLine = lineNo;
    hit.lastSource = source;
    hit.lastRaw = raw;
    if (sig.facts && (hit.count <= FACT_LINES || hit.count % FACT_STRIDE === 0)) {
      for (const [k, v] of factsOf(sig, line)) {
        let values = hit.facts.get(k);
        if (!values) hit.facts.set(k, (values = []));
        if (values.length < MAX_FACT_VALUES && !values.includes(v)) values.push(v);
      }
      hit.lastTime = line.time ?? hit.lastTime;
    }
    if (hit.count === 1 && this.onFirst) {
      const event: LogEvent = { kind: sig.kind, source };
      if (sig.kind === 'problem') event.match = this.matchOf(hit);
      else event.note = this.noteOf(hit);
      this.onFirst(event);
    }
  }

  /** The time of the last line of a hit: its own if it has one, else the last one seen. */
  private settleLastTime(hit: Hit): void {
    const t = parseLine(hit.lastRaw).time;
    if (t) hit.lastTime = t;
  }

  /** The facts, derived facts and counts a signature's sentences use. */
  private phrasebook(hit: Hit): Phrasebook {
    const facts: FactSets = Object.fromEntries(hit.facts);
    for (const [name, d] of Object.entries(hit.sig.derived ?? {})) {
      const values = (facts[d.from] ?? []).map(String).filter((v) => !d.keep || d.keep.test(v));
      if (d.summary === 'allowed-ips-entries') facts[name] = values.length > 0 ? [allowedIpsEntries(values)] : [];
      else facts[name] = values;
    }
    const counts: Record<string, number> = {};
    for (const [name, rule] of Object.entries(hit.sig.counts ?? {})) counts[name] = this.count(rule, hit, counts);
    return { facts, counts, lines: hit.count };
  }

  private count(rule: CountRule, hit: Hit, earlier: Record<string, number>): number {
    let n = 0;
    if (rule.distinct !== undefined) {
      const distinct = hit.facts.get(rule.distinct)?.length ?? 0;
      n = distinct > 0 ? distinct : Math.min(hit.count, rule.linesUpTo ?? 0);
    } else if (rule.signature !== undefined && rule.fact !== undefined) {
      const first = Number(this.hits.get(rule.signature)?.facts.get(rule.fact)?.[0]);
      n = Number.isFinite(first) && first > 0 ? first : (rule.otherwise ?? 0);
    }
    return rule.atLeast !== undefined ? Math.max(n, earlier[rule.atLeast] ?? 0) : n;
  }

  private evidence(hit: Hit): Record<string, unknown> | undefined {
    if (hit.facts.size === 0) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, values] of hit.facts) {
      out[k] = values.map((v) => (typeof v === 'string' ? redact(v) : v));
    }
    return out;
  }

  private matchOf(hit: Hit, multipleSources = false): LogMatch {
    const sig = hit.sig;
    const entry = catalogEntry(sig.id as string);
    const m: LogMatch = {
      id: entry.id,
      signature: sig.name,
      layer: entry.layer,
      severity: sig.kind === 'problem' ? sig.severity : 'info',
      count: hit.count,
      firstLine: hit.firstLine,
      lastLine: hit.lastLine,
      firstTime: hit.firstTime,
      lastTime: hit.lastTime,
      example: exampleOf(hit.example),
      symptom: entry.symptom,
      cause: entry.cause,
      fix: entry.fix,
    };
    const evidence = this.evidence(hit);
    if (evidence) m.evidence = evidence;
    const detail = sentence(sig.detail, this.phrasebook(hit));
    if (detail) m.detail = redact(detail);
    if (sig.kind === 'harmless') m.harmless = true;
    if (multipleSources) {
      m.firstSource = hit.firstSource;
      m.lastSource = hit.lastSource;
    }
    return m;
  }

  private noteOf(hit: Hit, multipleSources = false): LogNote {
    const sig = hit.sig;
    const n: LogNote = {
      signature: sig.name,
      id: sig.id ?? null,
      count: hit.count,
      firstLine: hit.firstLine,
      lastLine: hit.lastLine,
      firstTime: hit.firstTime,
      lastTime: hit.lastTime,
      summary: sig.kind === 'healthy' ? (sentence(sig.summary, this.phrasebook(hit)) ?? '') : (sig.note ?? ''),
      example: exampleOf(hit.example),
    };
    const evidence = this.evidence(hit);
    if (evidence) n.evidence = evidence;
    if (multipleSources) {
      n.firstSource = hit.firstSource;
      n.lastSource = hit.lastSource;
    }
    return n;
  }

  build(base: { version: string; durationMs: number; sources: LogSource[] }): LogsReport {
    const multiple = base.sources.length > 1;
    const catalogIndex = new Map(CATALOG.map((e, i) => [e.id, i]));
    const hits = [...this.hits.values()];
    for (const h of hits) this.settleLastTime(h);
    const byOrder = (a: Hit, b: Hit) =>
      (catalogIndex.get(a.sig.id ?? '') ?? 999) - (catalogIndex.get(b.sig.id ?? '') ?? 999) || a.order - b.order;

    const matches = hits
      .filter((h) => h.sig.id && h.sig.kind !== 'healthy')
      .sort(byOrder)
      .map((h) => this.matchOf(h, multiple));
    const healthy = hits
      .filter((h) => h.sig.kind === 'healthy')
      .sort(byOrder)
      .map((h) => this.noteOf(h, multiple));
    const harmless = hits
      .filter((h) => h.sig.kind === 'harmless')
      .sort(byOrder)
      .map((h) => this.noteOf(h, multiple));

    for (const change of SEVERITY_CHANGES) {
      const seen = this.hits.get(change.when.signature)?.facts.get(change.when.fact) ?? [];
      if (!seen.includes(change.when.includes)) continue;
      for (const m of matches) {
        if (m.id === change.id && m.severity === change.from) {
          m.severity = change.to;
          m.detail = `${m.detail ? `${m.detail} ` : ''}${change.detail}`;
        }
      }
    }

    const linesRead = base.sources.reduce((n, s) => n + s.lines, 0);
    return {
      schemaVersion: 1,
      tool: { name: 'mcp-tunnel', version: base.version },
      command: 'logs',
      linesRead,
      bytesRead: base.sources.reduce((n, s) => n + s.bytes, 0),
      durationMs: Math.round(base.durationMs),
      verdict: verdictOf(matches, healthy, linesRead, this.unmatchedCount),
      matches,
      unmatched: {
        errorLines: this.unmatchedCount,
        examples: this.unmatchedExamples.map((e) => exampleOf(e.text)),
        exampleLines: this.unmatchedExamples.map((e) => e.line),
        ...(multiple ? { exampleSources: this.unmatchedExamples.map((e) => e.source) } : {}),
      },
      healthy,
      harmless,
      cutLines: base.sources.reduce((n, s) => n + s.cutLines, 0),
      sources: base.sources,
    };
  }
}

function verdictOf(
  matches: readonly LogMatch[],
  healthy: readonly LogNote[],
  lines: number,
  unmatched: number,
): Verdict {
  for (const severity of ['error', 'warn'] as Severity[]) {
    for (const layer of LAYERS) {
      const m = matches.find((x) => x.layer === layer && x.severity === severity);
      if (!m) continue;
      const word = severity === 'error' ? 'fails' : 'has warnings';
      const lineWord = m.count === 1 ? 'line' : 'lines';
      return {
        status: severity === 'error' ? 'fail' : 'warn',
        layer,
        id: m.id,
        summary: `Layer ${layer} ${word} first: ${m.id} (${m.signature}, ${m.count} ${lineWord}). ${m.detail ?? m.symptom}`,
      };
    }
  }
  if (lines === 0) {
    // Nothing read is nothing judged: "no known problem" would claim a clean log.
    return {
      status: 'error',
      layer: null,
      id: null,
      summary: 'No log line was read, so nothing was judged: is the source empty, or the container not running yet?',
    };
  }
  const evidence = healthy.map((h) => h.summary).join('; ');
  const unknown =
    unmatched > 0
      ? ` ${unmatched} error line${unmatched === 1 ? '' : 's'} matched no known signature (listed below).`
      : '';
  return {
    status: 'pass',
    layer: null,
    id: null,
    summary: `No known problem in ${lines} line${lines === 1 ? '' : 's'}${evidence ? `; ${evidence}` : ''}.${unknown}`,
  };
}
