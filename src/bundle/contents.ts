// What goes into a bundle, member by member, from a doctor run's facts and report and the log
// matcher's report: each member's text passes the output sanitiser, then the manifest lists
// every member's SHA-256, size and what was redacted in it. A final scan refuses the bundle if a
// registered secret or a secret's shape is still in any member. No I/O here but the clock-free
// hashing: the command gathers, this assembles.

import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Facts } from '../core/facts.js';
import { factsFileText, factsTextIsSanitised } from '../core/facts-file.js';
import type { DoctorReport } from '../core/types.js';
import type { LogsReport } from '../logs/report.js';
import { redact, sanitiseValue } from '../redaction/redact.js';
import { noRedactions, sanitiseDocument, sanitiseDotenv, type RedactionCounts } from './sanitise-files.js';
import type { TarMember } from './tar.js';
import type { CorrelatedId } from './correlate.js';

export const MANIFEST = 'manifest.json';

export interface ManifestEntry {
  name: string;
  sha256: string;
  size: number;
  redacted: RedactionCounts;
}

export interface Manifest {
  schemaVersion: 1;
  tool: { name: 'mcp-tunnel'; version: string };
  createdAt: string;
  /** With --record: the window the log lines were kept from. */
  window: { start: string; end: string } | null;
  /** With --since: the earliest time of a log line kept. */
  since: string | null;
  files: ManifestEntry[];
}

export interface BundleInputs {
  facts: Facts;
  report: DoctorReport;
  /** The doctor's report as markdown (rendered by the command through the reporters). */
  reportMarkdown: string;
  /** The log matcher's report over --logs, or null when none was given. */
  logs: LogsReport | null;
  /** With --record: the ray and request IDs that lines of two log files or more carry. */
  correlated: CorrelatedId[] | null;
  version: string;
  createdAt: Date;
  window: { start: string; end: string } | null;
  since: string | null;
  /** Versions of the host: Node and the OS (the command reads them). */
  host: { node: string; os: string };
}

/** Number of masks the sanitiser added: the count of placeholders after, less before. */
function countMasks(before: string, after: string): number {
  const count = (t: string) => t.split('[REDACTED]').length - 1;
  return Math.max(0, count(after) - count(before));
}

class Members {
  readonly list: { name: string; text: string; counts: RedactionCounts }[] = [];

  /** Adds a member whose text passes the output sanitiser (registered secrets, then secret shapes). */
  add(name: string, text: string, counts = noRedactions()): void {
    const clean = redact(text);
    counts.maskedBySanitiser += countMasks(text, clean);
    this.list.push({ name, text: clean, counts });
  }

  /** facts.json: exactly what doctor --save-facts writes (its own sanitiser, public values kept as read). */
  addFacts(text: string): void {
    this.list.push({ name: 'facts.json', text, counts: noRedactions() });
  }

  json(name: string, value: unknown): void {
    this.add(name, `${JSON.stringify(sanitiseValue(value), null, 2)}\n`);
  }
}

function certificateSummaries(facts: Facts): unknown {
  const certs = (fact: Facts['caCert']) => {
    if (!fact) return null;
    if (fact.state !== 'ok') return { file: fact.path, state: fact.state };
    return {
      file: fact.path,
      encoding: fact.value.encoding,
      pemLabels: fact.value.pemLabels,
      containsPrivateKey: fact.value.containsPrivateKey,
      certificates: fact.value.certificates.map((c) => ({
        subject: c.subject,
        issuer: c.issuer,
        serialNumber: c.serialNumber,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        sanDns: c.sanDns,
        sanIp: c.sanIp,
        keyType: c.publicKey,
        signatureAlgorithm: c.signatureAlgorithm.name,
        basicConstraints: c.basicConstraints,
        keyUsage: c.keyUsage,
        extKeyUsage: c.extKeyUsage,
        selfSigned: c.selfSigned,
        sha256Fingerprint: c.fingerprint256,
        spkiSha256: c.spkiSha256,
        subjectKeyId: c.subjectKeyId,
        authorityKeyId: c.authorityKeyId,
      })),
      unparsable: fact.value.unparsable.length,
    };
  };
  const key = facts.privateKey;
  return {
    ca: certs(facts.caCert),
    server: certs(facts.serverCert),
    // The key file's shape only: never a byte of the key.
    privateKey: !key
      ? null
      : key.state !== 'ok'
        ? { file: key.path, state: key.state }
        : {
            file: key.path,
            encoding: key.value.encoding,
            pemLabels: key.value.pemLabels,
            encrypted: key.value.encrypted,
            keyType: key.value.publicKey,
            spkiSha256: key.value.spkiSha256,
            mode: `0${key.value.mode.toString(8)}`,
          },
  };
}

