// The matrix tests run the CLI in-process (test/helpers/in-process.ts) instead of spawning the
// built binary. That stands only while both give the same result: the same exit code, stdout and
// stderr for the same command, environment and input, whatever ran before in the test process.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, FIXTURES, ROOT, runCli, type Run } from '../helpers/exec.js';
import { runInProcess, type InProcessOptions } from '../helpers/in-process.js';

/** A run with its clock readings zeroed (durations and the instant the checks judged at differ between any two runs). */
function timeless(r: Run): Run {
  const strip = (s: string) =>
    s
      .replace(/"(durationMs|now|generatedAt)": ?[^,\n}]+/g, '"$1": 0')
      .replace(/\b\d+(\.\d+)? ?ms\b/g, '0 ms')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'T');
  return { code: r.code, stdout: strip(r.stdout), stderr: strip(r.stderr) };
}

const log = readFileSync(join(ROOT, 'fixtures', 'logs', 'compose-v2.log'), 'utf8');
const token = readFileSync(join(FIXTURES, 'compose-healthy', 'data', 'tunnel-token'), 'utf8').trim();

const cases: [string, string[], InProcessOptions][] = [
  ['doctor, healthy, JSON', ['doctor', '--offline', '--json', '--dir', join(FIXTURES, 'compose-healthy')], {}],
  [
    'doctor, broken, human --verbose',
    ['doctor', '--offline', '--verbose', '--dir', join(FIXTURES, 'broken-wrong-san')],
    {},
  ],
  [
    'doctor, the token in the environment, --fix',
    ['doctor', '--offline', '--fix', '--dir', join(FIXTURES, 'broken-no-url')],
    { env: cleanEnv({ TUNNEL_TOKEN: token }) },
  ],
  [
    'doctor, colour forced',
    ['doctor', '--offline', '--dir', join(FIXTURES, 'broken-expired')],
    { env: { PATH: process.env.PATH ?? '', FORCE_COLOR: '1' } },
  ],
  [
    'doctor, GitHub Actions',
    ['doctor', '--offline', '--dir', 'fixtures/deployments/broken-public-upstream'],
    { env: cleanEnv({ GITHUB_ACTIONS: 'true' }) },
  ],
  [
    'doctor, the working directory as the deployment',
    ['doctor', '--offline', '--json'],
    { cwd: join(FIXTURES, 'helm-healthy') },
  ],
  ['logs from stdin', ['logs', '--verbose'], { input: log }],
  ['logs --follow --json from stdin', ['logs', '--follow', '--json'], { input: log }],
  ['explain', ['explain', 'certificate-san'], {}],
  ['a usage error', ['doctor', '--offline', '--only', 'bogus'], {}],
  ['an unknown option', ['doctor', '--bogus-flag'], {}],
];

describe('in-process runs give what the built binary gives', () => {
  it.each(cases)('%s', async (_name, args, opts) => {
    const spawned = runCli(args, opts);
    const inProcess = await runInProcess(args, opts);
    expect(spawned.stdout.length + spawned.stderr.length).toBeGreaterThan(0);
    expect(timeless(inProcess)).toEqual(timeless(spawned));
  });

  it('a secret one run registers is not masked in the next run (each run has its own registry)', async () => {
    // The token's secret part: registered by value when the doctor reads the token, matched by no pattern.
    const secret = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { s: string }).s;
    const line = `2026-03-02T09:10:00Z ERR unknown thing ${secret}\n`;
    await runInProcess(['doctor', '--offline', '--dir', join(FIXTURES, 'compose-healthy')], {
      env: cleanEnv({ TUNNEL_TOKEN: token }),
    });
    const after = await runInProcess(['logs', '--verbose'], { input: line });
    expect(after.stdout).toContain(secret);
    expect(timeless(after)).toEqual(timeless(runCli(['logs', '--verbose'], { input: line })));
  });
});
