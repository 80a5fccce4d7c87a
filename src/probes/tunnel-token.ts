// STUB (to be implemented): reduces the tunnel token candidates to TokenFacts.
import type { FileFact, Location, TokenFacts } from '../core/facts.js';
export interface TokenCandidate {
  /** Human description: 'TUNNEL_TOKEN in the environment', '.env', 'data/tunnel-token', ... */
  source: string;
  /** The path of the file it came from, or a pseudo-path like '$TUNNEL_TOKEN'. */
  path: string;
  /** The raw value, or the read failure. */
  value: string | null;
  readProblem?: { state: 'missing' | 'unreadable'; problem?: string; explicit: boolean };
  location?: Location;
}
export function describeToken(candidates: TokenCandidate[]): FileFact<TokenFacts> | undefined {
  void candidates;
  return undefined;
}
