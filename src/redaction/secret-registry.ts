// Redaction by value: every secret the tool reads is registered where it is read (the probes),
// and any piece of it is masked wherever it appears in output, in any case and across line
// breaks. Patterns (redact.ts) catch secret shapes; this catches the exact values, whatever
// their shape, once they have been cut, lowercased or wrapped by a message.
//
// A registry lives for one CLI run: runCli runs the command inside `withSecretRegistry`, and
// the probes call `registerSecret` without being handed anything (AsyncLocalStorage), so two
// CLIs running in one process (the tests) never share or lose secrets.

import { AsyncLocalStorage } from 'node:async_hooks';

/** Any run of this many characters of a registered secret is masked (case-folded, line breaks skipped). */
const FRAGMENT = 12;
/** Shorter values are not registered: too common to mask by value (patterns still see key=value). */
const MIN_SECRET = 8;
/** The largest secret kept: bigger values (a whole key file) are registered piece by piece. */
const MAX_PIECE = 16 * 1024;
const PLACEHOLDER = '[REDACTED]';
/** Characters a secret is made of: a masked run widens over them, so no short head or tail is left. */
const SECRET_CHAR = /[A-Za-z0-9+/_-]/;

function fold(c: string): string {
  const l = c.toLowerCase();
  return l.length === 1 ? l : c;
}

/** Rolling hash of FRAGMENT folded characters (mod 2^32): one multiply per character of output scanned. */
const BASE = 0x01000193;
/** BASE^(FRAGMENT-1): what the oldest character of a window weighs, to drop it. */
const DROP = Array.from({ length: FRAGMENT - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);

// The `!` on typed-array reads below: every index is inside the array by the loop bounds, and these
// loops run once per character of every string a report prints.

function hashAt(codes: Uint16Array, from: number): number {
  let h = 0;
  for (let j = from; j < from + FRAGMENT; j++) h = (Math.imul(h, BASE) + codes[j]!) | 0;
  return h;
}

function foldedCodes(text: string): Uint16Array {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    codes[i] = c >= 65 && c <= 90 ? c | 0x20 : c < 128 ? c : fold(text.charAt(i)).charCodeAt(0);
  }
  return codes;
}

/** Scratch space for compactView, reused: a report has thousands of strings to mask. */
let scratchCodes = new Uint16Array(4096);
let scratchAt = new Int32Array(4096);

/**
 * The text without whitespace, case-folded, and where each of its characters came from: a
 * secret broken over lines reads as one. `markers` are the line-leading + and - (a diff's
 * marker, or the secret's own character). The arrays are scratch space, valid until the next call.
 */
function compactView(text: string): { codes: Uint16Array; at: Int32Array; markers: number[] } {
  if (scratchCodes.length < text.length) {
    scratchCodes = new Uint16Array(text.length * 2);
    scratchAt = new Int32Array(text.length * 2);
  }
  const markers: number[] = [];
  let n = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 10) lineStart = true;
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (lineStart && (c === 43 || c === 45)) markers.push(n);
    lineStart = false;
    if (c >= 65 && c <= 90) c |= 0x20;
    else if (c >= 128) c = fold(text.charAt(i)).charCodeAt(0);
    scratchCodes[n] = c;
    scratchAt[n++] = i;
  }
  return { codes: scratchCodes.subarray(0, n), at: scratchAt.subarray(0, n), markers };
}

/** Markers closer than FRAGMENT to each other: a window may span several of them. */
function clusters(markers: number[]): number[][] {
  const out: number[][] = [];
  let previous = -Infinity;
  for (const m of markers) {
    const last = out[out.length - 1];
    if (last && m - previous < FRAGMENT) last.push(m);
    else out.push([m]);
    previous = m;
  }
  return out;
}

function codesToString(codes: Uint16Array): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.subarray(i, i + 8192));
  return out;
}

export class SecretRegistry {
  /** Every FRAGMENT-long piece of every secret, folded; and their hashes, for the scan. */
  private readonly grams = new Set<string>();
  private readonly gramHashes = new Set<number>();
  /** Secrets of MIN_SECRET to FRAGMENT - 1 characters, folded: matched whole. */
  private readonly short = new Set<string>();

  get size(): number {
    return this.grams.size + this.short.size;
  }

  /** Register a secret value: the whole of it (whitespace removed) and each of its whitespace-separated pieces. */
  add(value: string | null | undefined): void {
    if (typeof value !== 'string') return;
    const pieces = value.split(/\s+/).filter((p) => p.length >= MIN_SECRET);
    const whole = value.replace(/\s+/g, '');
    for (const p of new Set([whole, ...pieces])) this.addPiece(p);
  }

  private addPiece(piece: string): void {
    if (piece.length < MIN_SECRET || piece.length > MAX_PIECE) {
      if (piece.length <= MAX_PIECE) return;
      for (let i = 0; i < piece.length; i += MAX_PIECE / 2) this.addPiece(piece.slice(i, i + MAX_PIECE));
      return;
    }
    const codes = foldedCodes(piece);
    if (codes.length < FRAGMENT) {
      this.short.add(codesToString(codes));
      return;
    }
    const folded = codesToString(codes);
    for (let i = 0; i + FRAGMENT <= codes.length; i++) {
      this.grams.add(folded.slice(i, i + FRAGMENT));
      this.gramHashes.add(hashAt(codes, i));
    }
  }

