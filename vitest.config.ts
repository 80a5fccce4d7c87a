import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20000,
    hookTimeout: 60000,
    // Defence in depth: every probe in a test process refuses any address outside loopback.
    env: { MCP_TUNNEL_LOOPBACK_ONLY: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'offline',
          include: ['test/**/*.test.ts'],
          exclude: ['test/live/**'],
          // One test file per core. The default (cores - 1) runs one file at a time on a 2-core
          // machine, while much of the suite waits on child processes (strace, openssl, a shell).
          maxWorkers: 2,
          // Test files share a worker's modules instead of importing the whole CLI again per file
          // (110 s -> 68 s on two cores). They keep no state between files: every doctor run has its
          // own secret registry, and tests write only under their own temporary directories.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          // Afterwards and one file at a time: these tests time real probes against deadlines
          // (a run takes about one timeout, not the sum), which CPU-bound neighbours would skew.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
