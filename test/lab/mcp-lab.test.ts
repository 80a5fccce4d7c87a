// The MCP + OAuth lab against the reference: the MCP SDK's own client discovery functions.

import { afterAll, describe, expect, it } from 'vitest';
import { removeLabDirs } from './certs.js';
import { startMcpOauthLab } from './mcp/lab.js';
import { sdkDiscoveryOutcome } from './mcp/sdk-discovery.js';

afterAll(() => removeLabDirs());

describe('the healthy MCP + OAuth lab', () => {
  it('the SDK client walks the whole discovery chain to the authorization request', async () => {
    const lab = await startMcpOauthLab('healthy');
    try {
      expect(await sdkDiscoveryOutcome(lab)).toEqual({ ok: true });
    } finally {
      await lab.stop();
    }
  });
});
