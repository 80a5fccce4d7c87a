// An input the user named that cannot be read is a usage error (exit 2), not a finding: the
// probes report it as a fact ('missing' or 'unreadable', explicit), and this says which flag
// named it. A file that is read but broken stays a finding: diagnosing broken files is the job.

import { UsageError } from '../core/errors.js';
import type { Facts, FileFact } from '../core/facts.js';
import { directoryProblem } from '../probes/deployment.js';

/** The facts a flag names, in the order the doctor reads them (the first unreadable one is reported). */
const NAMED_BY: readonly (readonly [string, (facts: Readonly<Facts>) => FileFact<unknown> | undefined])[] = [
  ['--compose', (f) => f.compose],
  ['--values', (f) => f.helmValues],
  ['--config', (f) => f.proxyConfig],
  ['--ca', (f) => f.caCert],
  ['--cert', (f) => f.serverCert],
  ['--key', (f) => f.privateKey],
  ['--token-file', (f) => f.token],
  ['--jwt-file', (f) => f.jwt],
  ['--federation-rule', (f) => f.federationRule],
  ['--oauth-metadata', (f) => f.oauthMetadata],
  ['--resource-metadata', (f) => f.resourceMetadata],
];

/** Throws a UsageError for --dir that is no directory, or for the first named input that cannot be read. */
export function refuseUnreadableInputs(facts: Readonly<Facts>, dir: { given: string; path: string } | undefined): void {
  const problem = dir ? directoryProblem(dir.path) : null;
  if (dir && problem) throw new UsageError(`--dir ${dir.given}: ${problem}`);
  for (const [flag, named] of NAMED_BY) {
    const fact = named(facts);
    if (fact?.state === 'missing' && fact.explicit) throw new UsageError(`${flag} ${fact.path}: no such file`);
    if (fact?.state === 'unreadable' && fact.explicit) throw new UsageError(`${flag} ${fact.path}: ${fact.problem}`);
  }
}