function versions(inputs: BundleInputs): unknown {
  const live = inputs.facts.live;
  const cloudflaredImage = live?.runtime?.containers.find((c) => /cloudflared/.test(c.image));
  return {
    tool: { name: 'mcp-tunnel', version: inputs.version },
    node: inputs.host.node,
    os: inputs.host.os,
    docker: live?.runtime?.engineVersion ?? null,
    cloudflared:
      live?.metrics?.metrics.value?.build?.version ??
      cloudflaredImage?.imageVersion ??
      (cloudflaredImage ? cloudflaredImage.image : null),
  };
}

/** The deployment's files, rebuilt and sanitised (see sanitise-files.ts), under deployment/. */
function addDeploymentFiles(m: Members, facts: Facts): void {
  const documents: [Facts['compose'], 'compose' | 'proxy-config' | 'helm-values'][] = [
    [facts.compose, 'compose'],
    [facts.proxyConfig, 'proxy-config'],
    [facts.helmValues, 'helm-values'],
  ];
  const helmFiles = facts.helmValues?.state === 'ok' ? facts.helmValues.value.files : [];
  for (const [fact, kind] of documents) {
    if (fact?.state !== 'ok') continue;
    // With Helm the proxy config is a part of the values (gateway.config): it is in values.yaml already.
    if (kind === 'proxy-config' && helmFiles.includes(fact.path)) continue;
    const name = `deployment/${kind === 'helm-values' ? 'values.yaml' : basename(fact.path)}`;
    const { text, counts } = sanitiseDocument(fact.value.data, kind);
    // Two documents of one name (--config compose.yaml): the second goes under its kind.
    const taken = m.list.some((f) => f.name === name);
    m.add(taken ? `deployment/${kind}/${basename(fact.path)}` : name, text, counts);
  }
  if (facts.dotenv?.state === 'ok') {
    const { text, counts } = sanitiseDotenv(facts.dotenv.value);
    m.add('deployment/.env', text, counts);
  }
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The bundle's members (manifest last), or the members a registered secret or a secret shape remains in. */
export function bundleMembers(inputs: BundleInputs): { members: TarMember[] } | { leaks: string[] } {
  const m = new Members();
  m.json('report.json', inputs.report);
  m.add('report.md', inputs.reportMarkdown);
  const containers = inputs.facts.live?.containerLogs ?? null;
  m.json('logs.json', { files: inputs.logs, containers, correlated: inputs.correlated });
  addDeploymentFiles(m, inputs.facts);
  m.json('certificates.json', certificateSummaries(inputs.facts));
  m.addFacts(factsFileText(inputs.facts, inputs.version));
  m.json('versions.json', versions(inputs));
  if (inputs.facts.live?.metrics) m.json('cloudflared/metrics.json', inputs.facts.live.metrics);

  const leaks = m.list.filter((f) =>
    f.name === 'facts.json' ? !factsTextIsSanitised(f.text) : redact(f.text) !== f.text,
  );
  if (leaks.length > 0) return { leaks: leaks.map((f) => f.name) };

  const members: TarMember[] = m.list.map((f) => ({ name: f.name, bytes: Buffer.from(f.text, 'utf8') }));
  const manifest: Manifest = {
    schemaVersion: 1,
    tool: { name: 'mcp-tunnel', version: inputs.version },
    createdAt: inputs.createdAt.toISOString(),
    window: inputs.window,
    since: inputs.since,
    files: members.map((b, i) => ({
      name: b.name,
      sha256: sha256(b.bytes),
      size: b.bytes.length,
      redacted: m.list[i]?.counts ?? noRedactions(),
    })),
  };
  members.push({ name: MANIFEST, bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') });
  return { members };
}
