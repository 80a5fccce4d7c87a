// Runs the CLI inside the test process (runCli with captured IO): the same code as the built
// binary but for the bin's two lines, about a hundred times faster, so a matrix of hundreds of
// runs stays cheap. Each run has its own IO, environment, working directory and secret registry;
// the process's own env, cwd, exit code and streams are never read or set by it. Spawn the built
// binary (exec.ts) for what only a real process shows: exit status, pipes, signals, another user.

import { Readable } from 'node:stream';
import { runCli } from '../../src/cli.js';
import { cleanEnv, ROOT, type Run } from './exec.js';

export interface InProcessOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** What stdin carries (default: nothing, like the spawned run's empty pipe). */
  input?: string | Buffer;
  /** Pretend stdout and stderr are terminals (colour on, unless NO_COLOR). */
  tty?: boolean;
}

export async function runInProcess(args: string[], opts: InProcessOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdin: Readable.from(opts.input === undefined ? [] : [opts.input]),
    stdinIsTTY: false,
    stdoutIsTTY: Boolean(opts.tty),
    stderrIsTTY: Boolean(opts.tty),
    env: opts.env ?? cleanEnv(),
    cwd: opts.cwd ?? ROOT,
  });
  return { code, stdout, stderr };
}
