// From candidate lines to the report: each line is parsed, given to the first signature that
// matches it, and counted per signature (first and last line and time, one example, the facts
// seen). Error-level lines nothing explains are counted too. build() turns the counts into the
// report: problems in catalog order, healthy evidence, harmless noise and a verdict.

import { CATALOG, catalogEntry } from '../catalog/catalog.js';
import { SIGNATURES, type FactSets, type Signature } from '../catalog/signatures.js';
import { redact } from '../redaction/redact.js';
import { showControls } from '../redaction/control-chars.js';
import type { Severity, Verdict } from '../core/types.js';
import { LAYERS } from '../core/types.js';
import { LazyLine, parseLine, type ParsedLine } from './line.js';
import type { LogMatch, LogNote, LogsReport, LogSource } from './report.js';

const MAX_FACT_VALUES = 20;
const MAX_EXAMPLE_CHARS = 2000;
export const MAX_UNMATCHED_EXAMPLES = 5;
/** Connections a healthy cloudflared opens unless told otherwise. */
const DEFAULT_HA_CONNECTIONS = 4;

function signatureMatches(sig: Signature, text: string, line: ParsedLine): boolean {
  if (!sig.anyOf.some((f) => text.includes(f))) return false;
  if (sig.allOf && !sig.allOf.every((f) => text.includes(f))) return false;
  if (sig.noneOf && sig.noneOf.some((f) => text.includes(f))) return false;
  return !sig.test || sig.test(line);
}

/** The first signature (in catalog-file order) that matches a line, or null. */
export function matchSignature(line: ParsedLine): Signature | null {
  for (const sig of SIGNATURES) if (signatureMatches(sig, line.text, line)) return sig;
  return null;
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
      for (let i = 0; i < count; i++) for (const s of this.byFragment[ids[i]] ?? []) set.add(s);
      sigs = [...set].sort((a, b) => a - b).map((i) => SIGNATURES[i]);
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
export function exampleOf(raw: string): string {
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
        if (this.unmatchedExamples.length < MAX_UNMATCHED_EXAMPLES) this.unmatchedExamples.push({ text: raw, line: lineNo, source });
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
      for (const [k, v] of Object.entries(sig.facts(line))) {
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

  private factSets(hit: Hit): FactSets {
    return Object.fromEntries(hit.facts);
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
    const detail = sig.detail?.(this.factSets(hit));
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
      summary: sig.kind === 'healthy' ? this.healthySummary(hit) : (sig.note ?? ''),
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

  private expectedConnections(): number {
    const fewer = this.hits.get('fewer-ha-connections')?.facts.get('available');
    const available = fewer?.length ? Number(fewer[0]) : NaN;
    return Number.isFinite(available) && available > 0 ? available : DEFAULT_HA_CONNECTIONS;
  }

  private healthySummary(hit: Hit): string {
    const f = hit.facts;
    switch (hit.sig.name) {
      case 'connection-registered': {
        const indexes = f.get('connIndex')?.length ?? 0;
        const n = indexes > 0 ? indexes : Math.min(hit.count, DEFAULT_HA_CONNECTIONS);
        const expected = Math.max(n, this.expectedConnections());
        const protocol = f.get('protocol');
        const where = f.get('location');
        return (
          `${n} of ${expected} connections registered` +
          (protocol?.length ? ` (protocol ${protocol.join(', ')})` : '') +
          (where?.length ? ` at ${where.slice(0, 4).join(', ')}` : '') +
          (hit.count > n ? `; ${hit.count} registrations in all (reconnects)` : '')
        );
      }
      case 'route-configured': {
        const routes = f.get('route') ?? [];
        const n = routes.length || hit.count;
        return `${n} route${n === 1 ? '' : 's'} configured${routes.length ? `: ${routes.slice(0, 10).join(', ')}` : ''}`;
      }
      default: {
        const component = f.get('component')?.[0];
        return `cloudflared pre-check ${component ?? hit.sig.name} passed`;
      }
    }
  }

  build(base: { version: string; durationMs: number; sources: LogSource[] }): LogsReport {
    const multiple = base.sources.length > 1;
    const catalogIndex = new Map(CATALOG.map((e, i) => [e.id, i]));
    const hits = [...this.hits.values()];
    for (const h of hits) this.settleLastTime(h);
    const byOrder = (a: Hit, b: Hit) =>
      (catalogIndex.get(a.sig.id ?? '') ?? 999) - (catalogIndex.get(b.sig.id ?? '') ?? 999) || a.order - b.order;

    const matches = hits.filter((h) => h.sig.id && h.sig.kind !== 'healthy').sort(byOrder).map((h) => this.matchOf(h, multiple));
    const healthy = hits.filter((h) => h.sig.kind === 'healthy').sort(byOrder).map((h) => this.noteOf(h, multiple));
    const harmless = hits.filter((h) => h.sig.kind === 'harmless').sort(byOrder).map((h) => this.noteOf(h, multiple));

    // UDP blocked while connections register over HTTP/2: the tunnel works, degraded.
    const protocols = this.hits.get('connection-registered')?.facts.get('protocol') ?? [];
    if (protocols.includes('http2')) {
      for (const m of matches) {
        if (m.id === 'edge-udp' && m.severity === 'error') {
          m.severity = 'warn';
          m.detail = `${m.detail ? `${m.detail} ` : ''}Connections did register over HTTP/2, so the tunnel works, degraded.`;
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

function verdictOf(matches: readonly LogMatch[], healthy: readonly LogNote[], lines: number, unmatched: number): Verdict {
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
  const unknown = unmatched > 0 ? ` ${unmatched} error line${unmatched === 1 ? '' : 's'} matched no known signature (listed below).` : '';
  return {
    status: 'pass',
    layer: null,
    id: null,
    summary: `No known problem in ${lines} line${lines === 1 ? '' : 's'}${evidence ? `; ${evidence}` : ''}.${unknown}`,
  };
}
