// How the TLS checks share their three input files. Each file's own problems (missing,
// unreadable, not a certificate) are reported by exactly one check, its owner; every other check
// that needs the file skips with a reason that names the owner. On Helm the files live in a
// Kubernetes Secret, so their absence is a skip with the command that exports them.

import { isAbsolute, relative } from 'node:path';
import { finding, skip, type Outcome } from '../core/check.js';
import type { CertificateFacts, CertificateFileFacts, Facts, FileFact, PrivateKeyFacts } from '../core/facts.js';
import { isRecord } from '../model/compose.js';

export type TlsFile = 'caCert' | 'serverCert' | 'privateKey';

interface FileRole {
  name: string; // file name in data/
  owner: string; // the check that reports the file's own problems
  flag: string;
  secretKey: string;
}

export const TLS_FILES: Record<TlsFile, FileRole> = {
  caCert: { name: 'ca.crt', owner: 'ca-certificate', flag: '--ca', secretKey: 'ca\\.crt' },
  serverCert: { name: 'tls.crt', owner: 'server-certificate', flag: '--cert', secretKey: 'tls\\.crt' },
  privateKey: { name: 'tls.key', owner: 'private-key', flag: '--key', secretKey: 'tls\\.key' },
};

/** A path as the user knows it: relative to the deployment directory when inside it. */
export function displayPath(facts: Readonly<Facts>, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(facts.deployment.dir, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The certificates of a usable certificate file, first (the served or registered one) first. */
export function certificatesOf(fact: FileFact<CertificateFileFacts> | undefined): CertificateFacts[] {
  return fact?.state === 'ok' ? fact.value.certificates : [];
}

export function firstCertificate(fact: FileFact<CertificateFileFacts> | undefined): CertificateFacts | null {
  return certificatesOf(fact)[0] ?? null;
}

/** Why a file another check owns cannot be used here, naming that check; null when usable. */
export function unusableReason(facts: Readonly<Facts>, file: TlsFile): string | null {
  const role = TLS_FILES[file];
  const fact = facts[file] as FileFact<CertificateFileFacts | PrivateKeyFacts> | undefined;
  if (fact?.state === 'ok') {
    if (file === 'privateKey') return null;
    const first = (fact.value as CertificateFileFacts).certificates[0];
    if (!first) return `${displayPath(facts, fact.path)} holds no certificate (reported by ${role.owner})`;
    // A CA certificate served as tls.crt (ca.crt copied over it): no server rule applies to it.
    if (file === 'serverCert' && first.basicConstraints?.ca) return `${displayPath(facts, fact.path)} holds a CA certificate ("${first.subject}"), not a server certificate (reported by ${role.owner})`;
    return null;
  }
  if (!fact) return `no ${role.name} was looked for (reported by ${role.owner})`;
  const path = displayPath(facts, fact.path);
  const what = fact.state === 'missing' ? 'was not found' : fact.problem;
  return `${path} ${what} (reported by ${role.owner})`;
}

/** The Helm hint: export the file from its Secret and name it with the flag. */
export function secretExportHint(facts: Readonly<Facts>, file: TlsFile): string {
  const role = TLS_FILES[file];
  const values = facts.helmValues?.state === 'ok' ? facts.helmValues.value.data : undefined;
  const external = isRecord(values) && isRecord(values.external) ? values.external : undefined;
  const named = file !== 'caCert' && typeof external?.serverCertSecretName === 'string' ? external.serverCertSecretName : '<secret>';
  return `kubectl get secret ${named} -n mcp-tunnel -o jsonpath='{.data.${role.secretKey}}' | base64 -d > ${role.name}, then run the doctor with ${role.flag} ${role.name}`;
}

/**
 * For the owning check: the outcome when its file is not usable at all (not in state 'ok').
 * Missing is a failure on Compose (the proxy mounts data/ and exits without the file) and a skip
 * on Helm (the file is in a Secret) or when no deployment was found.
 */
export function ownFileOutcome(facts: Readonly<Facts>, file: TlsFile, fact: Exclude<FileFact<unknown>, { state: 'ok' }> | undefined): Outcome {
  const role = TLS_FILES[file];
  if (!fact) return skip(`no ${role.name} was looked for`);
  const path = displayPath(facts, fact.path);
  if (fact.state === 'missing') {
    if (facts.deployment.layout === 'helm') {
      return skip(`${path} was not found: on Helm ${role.name} lives in a Kubernetes Secret; to check it: ${secretExportHint(facts, file)}`);
    }
    if (facts.deployment.layout !== 'compose' && !fact.explicit) {
      return skip(`${path} was not found and no Compose file or Helm values were found; name the file with ${role.flag}`);
    }
    return {
      status: 'fail',
      reason: null,
      findings: [
        finding(role.owner, {
          messageId: 'missing',
          symptom: `The proxy cannot start its inner TLS: ${path} does not exist.`,
          cause: `${path} is missing: the setup has not run yet, or data/ was mounted from another directory.`,
          fix: `Run the setup (docker compose --profile setup run --rm setup), or put ${role.name} in ${path}${file === 'caCert' ? ' (the CA that signed tls.crt)' : ''}.`,
          evidence: { file: path },
          location: { file: path },
        }),
      ],
    };
  }
  const messageId = fact.state === 'unreadable' ? 'unreadable' : file === 'privateKey' ? 'not-a-key' : 'not-a-certificate';
  return {
    status: 'fail',
    reason: null,
    findings: [
      finding(role.owner, {
        messageId,
        symptom: `${path} cannot be used: it ${fact.problem}.`,
        cause: `${path} ${fact.problem}.`,
        fix: fact.state === 'unreadable'
          ? `Make ${path} a regular, readable file${file === 'privateKey' ? '' : ' holding the PEM certificate'}.`
          : `Replace ${path} with the ${file === 'privateKey' ? 'unencrypted PEM private key of tls.crt' : `PEM ${role.name} written by the setup`}.`,
        evidence: { file: path, problem: fact.problem },
        location: fact.state === 'invalid' && fact.location ? fact.location : { file: path },
      }),
    ],
  };
}
