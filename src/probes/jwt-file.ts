// STUB (to be implemented): decodes a JWT file into JwtFacts (never keeping the raw token).
import type { FileFact, JwtFacts } from '../core/facts.js';
export function readJwtFile(path: string, explicit: boolean): FileFact<JwtFacts> {
  return { state: 'invalid', path, problem: `not implemented (${explicit})` };
}
