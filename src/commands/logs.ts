// `mcp-tunnel logs`: wires the CLI's options to the log matcher (src/logs). Output goes through
// the CLI's redacting writers, like every other command's.

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
    { stdin: io.stdin, stdinIsTTY: io.stdinIsTTY, stdout: out, stderr: err, writeFile: context.writeFile },
  );
}
