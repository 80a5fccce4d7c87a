// The saved facts of a doctor run (`--save-facts FILE`) and their replay (`--facts FILE`), like
// Lighthouse's -G / -A: a user's run judged again elsewhere, without any probe or deployment.
// Saving masks secrets (values of secret-named variables, then every registered secret and
// secret shape through the same sanitiser as every report); reading refuses anything that is not
// a facts file of this schema, within a size and nesting bound. Pure: the CLI reads and writes.

import { isRecord } from '../model/compose.js';
import { sanitiseValue } from '../redaction/redact.js';
import { isSecretName, registerSecretsIn } from '../redaction/register.js';
import { SecretRegistry, withSecretRegistry } from '../redaction/secret-registry.js';
import { jsonNestsDeeper } from './json-nesting.js';
import type { Facts } from './facts.js';
import { LIVE_FACTS } from './requirements.js';

export const FACTS_SCHEMA_VERSION = 1;
/** A read cap well above any real run (every deployment file is capped far below it). */
export const FACTS_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** YAML and JSON inputs nest at most 64 levels; the facts around them add a few. */
const FACTS_FILE_MAX_DEPTH = 96;

export interface FactsFile {
  schemaVersion: typeof FACTS_SCHEMA_VERSION;
  tool: { name: 'mcp-tunnel'; version: string };
  /** The instant every check judged against (the saved run's clock). */
  now: string;
  facts: Omit<Facts, 'now'>;
}

/** What replaces a secret-named value in a saved file: it says a value was there, never what. */
function removedSecret(value: string): string {
  return `<secret: ${value.length} characters removed>`;
}

/** A value that names another one rather than holding a secret: kept, replay expands it. */
function isReference(value: string): boolean {
  return /^\$\{?[A-Za-z_]/.test(value.trim()) || value.trim() === '';
}

function maskNamedVariables(vars: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = isSecretName(k) && !isReference(v) ? removedSecret(v) : v;
  return out;
}

/**
 * Secret-named entries of a deployment document (a Compose `environment:` map, Helm values):
 * masked unless the value is a reference, a URL or a path, which checks read and are not secret.
 */
function maskDocument(value: unknown, depth = 0): unknown {
  if (depth > FACTS_FILE_MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => maskDocument(v, depth + 1));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const url = typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
    const plain = typeof v === 'string' && !isReference(v) && !url && !/^[~.]?\//.test(v);
    out[k] = plain && isSecretName(k) ? removedSecret(v) : maskDocument(v, depth + 1);
  }
  return out;
}

type DocumentFact = { state: string; value?: { data?: unknown } } | undefined;

function withMaskedData<T extends DocumentFact>(fact: T): T {
  if (!fact || fact.state !== 'ok' || !fact.value) return fact;
  return { ...fact, value: { ...fact.value, data: maskDocument(fact.value.data) } };
}

/**
 * Public values replay needs bit for bit: certificate DER (a check verifies its signature) and
 * hashes of public data. A registered private key shares runs of base64 with its certificate's
 * public key, so the sanitiser would cut holes in the DER; these are hex or base64 and kept as read.
 */
export const KEPT_AS_READ: ReadonlySet<string> = new Set([
  'derBase64',
  'fingerprint256',
  'spkiSha256',
  'fingerprint',
  'tokenFingerprint',
  'subjectKeyId',
  'authorityKeyId',
]);

/**
 * Keys that name an identifier, a file or an address (tunnel.id, api.wif.workspaceId, tokenFile):
 * their values are judged by their shape (a prefix, a ULID), which masking by value would erase
 * when a loader registered them for looking machine-made. They still pass the secret patterns.
 */
const IDENTIFIER_KEY = /(^id|Id|ID|_id|Name|_name|File|_file|Path|_path|Url|URL|_url)$/;

/** The sanitiser with the secret patterns alone (no value registered in this run). */
function sanitiseByPattern(text: string): string {
  return withSecretRegistry(() => sanitiseValue(text), new SecretRegistry());
}

