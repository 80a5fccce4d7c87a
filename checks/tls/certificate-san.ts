// STUB (to be implemented).
import { skip, type Check } from '../../src/core/check.js';

export const check: Check = {
  id: 'certificate-san',
  layer: 'tls',
  kind: 'static',
  run: () => skip('not implemented yet'),
};
