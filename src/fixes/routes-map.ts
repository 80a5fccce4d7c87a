// Repair for proxy-config 'routes-is-list': rewrite `routes` from a YAML list into the map the
// proxy reads, in the same order, keeping every comment and the quoting of each item. An item
// written `- name: upstream` on one line only loses its "- "; other shapes ("name: upstream"
// strings, {name, url} maps) are rewritten as `name: upstream`, keeping their comment lines.

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { proxyRestartCommand } from '../model/deployment-view.js';
import { routeListToMap } from '../model/proxy-config-schema.js';
import { configTarget, editPlan } from './edit-plan.js';
import type { FixModule } from './types.js';
import { findingsOf } from './types.js';
import {
  dashOffset,
  editIsExact,
  lineEnding,
  nodeAt,
  parseYaml,
  renderScalar,
  withValue,
  yamlData,
  type KeyPath,
} from './yaml-text.js';

const ID = 'proxy-config';
const MESSAGES = ['routes-is-list'] as const;

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Where a node's content ends, without the line break and blanks a block node's range takes in. */
function contentEnd(text: string, node: Node): number {
  let end = node.range![1];
  while (end > node.range![0] && /\s/.test(text.charAt(end - 1))) end--;
  return end;
}

function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl;
}

/** Comments inside a list item (not the ones before its "-"), in source order, and where its content ends. */
function itemComments(item: Node): { comments: { text: string; trailing: boolean }[]; end: number } {
  const found: { text: string; pos: number; trailing: boolean }[] = [];
  let end = item.range![1];
  const add = (c: string | null | undefined, pos: number, trailing: boolean) => {
    if (c) c.split('\n').forEach((text, i) => found.push({ text, pos: pos + i / 1000, trailing }));
  };
  const visit = (n: unknown, top: boolean) => {
    if (!n || typeof n !== 'object' || !('range' in n)) return;
    const node = n as Node;
    if (!node.range) return;
    if (!top) add(node.commentBefore, node.range[0] - 0.5, false);
    end = Math.max(end, node.range[2]);
    if (isMap(node) || isSeq(node)) {
      for (const it of node.items as unknown[]) {
        const pair = it as { key?: unknown; value?: unknown } | null;
        if (pair && typeof pair === 'object' && 'key' in pair) {
          visit(pair.key, false);
          visit(pair.value, false);
        } else visit(it, false);
      }
    }
    add(node.comment, node.range[1], true);
  };
  visit(item, true);
  return { comments: found.sort((x, y) => x.pos - y.pos).map(({ text, trailing }) => ({ text, trailing })), end };
}

/** Every comment of a document, sorted: a rewrite must keep them all. */
function commentsOf(text: string): string[] {
  const doc = parseYaml(text);
  if (!doc) return [];
  const out: string[] = [...(doc.commentBefore ?? '').split('\n'), ...(doc.comment ?? '').split('\n')];
  const visit = (n: unknown) => {
    if (!n || typeof n !== 'object') return;
    const node = n as Node & { key?: unknown; value?: unknown; items?: unknown[] };
    for (const c of [node.commentBefore, node.comment]) if (c) out.push(...c.split('\n'));
    if ('key' in node) {
      visit(node.key);
      visit(node.value);
    }
    if (Array.isArray(node.items)) node.items.forEach(visit);
  };
  visit(doc.contents);
  return out
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .sort();
}