/** The output sanitiser over every string and key, but the public values above. */
function sanitiseFacts(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return sanitiseValue(value);
  if (depth > FACTS_FILE_MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sanitiseFacts(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const kept = KEPT_AS_READ.has(k) && typeof v === 'string' && /^[A-Za-z0-9+/=:]*$/.test(v);
    const identifier = IDENTIFIER_KEY.test(k) && !isSecretName(k) && typeof v === 'string';
    out[sanitiseValue(k)] = kept ? v : identifier ? sanitiseByPattern(v) : sanitiseFacts(v, depth + 1);
  }
  return out;
}

/**
 * On replay, what the loaders registered from the documents' values is registered again, so the
 * replayed report masks the same values as the saved run's (an ID that looks machine-made).
 */
export function registerSavedSecrets(facts: Readonly<Facts>): void {
  const documents = [facts.compose, facts.proxyConfig, facts.helmValues, facts.federationRule];
  for (const fact of [...documents, facts.oauthMetadata, facts.resourceMetadata]) {
    if (fact?.state === 'ok') registerSecretsIn(fact.value.data);
  }
}

/** The text of a facts file: secrets masked, then the output sanitiser over every string. */
export function factsFileText(facts: Readonly<Facts>, version: string): string {
  const { now, ...rest } = facts;
  const masked: Omit<Facts, 'now'> = {
    ...rest,
    processEnv: maskNamedVariables(rest.processEnv),
    compose: withMaskedData(rest.compose),
    helmValues: withMaskedData(rest.helmValues),
    proxyConfig: withMaskedData(rest.proxyConfig),
  };
  if (rest.dotenv?.state === 'ok') masked.dotenv = { ...rest.dotenv, value: maskNamedVariables(rest.dotenv.value) };
  const file: FactsFile = {
    schemaVersion: FACTS_SCHEMA_VERSION,
    tool: { name: 'mcp-tunnel', version },
    now,
    facts: masked,
  };
  return `${JSON.stringify(sanitiseFacts(file), null, 2)}\n`;
}

/**
 * True when a facts file's text holds nothing its own sanitiser would still mask (by the same
 * rules: public values and identifiers kept as read): the bundle's final scan of facts.json.
 */
export function factsTextIsSanitised(text: string): boolean {
  try {
    return `${JSON.stringify(sanitiseFacts(JSON.parse(text)), null, 2)}\n` === text;
  } catch {
    return false;
  }
}

const FILE_FACTS = [
  'dotenv',
  'compose',
  'proxyConfig',
  'helmValues',
  'token',
  'caCert',
  'serverCert',
  'privateKey',
  'assignedDomain',
  'jwt',
  'federationRule',
  'oauthMetadata',
  'resourceMetadata',
] as const;
const FILE_STATES = ['ok', 'missing', 'unreadable', 'invalid'];

/** Why `text` is not a facts file this version replays, or the facts. */
export function parseFactsFile(text: string): { facts: Facts } | { problem: string } {
  if (text.length > FACTS_FILE_MAX_BYTES) return { problem: `is larger than ${FACTS_FILE_MAX_BYTES} bytes` };
  if (jsonNestsDeeper(text, FACTS_FILE_MAX_DEPTH)) {
    return { problem: `nests deeper than ${FACTS_FILE_MAX_DEPTH} levels` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON (save one with doctor --save-facts FILE)' };
  }
  if (!isRecord(doc)) return { problem: 'is not a facts file (its top level is not an object)' };
  if (doc.schemaVersion !== FACTS_SCHEMA_VERSION) {
    const v = typeof doc.schemaVersion === 'number' ? String(doc.schemaVersion) : 'missing';
    return { problem: `has schemaVersion ${v}; this version of mcp-tunnel reads ${FACTS_SCHEMA_VERSION}` };
  }
  const shape = shapeProblem(doc);
  if (shape) return { problem: `is not a facts file: ${shape}` };
  const { now, facts } = doc as unknown as FactsFile;
  return { facts: { ...facts, now } };
}

/** The first place the document departs from the shape checks rely on, or null. */
function shapeProblem(doc: Record<string, unknown>): string | null {
  if (typeof doc.now !== 'string' || Number.isNaN(Date.parse(doc.now))) return '`now` is not a date';
  const facts = doc.facts;
  if (!isRecord(facts)) return '`facts` is not an object';
  if (typeof facts.offline !== 'boolean') return '`facts.offline` is not true or false';
  const d = facts.deployment;
  if (!isRecord(d) || typeof d.dir !== 'string' || !['compose', 'helm', 'none'].includes(String(d.layout))) {
    return '`facts.deployment` is not { dir, layout }';
  }
  if (!isRecord(facts.processEnv) || !Object.values(facts.processEnv).every((v) => typeof v === 'string')) {
    return '`facts.processEnv` is not a map of strings';
  }
  for (const name of FILE_FACTS) {
    const f = facts[name];
    if (f === undefined) continue;
    if (!isRecord(f) || !FILE_STATES.includes(String(f.state)) || typeof f.path !== 'string') {
      return `\`facts.${name}\` is not a file fact ({ state, path })`;
    }
    if (f.state === 'ok' && !('value' in f)) return `\`facts.${name}\` has no value`;
  }
  const live = facts.live;
  if (live === undefined) return null;
  if (!isRecord(live)) return '`facts.live` is not an object';
  for (const key of LIVE_FACTS) {
    const field = key.slice('live.'.length);
    const value = live[field];
    // The running deployment's groups came later: a file saved before them has neither field.
    const optional =
      key === 'live.runtime' ||
      key === 'live.metrics' ||
      key === 'live.containerLogs' ||
      key === 'live.mcp' ||
      key === 'live.oauthChain';
    if (value !== null && typeof value !== 'object' && !(optional && value === undefined)) {
      return `\`facts.live.${field}\` is not an object or null`;
    }
    const skipped = live[`${field === 'resourceMetadata' || field === 'oauthMetadata' ? 'oauth' : field}Skipped`];
    if (skipped !== null && typeof skipped !== 'string' && !(optional && skipped === undefined)) {
      return `\`facts.live.${field}\`: its skip reason is not a string or null`;
    }
  }
  if (!Array.isArray(live.probes)) return '`facts.live.probes` is not a list';
  return null;
}
