// The one YAML loader: positions for every key, line and column for errors, and a cap on
// alias expansion so a "billion laughs" document is refused instead of eating memory.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { FileFact, YamlDocumentFacts } from '../core/facts.js';
import { decodeText, readBounded } from './bounded-file.js';
import { registerKeyMaterial, registerSecretsIn } from '../redaction/register.js';

const MAX_ALIAS_COUNT = 100;
const MAX_POSITIONS = 20000;

export function parseYamlText(text: string, path: string): FileFact<YamlDocumentFacts> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
    return {
      state: 'invalid',
      path,
      problem: `is not valid YAML: ${message}`,
      location: pos ? { file: path, line: pos.line, column: pos.col } : { file: path },
    };
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
  walk(doc.contents as Node | null, '', 0);
  if (doc.contents) record('', (doc.contents as Node).range?.[0]);
  return {
    state: 'ok',
    path,
    value: { data, positions, warnings: doc.warnings.map((w) => w.message.split('\n')[0]) },
  };
}

/** Read and parse a YAML (or JSON) file; every failure is a FileFact, never a throw. */
export function loadYamlFile(path: string, explicit: boolean): FileFact<YamlDocumentFacts> {
  const read = readBounded(path, explicit);
  if (read.state !== 'ok') return read;
  const text = decodeText(read.bytes);
  if (!text.ok) return { state: 'invalid', path, problem: text.problem };
  // Secrets in the file are registered as it is read, parsable or not (redaction by value).
  registerSecretsIn(text.text, false);
  registerKeyMaterial(text.text, false);
  const fact = parseYamlText(text.text, path);
  if (fact.state === 'ok') registerSecretsIn(fact.value.data);
  return fact;
}
