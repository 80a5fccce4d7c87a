// The skip every live check gives when it cannot probe: offline, or no probe result.

import { skip, type Outcome } from './check.js';
import type { Facts } from './facts.js';

export const OFFLINE_REASON = '--offline: no DNS queries or connections were made';

export function liveSkip(facts: Readonly<Facts>, what: string): Outcome {
  if (facts.offline) return skip(OFFLINE_REASON);
  return skip(`no live probe result for ${what}: the live probes did not run`);
}
