// `mcp-tunnel logs`: wires the CLI's options to the log matcher (src/logs). Output goes through
// the CLI's redacting writers, like every other command's.

import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { useColor, type CliIO } from '../cli.js';
import { planOutputs, runEnvironment, type CommandContext } from './outputs.js';

export interface LogsCliOptions {
  format: string[];
  output: string[];
  json?: boolean;
  follow?: boolean;
  failOn: 'error' | 'warn';
  color: boolean;
  verbose?: boolean;
}

/**
 * True when stdin can bring no logs: a terminal (someone forgot the pipe), or a character device
 * that is not one, such as /dev/null under `docker run -t` without -i, cron or systemd, where
 * reading would end at once and "no problem in 0 lines" would claim more than was read.
 */
function stdinHasNoLogs(io: CliIO): boolean {
  if (io.stdinIsTTY) return true;
  if (io.stdin !== process.stdin) return false;
  try {
    return fstatSync(0).isCharacterDevice() && !isatty(0);
  } catch {
    return true; // stdin closed
  }
}

export async function runLogsCommand(files: string[], opts: LogsCliOptions, io: CliIO, out: (t: string) => void, err: (t: string) => void, context: CommandContext): Promise<number> {
  const outputs = planOutputs({ format: opts.format, output: opts.output, json: opts.json }, { env: io.env, stdoutIsTTY: io.stdoutIsTTY, cwd: io.cwd });
  const { runLogs } = await import('../logs/command.js');
  return runLogs(
    {
      files,
      json: Boolean(opts.json),
      outputs,
      run: { baseDir: io.cwd, environment: runEnvironment(context.argv, io.env) },
      follow: Boolean(opts.follow),
      failOn: opts.failOn,
      color: useColor(opts.color, io.stdoutIsTTY, io.env),
      verbose: Boolean(opts.verbose),
      ...(io.outputGone ? { outputGone: io.outputGone } : {}),
    },
    { stdin: io.stdin, stdinIsTTY: stdinHasNoLogs(io), stdout: out, stderr: err, writeFile: context.writeFile },
  );
}
