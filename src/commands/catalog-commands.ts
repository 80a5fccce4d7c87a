// `mcp-tunnel checks` and `mcp-tunnel explain <id>`: the catalog, its messageIds and log
// signatures, for people and for scripts.

import { CATALOG, catalogEntry, findCatalogEntry, type CatalogEntry } from '../catalog/catalog.js';
import { CHECKS } from '../../checks/index.js';
import { SIGNATURES, type Signature } from '../catalog/signatures.js';
import { UsageError } from '../core/errors.js';
import type { Check, MessageSpec } from '../core/check.js';

const KIND_WORDS: Record<string, string> = {
  static: 'files',
  live: 'network',
  'static+live': 'files + network',
  log: 'logs only',
};

export function listChecks(json: boolean): string {
  if (json) {
    return `${JSON.stringify(
      CATALOG.map((e) => ({ id: e.id, layer: e.layer, kind: e.kind, title: e.title })),
      null,
      2,
    )}\n`;
  }
  const w = Math.max(...CATALOG.map((e) => e.id.length));
  const lines = CATALOG.map(
    (e) => `${e.layer.padEnd(8)} ${e.id.padEnd(w)}  ${(KIND_WORDS[e.kind] ?? e.kind).padEnd(15)} ${e.title}`,
  );
  return `${['LAYER    ' + 'ID'.padEnd(w) + '  JUDGED FROM     TITLE', ...lines].join('\n')}\n\nRun mcp-tunnel explain <id> for the symptom, cause and fix of one.\n`;
}

/** Per check, its messages: the meaning of each messageId and its text. */
const MESSAGES: Readonly<Record<string, Check['messages']>> = Object.fromEntries(CHECKS.map((c) => [c.id, c.messages]));

/** Every name `explain` knows: catalog IDs, messageIds and log signature names. */
function knownNames(): string[] {
  const messageIds = Object.values(MESSAGES).flatMap((m) => Object.keys(m));
  return [...new Set([...CATALOG.map((e) => e.id), ...messageIds, ...SIGNATURES.map((s) => s.name)])];
}

function closest(id: string): string[] {
  const words = id.split(/[-/]/).filter((w) => w.length > 2);
  return knownNames().filter((x) => x.includes(id) || id.includes(x) || words.some((w) => x.split('-').includes(w)));
}

function entryText(e: CatalogEntry): string[] {
  return [
    `${e.id} — ${e.title}`,
    `layer: ${e.layer}    judged from: ${KIND_WORDS[e.kind]}`,
    '',
    `Symptom: ${e.symptom}`,
    `Cause:   ${e.cause}`,
    `Fix:     ${e.fix}`,
  ];
}

/** A message's text: its own template, or the check's text when it has none. */
function messageText(checkId: string, spec: MessageSpec): { symptom: string; cause: string; fix: string } {
  const e = catalogEntry(checkId);
  return { symptom: spec.symptom ?? e.symptom, cause: spec.cause ?? e.cause, fix: spec.fix ?? e.fix };
}

/** A messageId as `explain` shows it: the check it belongs to, what it means, and its text. */
function messageSection(checkId: string, messageId: string): { json: object; text: string[] } {
  const e = catalogEntry(checkId);
  const spec = MESSAGES[checkId]?.[messageId];
  if (!spec) throw new Error(`${checkId} has no message ${messageId}`);
  const t = messageText(checkId, spec);
  const placeholders = /\{[A-Za-z][A-Za-z0-9]*\}/.test(`${t.symptom}${t.cause}${t.fix}`);
  return {
    json: { messageId, check: checkId, checkTitle: e.title, severity: spec.severity, text: spec.meaning, ...t },
    text: [
      `${messageId} — a finding of the check ${checkId} (${e.title}), severity ${spec.severity}`,
      `  ${spec.meaning}`,
      '',
      `Symptom: ${t.symptom}`,
      `Cause:   ${t.cause}`,
      `Fix:     ${t.fix}`,
      ...(placeholders ? ['', 'A {name} in braces stands for a value from the deployment being judged.'] : []),
      '',
      `Run mcp-tunnel explain ${checkId} for the check itself.`,
    ],
  };
}

/** Every message of a check, one line each, for `explain <check>`. */
function messageList(checkId: string): { json: object[]; text: string[] } {
  const messages = Object.entries(MESSAGES[checkId] ?? {});
  if (messages.length === 0) return { json: [], text: [] };
  const w = Math.max(...messages.map(([id]) => id.length));
  return {
    json: messages.map(([messageId, spec]) => ({
      messageId,
      severity: spec.severity,
      text: spec.meaning,
      ...messageText(checkId, spec),
    })),
    text: [
      'Messages (mcp-tunnel explain <messageId> for the text of one):',
      ...messages.map(([id, spec]) => `  ${id.padEnd(w)}  ${spec.severity.padEnd(5)}  ${spec.meaning}`),
    ],
  };
}

/** A log signature as `explain` shows it: what lines it matches and the catalog ID it points to. */
function signatureSection(sig: Signature): { json: object; text: string[] } {
  const e = sig.id ? findCatalogEntry(sig.id) : undefined;
  const head =
    sig.kind === 'problem'
      ? `a log signature of ${sig.id} (${e?.title ?? sig.id}), severity ${sig.severity}`
      : `a ${sig.kind} log signature${sig.id ? ` of ${sig.id}` : ''}`;
  const fragments = sig.anyOf.map((a) => JSON.stringify(a)).join(' or ');
  const text = [`${sig.name} — ${head}`, `  Matches lines containing: ${fragments}`];
  if (sig.note) text.push(`  ${sig.note}`);
  if (e) text.push('', ...entryText(e));
  const json = {
    signature: sig.name,
    id: sig.id ?? null,
    kind: sig.kind,
    severity: sig.severity,
    anyOf: sig.anyOf,
    note: sig.note ?? null,
  };
  return { json, text };
}

/**
 * `mcp-tunnel explain <name>`: a catalog ID, a messageId (alone or as <check>/<messageId>) or a
 * log signature name, so that any ID the tool prints can be looked up.
 */
export function explain(id: string, json: boolean): string {
  const e = findCatalogEntry(id);
  if (e) {
    const messages = messageList(e.id);
    if (json) return `${JSON.stringify({ ...e, messages: messages.json }, null, 2)}\n`;
    return [...entryText(e), '', e.explain, ...(messages.text.length > 0 ? ['', ...messages.text] : []), ''].join('\n');
  }
  const [scope, inScope] = id.includes('/') ? id.split('/', 2) : [null, id];
  const inChecks = scope === null ? Object.keys(MESSAGES) : [scope];
  const checks = inChecks.filter((c) => Object.hasOwn(MESSAGES[c] ?? {}, inScope));
  const sections = [
    ...checks.map((c) => messageSection(c, inScope)),
    ...(scope === null ? SIGNATURES.filter((sig) => sig.name === id).map(signatureSection) : []),
  ];
  if (sections.length === 0) {
    const near = closest(id);
    throw new UsageError(
      `explain ${id}: no such ID`,
      near.length > 0 ? `Did you mean: ${near.slice(0, 5).join(', ')}?` : 'Run mcp-tunnel checks for the list.',
    );
  }
  if (json) {
    const [only, ...others] = sections;
    const value = only && others.length === 0 ? only.json : sections.map((x) => x.json);
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  return `${sections.map((x) => x.text.join('\n')).join('\n\n')}\n`;
}
