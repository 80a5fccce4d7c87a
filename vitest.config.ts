import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 60000,
    // Defence in depth: every probe in a test process refuses any address outside loopback.
    env: { MCP_TUNNEL_LOOPBACK_ONLY: '1' },
  },
});
