// Child process for test/e2e/last-resort.test.ts: a live doctor run (the built runCli, dist/) during
// which a timer throws and a promise rejects with nobody to catch them, as a library callback
// might. Prints the exit code and the captured stdout as one JSON line.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../../dist/src/cli.js';

const FIXTURES = new URL('../../fixtures/deployments/', import.meta.url).pathname;

// An "edge" that accepts TCP and never answers TLS: the edge probe waits for its deadline. Once
// the probe has connected (the run is live), a timer throws and a promise rejects.
const silent = createServer(() => {
  setTimeout(() => {
    throw new Error('thrown on purpose in a timer');
  }, 10);
  setTimeout(() => void Promise.reject(new Error('rejected on purpose')), 20);
});
await new Promise((r) => silent.listen(0, '127.0.0.1', r));
const port = silent.address().port;

let stdout = '';
const code = await runCli(
  [
    'doctor',
    '--json',
    '--dir',
    join(FIXTURES, 'compose-healthy'),
    '--edge',
    `127.0.0.1:${port}`,
    '--dns-server',
    '127.0.0.1:9',
    '--timeout',
    '800',
  ],
  {
    stdout: (t) => void (stdout += t),
    stderr: () => undefined,
    stdin: process.stdin,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: process.env,
    cwd: process.cwd(),
  },
);
silent.close();
process.stdout.write(`${JSON.stringify({ code, stdout })}\n`);
process.exit(0);
