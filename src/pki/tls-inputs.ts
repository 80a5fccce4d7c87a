// How the TLS checks share their three input files. Each file's own problems (missing,
// unreadable, not a certificate) are reported by exactly one check, its owner; every other check
// that needs the file skips with a reason that names the owner. On Helm the files live in a
// Kubernetes Secret, so their absence is a skip with the command that exports them.
// Everything here returns data or reasons; the words of the findings are in the checks' messages.

import { isAbsolute, relative } from 'node:path';
import type { CertificateFacts, CertificateFileFacts, Facts, FileFact, Location } from '../core/facts.js';
import { isRecord } from '../model/compose.js';

export type TlsFile = 'caCert' | 'serverCert' | 'privateKey';
export type CertificateFile = Exclude<TlsFile, 'privateKey'>;

interface FileRole {
  name: string; // file name in data/
  owner: string; // the check that reports the file's own problems
  flag: string;
  secretKey: string;
}

const TLS_FILES: Record<TlsFile, FileRole> = {
  caCert: { name: 'ca.crt', owner: 'ca-certificate', flag: '--ca', secretKey: 'ca\\.crt' },
  serverCert: { name: 'tls.crt', owner: 'server-certificate', flag: '--cert', secretKey: 'tls\\.crt' },
  privateKey: { name: 'tls.key', owner: 'private-key', flag: '--key', secretKey: 'tls\\.key' },
};

/** The owner checks' words for their file when it is not there, or there but not usable (each adds its own fix). */
export const MISSING_FILE = {
  symptom: 'The proxy cannot start its inner TLS: {file} does not exist.',
  cause: '{file} is missing: the setup has not run yet, or data/ was mounted from another directory.',
} as const;
export const UNUSABLE_FILE = { symptom: '{file} cannot be used: it {problem}.', cause: '{file} {problem}.' } as const;

/** A path as the user knows it: relative to the deployment directory when inside it. */
export function displayPath(facts: Readonly<Facts>, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(facts.deployment.dir, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function firstCertificate(fact: FileFact<CertificateFileFacts> | undefined): CertificateFacts | null {
  return fact?.state === 'ok' ? (fact.value.certificates[0] ?? null) : null;
}

/** A certificate file another check owns, ready to judge: its first certificate, the whole file's, and its path as shown. */
export interface UsableCertificate {
  certificate: CertificateFacts;
  bundle: readonly CertificateFacts[];
  path: string;
}

/** The certificate file when it is usable here, or why not, naming the check that reports it. */
export function usableCertificate(
  facts: Readonly<Facts>,
  file: CertificateFile,
): UsableCertificate | { unusable: string } {
  const role = TLS_FILES[file];
  const fact = facts[file];
  if (!fact) return { unusable: `no ${role.name} was looked for (reported by ${role.owner})` };
  const path = displayPath(facts, fact.path);
  if (fact.state !== 'ok')
    return {
      unusable: `${path} ${fact.state === 'missing' ? 'was not found' : fact.problem} (reported by ${role.owner})`,
    };
  const bundle = fact.value.certificates;
  const first = bundle[0];
  if (!first) return { unusable: `${path} holds no certificate (reported by ${role.owner})` };
  // A CA certificate served as tls.crt (ca.crt copied over it): no server rule applies to it.
  if (file === 'serverCert' && first.basicConstraints?.ca) {
    return {
      unusable: `${path} holds a CA certificate ("${first.subject}"), not a server certificate (reported by ${role.owner})`,
    };
  }
  return { certificate: first, bundle, path };
}

/** The Helm hint: export the file from its Secret and name it with the flag. */
function secretExportHint(facts: Readonly<Facts>, file: TlsFile): string {
  const role = TLS_FILES[file];
  const values = facts.helmValues?.state === 'ok' ? facts.helmValues.value.data : undefined;
  const external = isRecord(values) && isRecord(values.external) ? values.external : undefined;
  const named =
    file !== 'caCert' && typeof external?.serverCertSecretName === 'string'
      ? external.serverCertSecretName
      : '<secret>';
  return `kubectl get secret ${named} -n mcp-tunnel -o jsonpath='{.data.${role.secretKey}}' | base64 -d > ${role.name}, then run the doctor with ${role.flag} ${role.name}`;
}

/** What is wrong with an owned file that is not usable at all: a skip, or the finding's data. */
export type OwnFileProblem =
  | { kind: 'skip'; reason: string }
  | { kind: 'missing'; file: string }
  | { kind: 'unreadable' | 'invalid'; file: string; problem: string; location: Location };

/**
 * For the owning check: its file is not in state 'ok'. Missing is a failure on Compose (the
 * proxy mounts data/ and exits without the file) and a skip on Helm (the file is in a Secret) or
 * when no deployment was found.
 */
export function ownFileProblem(
  facts: Readonly<Facts>,
  file: TlsFile,
  fact: Exclude<FileFact<unknown>, { state: 'ok' }> | undefined,
): OwnFileProblem {
  const role = TLS_FILES[file];
  if (!fact) return { kind: 'skip', reason: `no ${role.name} was looked for` };
  const path = displayPath(facts, fact.path);
  if (fact.state === 'missing') {
    if (facts.deployment.layout === 'helm') {
      return {
        kind: 'skip',
        reason: `${path} was not found: on Helm ${role.name} lives in a Kubernetes Secret; to check it: ${secretExportHint(facts, file)}`,
      };
    }
    if (facts.deployment.layout !== 'compose' && !fact.explicit) {
      return {
        kind: 'skip',
        reason: `${path} was not found and no Compose file or Helm values were found; name the file with ${role.flag}`,
      };
    }
    return { kind: 'missing', file: path };
  }
  const location = fact.state === 'invalid' && fact.location ? fact.location : { file: path };
  return { kind: fact.state, file: path, problem: fact.problem, location };
}
