// STUB (to be implemented).
import { skip, type Check } from '../../src/core/check.js';

export const check: Check = {
  id: 'cloudflared-ingress',
  layer: 'edge',
  kind: 'static',
  run: () => skip('not implemented yet'),
};
