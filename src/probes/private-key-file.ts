// STUB (to be implemented): reads a PEM or DER private key file into PrivateKeyFacts.
import type { FileFact, PrivateKeyFacts } from '../core/facts.js';
export function readPrivateKeyFile(path: string, explicit: boolean): FileFact<PrivateKeyFacts> {
  return { state: 'invalid', path, problem: `not implemented (${explicit})` };
}
