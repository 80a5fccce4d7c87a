// Entry point behind bin/mcp-tunnel.js. `--version` answers without loading anything else, so
// the commonest probe of an installed tool stays as fast as starting Node itself.

import { toolVersion } from './core/version.js';

export async function main(argv: string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${toolVersion()}\n`);
    return;
  }
  const { runCli } = await import('./cli.js');
  process.exitCode = await runCli(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: process.stdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  });
}