  /** The text with every registered secret, and every FRAGMENT-long piece of one, replaced. */
  mask(text: string): string {
    if (this.size === 0 || text.length < MIN_SECRET) return text;
    let marks: Uint8Array | null = null;
    const { codes, at, markers } = compactView(text);
    const mark = (from: number, to: number) => {
      marks ??= new Uint8Array(text.length);
      for (let i = at[from]!; i <= at[to]!; i++) marks[i] = 1;
    };
    this.scan(codes, mark);
    // Around each line-leading + or -, read again with it left out (a diff's marker), in every
    // combination for markers close together, so neither reading hides a secret from the other.
    for (const cluster of clusters(markers)) {
      const from = Math.max(0, cluster[0]! - FRAGMENT + 1); // a cluster is never empty
      const to = Math.min(codes.length, cluster[cluster.length - 1]! + FRAGMENT);
      const subsets = cluster.length <= 6 ? 1 << cluster.length : 2;
      for (let subset = 1; subset < subsets; subset++) {
        const skipped = new Set(cluster.filter((_, k) => cluster.length > 6 || (subset >> k) & 1));
        const pos: number[] = [];
        for (let j = from; j < to; j++) if (!skipped.has(j)) pos.push(j);
        this.scan(
          Uint16Array.from(pos, (j) => codes[j]!),
          (a, b) => mark(pos[a]!, pos[b]!),
        );
      }
    }
    if (marks === null) return text;
    return replaceMarked(text, marks);
  }

  /** Calls `hit(from, to)` for every registered piece found in the folded characters. */
  private scan(codes: Uint16Array, hit: (from: number, to: number) => void): void {
    if (this.grams.size > 0 && codes.length >= FRAGMENT) {
      let h = hashAt(codes, 0);
      for (let i = 0; ; i++) {
        // A hash hit is confirmed on the characters, so a collision never masks text.
        const found = this.gramHashes.has(h) && this.grams.has(String.fromCharCode(...codes.subarray(i, i + FRAGMENT)));
        if (found) hit(i, i + FRAGMENT - 1);
        if (i + FRAGMENT >= codes.length) break;
        h = (Math.imul((h - Math.imul(codes[i]!, DROP)) | 0, BASE) + codes[i + FRAGMENT]!) | 0;
      }
    }
    if (this.short.size > 0) {
      const compact = codesToString(codes);
      for (const s of this.short) {
        for (let i = compact.indexOf(s); i >= 0; i = compact.indexOf(s, i + 1)) hit(i, i + s.length - 1);
      }
    }
  }
}

/** Each marked run, widened over adjacent secret characters, becomes the placeholder; line breaks in it stay. */
function replaceMarked(text: string, marks: Uint8Array): string {
  // A colour code's characters ("\x1b[32m") are letters and digits too, and a diff's line marker
  // is a + or -: never widen into either.
  const kept = new Uint8Array(text.length);
  if (text.includes('\x1b')) {
    for (const m of text.matchAll(/\x1b\[[0-9;]*m/g)) kept.fill(1, m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(/^[ \t]*[+-]/gm)) kept[m.index + m[0].length - 1] = 1;
  const widens = (j: number) => !marks[j] && !kept[j] && SECRET_CHAR.test(text.charAt(j));
  for (let i = 0; i < text.length; i++) {
    if (!marks[i]) continue;
    for (let j = i - 1; j >= 0 && widens(j); j--) marks[j] = 1;
    while (i + 1 < text.length && marks[i + 1]) i++;
    for (let j = i + 1; j < text.length && widens(j); j++) marks[j] = 1;
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    let end = i;
    while (end < text.length && marks[end] === marks[i]) end++;
    out += marks[i] ? maskRun(text, i, end, kept) : text.slice(i, end);
    i = end;
  }
  return out;
}

/**
 * A masked run as the placeholder, once per line it spans: line breaks, indentation, a diff's
 * line marker and colour codes (the `kept` characters at a line's start) stay as they were.
 */
function maskRun(text: string, start: number, end: number, kept: Uint8Array): string {
  let out = '';
  for (let j = start; j < end;) {
    let lineEnd = text.indexOf('\n', j);
    if (lineEnd < 0 || lineEnd >= end) lineEnd = end;
    let head = j;
    while (head < lineEnd && (/\s/.test(text.charAt(head)) || kept[head])) head++;
    let tail = lineEnd;
    while (tail > head && /\s/.test(text.charAt(tail - 1))) tail--;
    out += text.slice(j, head) + (tail > head ? PLACEHOLDER : '') + text.slice(tail, lineEnd);
    if (lineEnd < end) out += '\n';
    j = lineEnd + 1;
  }
  return out;
}

const current = new AsyncLocalStorage<SecretRegistry>();

/** Run `fn` with a fresh registry: everything registered during it is masked by every redact() in it. */
export function withSecretRegistry<T>(fn: () => T, registry = new SecretRegistry()): T {
  return current.run(registry, fn);
}

/** The registry of the run in progress, if any. */
export function activeSecretRegistry(): SecretRegistry | undefined {
  return current.getStore();
}

/** Register a secret the tool has just read; outside a run (a unit test of a probe) it is a no-op. */
export function registerSecret(value: string | null | undefined): void {
  current.getStore()?.add(value);
}
