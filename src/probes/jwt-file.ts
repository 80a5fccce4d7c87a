// Reads an identity JWT file (--jwt-file), bounded, registers it as a secret and decodes it
// with model/jwt.ts.

import type { FileFact, JwtFacts } from '../core/facts.js';
import { decodeText, readBounded } from './bounded-file.js';
import { describeJwt } from '../model/jwt.js';
import { JWT_MAX_BYTES } from '../model/token-shapes.js';
import { registerSecret, registerSecretsIn } from '../redaction/register.js';

/** Read four times the largest accepted JWT, so an oversized token is a finding, not a usage error. */
const READ_LIMIT = 64 * 1024;

export function readJwtFile(path: string, explicit: boolean): FileFact<JwtFacts> {
  const read = readBounded(path, explicit, READ_LIMIT);
  if (read.state === 'missing') return read;
  if (read.state === 'unreadable') {
    // Too large is a fact about the token (the 16 KiB rule), not a reason to stop the run.
    if (read.problem.startsWith('is too large')) {
      return {
        state: 'invalid',
        path,
        problem: `is larger than ${READ_LIMIT} bytes; an identity JWT for the exchange must be at most ${JWT_MAX_BYTES} bytes (16 KiB)`,
      };
    }
    return read;
  }
  const text = decodeText(read.bytes);
  if (!text.ok) return { state: 'invalid', path, problem: text.problem };
  // The whole file is a credential, whatever shape it turns out to have.
  registerSecret(text.text);
  registerSecretsIn(text.text);
  return describeJwt(text.text, path);
}
