// The tunnel token cloudflared would get, from every place a deployment keeps one (gathered by
// probes/deployment.ts), reduced to its shape by model/tunnel-token.ts. Every value read is
// registered as a secret here; the facts never hold the token.

import type { FileFact, Location, TokenFacts } from '../core/facts.js';
import { registerSecret, registerSecretsIn } from '../redaction/register.js';
import { canonicalToken, describeTokenValue, tokenFingerprint } from '../model/tunnel-token.js';

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

/** Every value found where a token goes is a secret (unless it is a placeholder), in every wrapping. */
export function registerCandidate(value: string | null): void {
  if (value === null) return;
  registerSecretsIn(value);
  if (describeTokenValue(value, registerSecret).placeholder) return;
  registerSecret(value);
  registerSecret(canonicalToken(value));
}

/**
 * The token cloudflared would get (the first candidate), reduced to its shape, and whether the
 * other places that hold one hold the same one. Undefined when no place holds a token at all.
 */
export function describeToken(candidates: TokenCandidate[]): FileFact<TokenFacts> | undefined {
  for (const c of candidates) registerCandidate(c.value);
  const [lead, ...others] = candidates;
  if (lead === undefined) return undefined;
  const rp = lead.readProblem;
  let value: string | null = lead.value;
  if (rp) {
    // The file reader reports content problems (empty, binary) as unreadable with a value of ''.
    if (lead.value !== null && rp.problem === 'is empty') value = '';
    else if (lead.value !== null)
      return {
        state: 'invalid',
        path: lead.path,
        problem: rp.problem ?? 'cannot be read as text',
        location: lead.location,
      };
    else if (rp.state === 'missing') return { state: 'missing', path: lead.path, explicit: rp.explicit };
    else
      return { state: 'unreadable', path: lead.path, explicit: rp.explicit, problem: rp.problem ?? 'cannot be read' };
  }
  const shape = describeTokenValue(value, registerSecret);
  const mine = value === null ? null : canonicalToken(value);
  const alsoIn: TokenFacts['alsoIn'] = [];
  for (const c of others) {
    if (c.readProblem || c.value === null) continue;
    alsoIn.push({ source: c.source, same: mine !== null && canonicalToken(c.value) === mine });
  }
  const facts: TokenFacts = { source: lead.source, ...shape, alsoIn };
  if (lead.location) facts.location = lead.location;
  if (value !== null && value.trim() !== '') facts.fingerprint = tokenFingerprint(value);
  return { state: 'ok', path: lead.path, value: facts };
}
