// `bundle --inspect`: what a bundle holds, checked before it is sent. The manifest's hashes are
// verified (a changed, extra or missing member is reported) and every member is scanned again
// for secrets by shape (tokens, JWTs, API keys, private keys, URL credentials), inside any
// gzip-compressed member too. The archive is read by the strict reader (tar.ts), in bounds.

import { gunzipSync } from 'node:zlib';
import { findSecrets } from '../redaction/redact.js';
import { KEPT_AS_READ } from '../core/facts-file.js';
import { MANIFEST, sha256, type Manifest } from './contents.js';
import { readTarGzip, TAR_LIMITS, type TarMember } from './tar.js';

export interface Inspection {
  members: { name: string; size: number; redacted: Record<string, number> | null }[];
  createdAt: string | null;
  window: { start: string; end: string } | null;
  /** Manifest problems: a member changed, missing or not listed. */
  tampered: string[];
  /** Members where a secret's shape was found, with the kind (never the value). */
  secrets: string[];
}

function parseManifest(member: TarMember | undefined): Manifest | null {
  if (!member) return null;
  try {
    const doc = JSON.parse(Buffer.from(member.bytes).toString('utf8')) as Manifest;
    const entryOk = (f: unknown) => {
      const e = f as Record<string, unknown> | null;
      return typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.sha256 === 'string';
    };
    return typeof doc === 'object' && doc !== null && Array.isArray(doc.files) && doc.files.every(entryOk) ? doc : null;
  } catch {
    return null;
  }
}

/** The text of a member to scan: inflated first when it is gzip (within the archive's bound). */
function memberText(member: TarMember): string {
  const b = Buffer.from(member.bytes);
  if (b[0] === 0x1f && b[1] === 0x8b) {
    try {
      return gunzipSync(b, { maxOutputLength: TAR_LIMITS.memberBytes }).toString('utf8');
    } catch {
      return b.toString('latin1');
    }
  }
  return b.toString('utf8');
}

/**
 * The strings of facts.json, each on its own, as its sanitiser judged them (a key beside its
 * value would read as an assignment: "tokenFile": "/var/run/..."); the public values it keeps as
 * read (certificate DER, hashes) are left out.
 */
function factsStrings(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [text];
  }
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') out.push(v);
    else if (depth < 128 && v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        if (!KEPT_AS_READ.has(k)) walk(x, depth + 1);
      }
    }
  };
  walk(doc, 0);
  return out;
}

/** The redaction counts of a manifest entry, only the numbers (the manifest is input here). */
function countsOf(redacted: unknown): Record<string, number> | null {
  if (typeof redacted !== 'object' || redacted === null) return null;
  return Object.fromEntries(Object.entries(redacted).filter(([, n]) => typeof n === 'number'));
}

/** Inspects a bundle's bytes; `problem` when it is not a readable bundle at all (exit 2). */
export function inspectBundle(gz: Buffer): Inspection | { problem: string } {
  const read = readTarGzip(gz);
  if (!read.ok) return { problem: read.problem };
  const byName = new Map(read.members.map((m) => [m.name, m]));
  const manifest = parseManifest(byName.get(MANIFEST));
  if (!manifest) return { problem: `it has no readable ${MANIFEST} (not a bundle made by mcp-tunnel)` };
  const listed = new Map(manifest.files.map((f) => [f.name, f]));
  const tampered: string[] = [];
  for (const f of manifest.files) {
    const m = byName.get(f.name);
    if (!m) tampered.push(`${f.name}: listed in the manifest, missing from the archive`);
    else if (sha256(m.bytes) !== f.sha256 || m.bytes.length !== f.size) {
      tampered.push(`${f.name}: its SHA-256 or size differs from the manifest's (changed after the bundle was made)`);
    }
  }
  for (const m of read.members) {
    if (m.name !== MANIFEST && !listed.has(m.name)) tampered.push(`${m.name}: not listed in the manifest (added)`);
  }
  const secrets: string[] = [];
  for (const m of read.members) {
    // A value the sanitiser already masked ("https://admin:[REDACTED]@db") still has the shape around it.
    const text = memberText(m);
    const found = (m.name === 'facts.json' ? factsStrings(text) : [text])
      .flatMap((t) => findSecrets(t))
      .filter((s) => !s.includes('[REDACTED]'));
    if (found.length > 0) secrets.push(`${m.name}: ${found.length} secret-shaped value(s)`);
  }
  return {
    members: read.members.map((m) => ({
      name: m.name,
      size: m.bytes.length,
      redacted: countsOf(listed.get(m.name)?.redacted),
    })),
    createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : null,
    window:
      typeof manifest.window?.start === 'string' && typeof manifest.window.end === 'string' ? manifest.window : null,
    tampered,
    secrets,
  };
}

/** The inspection as text for the terminal. */
export function renderInspection(file: string, i: Inspection): string {
  const lines = [`${file}: made ${i.createdAt ?? 'at an unknown time'}`];
  if (i.window) lines.push(`Recorded window: ${i.window.start} to ${i.window.end}`);
  lines.push('');
  for (const m of i.members) {
    const r = m.redacted ? Object.entries(m.redacted).filter(([, n]) => n > 0) : [];
    const summary = r.length > 0 ? `  redacted: ${r.map(([k, n]) => `${k} ${n}`).join(', ')}` : '';
    lines.push(`  ${m.name.padEnd(34)} ${String(m.size).padStart(9)} bytes${summary}`);
  }
  lines.push('');
  if (i.tampered.length === 0) lines.push('Manifest: every member matches its SHA-256 and size.');
  else lines.push('Manifest: the bundle was changed after it was made:', ...i.tampered.map((t) => `  - ${t}`));
  if (i.secrets.length === 0)
    lines.push('Secrets: none found (tokens, JWTs, API keys, private keys, URL credentials).');
  else lines.push('Secrets: found, do not send this bundle:', ...i.secrets.map((s) => `  - ${s}`));
  return `${lines.join('\n')}\n`;
}
