// STUB (to be implemented).
import { skip, type Check } from '../../src/core/check.js';

export const check: Check = {
  id: 'oauth-metadata',
  layer: 'oauth',
  kind: 'static',
  run: () => skip('not implemented yet'),
};
