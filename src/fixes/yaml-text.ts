// Surgical edits of YAML text: change one scalar, add one key, add items to a list, without
// re-printing the document. Every other byte (comments, quoting, blank lines, indentation, key
// order) stays as the user wrote it, so the diff shows only the repair. The parser says where
// each node sits; every edit is re-parsed and checked before it is offered. Pure.

import {
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

import { parseYamlText } from '../model/yaml-document.js';

export type KeyPath = readonly (string | number)[];

/** How a new scalar is written when there is no existing one whose style to follow. */
export type NewStyle = 'plain' | 'double';

export function parseYaml(text: string): Document.Parsed | null {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true });
  return doc.errors.length > 0 ? null : doc;
}

/** The document's data as the doctor's one YAML loader reads it, or undefined when it does not parse. */
export function yamlData(text: string): unknown {
  const fact = parseYamlText(text, '');
  return fact.state === 'ok' ? fact.value.data : undefined;
}

export function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/**
 * True when `s` may be written without quotes: YAML reads it back as the same string, in a
 * block map and in a flow list alike (so no ",[]{}"), and nothing about it is ambiguous.
 */
export function plainSafe(s: string): boolean {
  if (s === '' || s !== s.trim() || /[\n\r\t,[\]{}]/.test(s) || /^[!&*|>'"%@`#]/.test(s) || /^[-?:](\s|$)/.test(s))
    return false;
  // YAML 1.1 readers (and some Go decoders) take these words as booleans or null.
  if (/^(y|n|yes|no|on|off|true|false|null|~)$/i.test(s)) return false;
  const doc = parseDocument(`k: ${s}\n`);
  if (doc.errors.length > 0) return false;
  const v = doc.get('k', true);
  return isScalar(v) && v.value === s && v.type === 'PLAIN';
}

/** A scalar written in the style of `like` (its quotes), or `style` for a new one. */
export function renderScalar(value: string, like: Scalar | null, style: NewStyle = 'plain'): string {
  const type = like?.type;
  if (type === 'QUOTE_SINGLE' && !/[\n\r]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (type === 'QUOTE_DOUBLE' || (!type && style === 'double')) return JSON.stringify(value);
  return plainSafe(value) ? value : JSON.stringify(value);
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
}

/** The offset where new lines go after a node: after the line its value ends on. */
function afterLineOf(text: string, end: number): { at: number; lead: string; trail: string } {
  const eol = lineEnding(text);
  if (end > 0 && text[end - 1] === '\n') return { at: end, lead: '', trail: eol };
  const nl = text.indexOf('\n', end);
  if (nl < 0) return { at: text.length, lead: eol, trail: '' };
  // Keep a CR of a CRLF pair with its line.
  const at = nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
  return { at, lead: eol, trail: '' };
}

/** Lines for `keys: value` nested under each other, at `indent` spaces, `step` more per level. */
function nestedLines(keys: readonly string[], value: string, indent: number, step: number): string[] {
  return keys.map(
    (k, i) => `${' '.repeat(indent + i * step)}${renderScalar(k, null)}:${i === keys.length - 1 ? ` ${value}` : ''}`,
  );
}

/** Indentation step of a block map: its first nested block map's indent minus its own, else 2. */
function indentStep(text: string, map: YAMLMap): number {
  const own =
    map.items[0]?.key && (map.items[0].key as Node).range ? column(text, (map.items[0].key as Node).range![0]) : 0;
  for (const p of map.items) {
    const v = p.value as Node | null;
    if (isMap(v) && !v.flow && v.items[0]?.key && (v.items[0].key as Node).range) {
      const step = column(text, (v.items[0].key as Node).range![0]) - own;
      if (step > 0) return step;
    }
  }
  return 2;
}

/**
 * Set the scalar at `path` to `value`. An existing scalar keeps its quoting; a missing key is
 * added at the end of the nearest block map on the path (or after `afterKey` in it), with any
 * missing maps in between. Null when the shape does not allow a surgical edit.
 */
export function setScalar(
  text: string,
  path: KeyPath,
  value: string,
  opts: { style?: NewStyle; afterKey?: string } = {},
): string | null {
  const doc = parseYaml(text);
  if (!doc) return null;
  const node = doc.getIn(path, true) as Node | undefined;
  if (node !== undefined && node !== null) {
    if (!isScalar(node) || !node.range) return null;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return null;
    const [start, end] = node.range;
    if (start === end) {
      // `key:` with nothing after it: the empty scalar sits right after the colon.
      const rendered = renderScalar(value, null, opts.style);
      return splice(text, start, end, text[start - 1] === ':' ? ` ${rendered}` : rendered);
    }
    return splice(text, start, end, renderScalar(value, node, opts.style));
  }
  // Find the deepest existing map on the path.
  for (let i = path.length - 1; i >= 0; i--) {
    const parent = (i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true)) as Node | null | undefined;
    if (parent === undefined || parent === null) continue;
    if (!isMap(parent) || parent.flow || parent.items.length === 0 || !parent.range) return null;
    const rest = path.slice(i);
    if (rest.some((k) => typeof k !== 'string')) return null;
    const first = parent.items[0]?.key as Node | null | undefined;
    if (!first?.range) return null;
    const indent = column(text, first.range[0]);
    const anchor = opts.afterKey && i === path.length - 1 ? pairOf(parent, opts.afterKey) : undefined;
    const anchorEnd =
      anchor && (anchor.value as Node | null)?.range ? (anchor.value as Node).range![1] : parent.range[1];
    const { at, lead, trail } = afterLineOf(text, anchorEnd);
    const eol = lineEnding(text);
    const lines = nestedLines(
      rest as string[],
      renderScalar(value, null, opts.style),
      indent,
      indentStep(text, parent),
    );
    return splice(text, at, at, lead + lines.join(eol) + trail);
  }
  return null;
}

/**
 * Insert `values` into the list at `path` before position `index` (its length appends), in the
 * style of the neighbouring item. Block and flow lists; null for anything else.
 */
export function insertSeqItems(
  text: string,
  path: KeyPath,
  index: number,
  values: readonly string[],
  opts: { style?: NewStyle } = {},
): string | null {
  const doc = parseYaml(text);
  if (!doc) return null;
  const seq = doc.getIn(path, true) as Node | undefined;
  if (!isSeq(seq) || seq.items.length === 0 || index < 0 || index > seq.items.length) return null;
  const items = seq.items as (Node | null)[];
  if (items.some((it) => !it || !it.range)) return null;
  const near = items[Math.max(0, index - 1)]!;
  const like = isScalar(near) ? near : null;
  const rendered = values.map((v) => renderScalar(v, like, opts.style));
  if (seq.flow) {
    if (index === 0) return splice(text, items[0]!.range![0], items[0]!.range![0], `${rendered.join(', ')}, `);
    const end = items[index - 1]!.range![1];
    return splice(text, end, end, `, ${rendered.join(', ')}`);
  }
  const dash = dashOffset(text, items[Math.max(0, index - 1)]!);
  if (dash === null) return null;
  const indent = ' '.repeat(column(text, dash));
  const eol = lineEnding(text);
  if (index === 0) {
    const at = lineStart(text, dash);
    return splice(text, at, at, rendered.map((r) => `${indent}- ${r}${eol}`).join(''));
  }
  const { at, lead, trail } = afterLineOf(text, items[index - 1]!.range![1]);
  return splice(text, at, at, lead + rendered.map((r) => `${indent}- ${r}`).join(eol) + trail);
}

/** Offset of the "-" that introduces a block list item, or null when it is not on the item's line. */
export function dashOffset(text: string, item: Node): number | null {
  let i = item.range![0] - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i >= 0 && text[i] === '-' ? i : null;
}

/** The map or list node at a path (undefined when absent). */
export function nodeAt(doc: Document.Parsed, path: KeyPath): Node | undefined {
  const n = path.length === 0 ? doc.contents : doc.getIn(path, true);
  return (n ?? undefined) as Node | undefined;
}

export type { Node, Scalar, YAMLMap, YAMLSeq };

/** Deep equality of parsed data; map key order is ignored (a key added after another is the same data). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object')
    return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => sameData(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/** Set a value inside plain data along a path, creating maps; returns a changed deep copy. */
export function withValue(data: unknown, path: KeyPath, value: unknown): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let cur = copy;
  path.forEach((k, i) => {
    if (i === path.length - 1) cur[k] = value;
    else {
      if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') cur[k] = {};
      cur = cur[k] as Record<string | number, unknown>;
    }
  });
  return copy;
}

/**
 * True when `after` parses and holds exactly the data of `before` changed by `change`: the
 * proof every edit passes before it is offered.
 */
export function editIsExact(before: string, after: string, change: (data: unknown) => unknown): boolean {
  const a = yamlData(before);
  const b = yamlData(after);
  if (a === undefined || b === undefined) return false;
  return sameData(change(a), b);
}
