// `mcp-tunnel logs`: wires the CLI's options to the log matcher (src/logs). Output goes through
// the CLI's redacting writers, like every other command's.

import { useColor, type CliIO } from '../cli.js';

export interface LogsCliOptions {
  json?: boolean;
  follow?: boolean;
  failOn: 'error' | 'warn';
  color: boolean;
  verbose?: boolean;
}

export async function runLogsCommand(files: string[], opts: LogsCliOptions, io: CliIO, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const { runLogs } = await import('../logs/command.js');
  return runLogs(
    {
      files,
      json: Boolean(opts.json),
      follow: Boolean(opts.follow),
      failOn: opts.failOn,
      color: useColor(opts.color, io.stdoutIsTTY, io.env),
      verbose: Boolean(opts.verbose),
    },
    { stdin: io.stdin, stdinIsTTY: io.stdinIsTTY, stdout: out, stderr: err },
  );
}
