// Live check: needs a network probe (the live probes arrive with the live-diagnosis issue).
import type { Check } from '../../src/core/check.js';
import { liveSkip } from '../../src/core/live.js';

export const check: Check = {
  id: 'inner-tls',
  layer: 'tls',
  kind: 'live',
  run: (facts) => liveSkip(facts, 'inner-tls'),
};
