// Entry point behind bin/mcp-tunnel.cjs (which answers --version by itself): runs the CLI with
// the real process streams and sets the exit code.
//
// A reader that goes away (`| head -1`, `| true`) makes writes fail with EPIPE, reported as an
// 'error' event on the stream: unhandled, it ends the process with a stack trace. Here it ends
// the output instead: later writes are dropped, a running command is told (the logs reader stops
// reading), and the process exits quietly with the command's own exit code.

export async function main(argv: string[]): Promise<void> {
  const { runCli } = await import('./cli.js');
  const outputGone = new AbortController();
  let stdoutOpen = true;
  let stderrOpen = true;
  process.stdout.on('error', () => {
    stdoutOpen = false;
    outputGone.abort();
  });
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  process.exitCode = await runCli(argv, {
    stdout: (t) => {
      if (stdoutOpen) process.stdout.write(t);
    },
    stderr: (t) => {
      if (stderrOpen) process.stderr.write(t);
    },
    stdin: process.stdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
    outputGone: outputGone.signal,
  });
}
