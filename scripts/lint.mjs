// `npm run lint`: the derived check index, tsc (src, checks and test, noUncheckedIndexedAccess),
// ESLint (type-aware, the layer rules), Prettier and knip. ESLint takes as long as the other four
// together, so it runs in a lane of its own beside them: on two cores the lint takes about half
// the time of running the steps one after the other. Each step's output is printed when it ends;
// the exit code is 1 when any step failed.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const cache = (name) => join(root, 'node_modules', '.cache', name);

const LANES = [
  [
    { name: 'check index', command: process.execPath, args: [join(root, 'scripts', 'check-index.mjs'), '--check'] },
    { name: 'tsc', command: bin('tsc'), args: ['-p', 'tsconfig.check.json'] },
    {
      name: 'prettier',
      command: bin('prettier'),
      args: ['--check', '--log-level', 'warn', '--cache', '--cache-strategy', 'content', '.'],
    },
    { name: 'knip', command: bin('knip'), args: [] },
  ],
  [
    {
      name: 'eslint',
      command: bin('eslint'),
      args: [
        '--cache',
        '--cache-strategy',
        'content',
        '--cache-location',
        `${cache('eslint')}/`,
        'src',
        'checks',
        'test',
        'bench',
        'scripts',
      ],
    },
  ],
];

/** Runs one step to its end; resolves with whether it passed, its output and its time. */
function runStep(step) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (b) => output.push(b));
    child.stderr.on('data', (b) => output.push(b));
    const done = (ok, extra = '') => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      resolve({ ok, text: Buffer.concat(output).toString('utf8') + extra, seconds });
    };
    child.on('error', (err) => done(false, `${step.name} could not start: ${err.message}\n`));
    child.on('close', (code, signal) => done(code === 0, code === 0 ? '' : `(exit ${code ?? signal})\n`));
  });
}

async function runLane(steps) {
  let ok = true;
  for (const step of steps) {
    const result = await runStep(step);
    process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${step.name} (${result.seconds} s)\n`);
    if (!result.ok) process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    ok &&= result.ok;
  }
  return ok;
}

const results = await Promise.all(LANES.map(runLane));
process.exitCode = results.every(Boolean) ? 0 : 1;
