// STUB (to be implemented).
import { skip, type Check } from '../../src/core/check.js';

export const check: Check = {
  id: 'ca-certificate',
  layer: 'tls',
  kind: 'static',
  run: () => skip('not implemented yet'),
};
