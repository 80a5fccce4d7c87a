// STUB (to be implemented): reads a PEM or DER certificate file into CertificateFileFacts.
import type { CertificateFileFacts, FileFact } from '../core/facts.js';
export function readCertificateFile(path: string, explicit: boolean): FileFact<CertificateFileFacts> {
  return { state: 'invalid', path, problem: `not implemented (${explicit})` };
}
