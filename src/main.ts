// Entry point behind bin/mcp-tunnel.cjs (which answers --version by itself): runs the CLI with
// the real process streams and sets the exit code.

export async function main(argv: string[]): Promise<void> {
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
