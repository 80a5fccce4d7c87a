import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 60000,
    // One test file per core. The default (cores - 1) runs one file at a time on a 2-core machine,
    // while much of the suite waits on child processes (strace, openssl, Caddy) and probe deadlines.
    maxWorkers: 2,
    // Defence in depth: every probe in a test process refuses any address outside loopback.
    env: { MCP_TUNNEL_LOOPBACK_ONLY: '1' },
  },
});
