// `mcp-tunnel logs`: wires the CLI's options to the log matcher.
import { UsageError } from '../core/errors.js';
import type { CliIO } from '../cli.js';

export async function runLogsCommand(files: string[], opts: Record<string, unknown>, io: CliIO, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  void files; void opts; void io; void out; void err;
  throw new UsageError('logs: not available yet');
}