/** Why the list cannot be converted, or the text with `routes` as a map. */
export function routesListToMap(text: string, path: KeyPath): { after: string } | { problem: string } {
  const doc = parseYaml(text);
  if (!doc) return { problem: 'the file does not parse' };
  const seq = nodeAt(doc, path);
  if (!isSeq(seq) || !seq.range) return { problem: 'routes is not a list here' };
  const data = yamlData(text);
  let items: unknown = data;
  for (const k of path)
    items = items && typeof items === 'object' ? (items as Record<string | number, unknown>)[k] : undefined;
  if (!Array.isArray(items)) return { problem: 'routes is not a list here' };
  const conv = routeListToMap(items);
  if (!conv.map)
    return {
      problem: `list item${conv.unconvertible.length > 1 ? 's' : ''} ${conv.unconvertible.map((i) => i + 1).join(', ')} cannot be read as "name: upstream"`,
    };
  const keys = conv.map.map((r) => r.key);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) return { problem: `route "${dup}" appears twice; a map cannot hold both` };

  // Column of the `routes` key: the map's entries go one level below it.
  const parent = nodeAt(doc, path.slice(0, -1));
  const pair = isMap(parent)
    ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]))
    : undefined;
  const keyNode = pair?.key as Node | undefined;
  if (!keyNode?.range) return { problem: 'the routes key could not be located' };
  const keyCol = keyNode.range[0] - lineStartOf(text, keyNode.range[0]);
  const eol = lineEnding(text);
  const entries = conv.map.map((e) => `${renderScalar(e.key, null)}: ${renderScalar(e.value, null)}`);
  const nodes = seq.items as (Node | null)[];
  if (nodes.some((n) => !n?.range)) return { problem: 'an empty list item' };

  let after = text;
  if (seq.flow) {
    const inner = text.slice(seq.range[0], seq.range[1]);
    if (inner.includes('#')) return { problem: 'the flow list holds comments; rewrite it by hand' };
    let start = seq.range[0];
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    const indent = ' '.repeat(keyCol + 2);
    after = text.slice(0, start) + entries.map((e) => `${eol}${indent}${e}`).join('') + text.slice(seq.range[1]);
  } else {
    const dashes = nodes.map((n) => dashOffset(text, n!));
    if (dashes.some((d) => d === null || text.slice(lineStartOf(text, d), d).trim() !== ''))
      return { problem: 'a list item does not start its own line' };
    const dashCol = dashes[0]! - lineStartOf(text, dashes[0]!);
    const indent = ' '.repeat(dashCol > keyCol ? dashCol : keyCol + 2);
    // From the last item up, so earlier offsets stay valid.
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      const dash = dashes[i]!;
      const from = lineStartOf(after, dash);
      const end = contentEnd(after, node);
      const oneLine = end <= lineEndOf(after, dash);
      const only = isMap(node) && !node.flow && node.items.length === 1 ? node.items[0] : undefined;
      const simple =
        only !== undefined &&
        isScalar(only.key) &&
        isScalar(only.value) &&
        oneLine &&
        !['BLOCK_LITERAL', 'BLOCK_FOLDED'].includes((only.value as { type?: string }).type ?? '');
      if (simple) {
        // `  - mcp: http://...  # note` -> `  mcp: http://...  # note`
        after = after.slice(0, from) + indent + after.slice(node.range![0]);
      } else {
        // Rewritten as one line: its comments (own lines and trailing ones) are carried over.
        const c = itemComments(node);
        const stop = Math.max(end, c.end);
        const last = c.comments[c.comments.length - 1];
        const tail = last?.trailing ? `  #${last.text}` : '';
        const lines = (tail ? c.comments.slice(0, -1) : c.comments).map((l) => `${indent}#${l.text}`);
        lines.push(`${indent}${entries[i] ?? ''}${tail}`); // one entry per list item
        let cut = stop;
        while (cut > dash && /\s/.test(after.charAt(cut - 1))) cut--;
        after = after.slice(0, from) + lines.join(eol) + after.slice(cut);
      }
    }
  }
  if (commentsOf(text).join('\n') !== commentsOf(after).join('\n'))
    return { problem: 'a comment would have been lost; rewrite the list by hand' };
  const map = Object.fromEntries(conv.map.map((r) => [r.key, r.value]));
  if (!editIsExact(text, after, (d) => withValue(d, path, map)))
    return { problem: 'the rewritten file did not read back as the same routes' };
  let written: unknown = yamlData(after);
  for (const k of path) written = (written as Record<string | number, unknown>)[k];
  if (Object.keys(written as object).join('\n') !== keys.join('\n'))
    return { problem: 'the rewritten routes did not keep their order' };
  return { after };
}

export const routesMap: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources) {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    const target = configTarget(facts, 'routes');
    const source = target ? sources.get(target.path) : undefined;
    if (!target || !source)
      return { plans: [], declined: [{ answers, reason: 'the file holding routes could not be read again' }] };
    const r = routesListToMap(source.text, [...target.prefix, 'routes']);
    if ('problem' in r) return { plans: [], declined: [{ answers, reason: r.problem }] };
    const plan = editPlan(sources, target.path, r.after, {
      id: ID,
      answers,
      title: `write ${target.prefix.length > 0 ? 'gateway.config.routes' : 'routes'} as a map (same routes, same order, comments kept)`,
      followUp: proxyRestartCommand(facts),
    });
    return { plans: plan ? [plan] : [], declined: [] };
  },
};
