// Reads a Compose-style .env file (bounded) and parses it with model/dotenv.ts. Values may be
// secrets: they stay in facts for ${VAR} expansion and are never printed.

import type { FileFact } from '../core/facts.js';
import { decodeText, readBounded } from './bounded-file.js';
import { isMachineMade } from '../redaction/redact.js';
import { isSecretName, registerSecretsIn, registerSecretValue } from '../redaction/register.js';
import { dotenvAssignment, parseDotenv } from '../model/dotenv.js';

export function loadDotenv(path: string): FileFact<Record<string, string>> {
  const read = readBounded(path, false);
  if (read.state !== 'ok') return read;
  if (read.bytes.length === 0) return { state: 'ok', path, value: {} };
  const text = decodeText(read.bytes);
  if (!text.ok)
    return text.problem === 'is empty'
      ? { state: 'ok', path, value: {} }
      : { state: 'invalid', path, problem: text.problem };
  registerDotenvSecrets(text.text);
  return { state: 'ok', path, value: parseDotenv(text.text) };
}

/**
 * Registers the values of secret-named keys (TUNNEL_TOKEN, DB_PASSWORD, API_KEY...) and any
 * line that is not an assignment: a value split over lines (a pasted token wrapped by an
 * editor) continues there, and the diff of a fix would show that line as context.
 */
function registerDotenvSecrets(text: string): void {
  let secretKey = false;
  let value = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = dotenvAssignment(line);
    // Base64 ending in "=" reads as an assignment; a name that is machine-made is a continuation.
    if (m && !isMachineMade(m.name)) {
      secretKey = isSecretName(m.name);
      value = m.value;
      if (secretKey) registerSecretValue(value);
      else registerSecretsIn(value);
    } else if (secretKey) {
      value += line;
      registerSecretValue(line);
      registerSecretValue(value);
    } else {
      registerSecretsIn(line);
    }
  }
}
