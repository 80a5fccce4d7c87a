// The one YAML parser: positions for every key, line and column for errors, and bounds on
// everything that costs time or memory: the limits of yaml-limits.ts before the parser, at most
// a few errors inside it, duplicate keys found in one pass (the package's own check compares
// every pair), and a cap on alias expansion so a "billion laughs" document is refused. Pure:
// probes/yaml-document.ts reads the file, the fix engine parses the text it re-read.

import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from 'yaml';
import type { FileFact, YamlDocumentFacts } from '../core/facts.js';
import { YAML_LIMITS, yamlLimitRefusal } from './yaml-limits.js';

const MAX_ALIAS_COUNT = 100;
const MAX_POSITIONS = 20000;

class TooManyErrors extends Error {}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Parse with the package's own pipeline (what parseDocument does), stopping after a few errors. */
function composeBounded(text: string, lineCounter: LineCounter): Document.Parsed | { tooManyErrors: true } | null {
  // Known tags (!!binary, !!set, !!omap...) stay plain strings, as no deployment file needs them;
  // the package's own warnings go into doc.warnings only, never to the process's stderr.
  const composer = new Composer({ strict: true, uniqueKeys: false, resolveKnownTags: false, logLevel: 'error' });
  // The package has no error limit; its composer reports every error through this (private)
  // handler, so wrapping it is how the parse stops early. Pinned by the "many errors" test.
  type ErrorHook = { onError: (source: unknown, code: unknown, message: string, warning?: boolean) => void };
  const hook = composer as unknown as ErrorHook;
  const report = hook.onError;
  let errors = 0;
  hook.onError = (source, code, message, warning) => {
    if (!warning && ++errors > YAML_LIMITS.maxErrors) throw new TooManyErrors();
    report(source, code, message, warning);
  };
  try {
    const docs = [...composer.compose(new Parser(lineCounter.addNewLine).parse(text), true, text.length)];
    return docs[0] ?? null;
  } catch (err) {
    if (err instanceof TooManyErrors) return { tooManyErrors: true };
    throw err;
  }
}

/**
 * In one pass over the tree: the first key that repeats in a mapping (the proxy refuses those),
 * or the first key that is itself a mapping or list. No deployment file has such a key, and
 * turning nested ones into strings (`? ? ? ...`) costs time and memory that double per level.
 */
function firstBadKey(doc: Document.Parsed): { key: Node | null; problem: string } | null {
  const stack: (Node | null | undefined)[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || isAlias(node)) continue;
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const target = isAlias(key) ? key.resolve(doc) : key;
        if (isMap(target) || isSeq(target)) return { key, problem: 'uses a mapping or a list as a key; refused' };
        const id = isScalar(key) ? key.value : key;
        if (seen.has(id)) return { key, problem: 'is not valid YAML: Map keys must be unique' };
        seen.add(id);
        stack.push(pair.value as Node | null);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item as Node | null);
    }
  }
  return null;
}

export function parseYamlText(text: string, path: string): FileFact<YamlDocumentFacts> {
  const refusal = yamlLimitRefusal(text);
  if (refusal) return { state: 'invalid', path, problem: `is ${refusal}`, location: { file: path } };
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof composeBounded>;
  try {
    doc = composeBounded(text, lineCounter);
  } catch (err) {
    // The limits keep the parser far from its stack; this is the net for whatever they miss.
    const problem = `could not be parsed as YAML: ${err instanceof Error ? err.message : String(err)}`;
    return { state: 'invalid', path, problem, location: { file: path } };
  }
  const refuse = (problem: string): FileFact<YamlDocumentFacts> => {
    return { state: 'invalid', path, problem, location: { file: path } };
  };
  if (doc === null) return refuse('is not valid YAML: it holds no document');
  if ('tooManyErrors' in doc) return refuse(`is not valid YAML: more than ${YAML_LIMITS.maxErrors} errors`);
  const [err] = doc.errors;
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    const message = firstLine(err.message).replace(/ at line \d+, column \d+.*$/, '');
    return {
      state: 'invalid',
      path,
      problem: `is not valid YAML: ${message}`,
      location: { file: path, line: pos.line, column: pos.col },
    };
  }
  const bad = firstBadKey(doc);
  if (bad) {
    const pos = lineCounter.linePos(bad.key?.range?.[0] ?? 0);
    return { state: 'invalid', path, problem: bad.problem, location: { file: path, line: pos.line, column: pos.col } };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const bomb = /alias/i.test(msg);
    return {
      state: 'invalid',
      path,
      problem: bomb
        ? 'uses YAML aliases that expand too far (a "billion laughs" document); refused'
        : `could not be read as data: ${msg}`,
    };
  }
  if (containsItself(data)) {
    return { state: 'invalid', path, problem: 'has an alias inside the node it names (a recursive document); refused' };
  }
  const positions: YamlDocumentFacts['positions'] = {};
  let count = 0;
  const record = (key: string, offset: number | undefined) => {
    if (offset === undefined || count >= MAX_POSITIONS) return;
    const p = lineCounter.linePos(offset);
    positions[key] = { line: p.line, column: p.col };
    count += 1;
  };
  const walk = (node: Node | null | undefined, prefix: string, depth: number) => {
    if (!node || depth > 64 || count >= MAX_POSITIONS || isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const k = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const path2 = prefix ? `${prefix}.${k}` : k;
        record(path2, keyNode?.range?.[0]);
        walk(pair.value as Node | null, path2, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const path2 = prefix ? `${prefix}.${i}` : String(i);
        record(path2, (item as Node | null)?.range?.[0]);
        walk(item as Node | null, path2, depth + 1);
      });
    }
  };
  walk(doc.contents, '', 0);
  if (doc.contents) record('', (doc.contents as Node).range?.[0]);
  return {
    state: 'ok',
    path,
    value: { data, positions, warnings: doc.warnings.map((w) => firstLine(w.message)) },
  };
}

/**
 * True when an object is found inside itself (`&a [*a]`, or a map whose value is an alias to the
 * map): the yaml package builds such data as a cycle, which no reader of facts expects. Iterative,
 * visiting each object once (the loader's limits bound how many there are).
 */
function containsItself(data: unknown): boolean {
  const done = new Set<object>();
  const onPath = new Set<object>();
  const stack: { node: object; children: unknown[] | null }[] = [];
  const enter = (v: unknown): boolean => {
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return false;
    if (onPath.has(v)) return true;
    if (done.has(v)) return false;
    onPath.add(v);
    stack.push({ node: v, children: null });
    return false;
  };
  if (enter(data)) return true;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    top.children ??= childrenOf(top.node);
    if (top.children.length === 0) {
      stack.pop();
      onPath.delete(top.node);
      done.add(top.node);
      continue;
    }
    if (enter(top.children.pop())) return true;
  }
  return false;
}

function childrenOf(node: object): unknown[] {
  return node instanceof Map
    ? [...node.keys(), ...node.values()]
    : node instanceof Set
      ? [...node]
      : Object.values(node);
}
