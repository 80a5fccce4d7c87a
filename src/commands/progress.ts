// Progress for the slow parts (live probes, log collection, compression): an ora spinner on a
// terminal's stderr, loaded only then; nothing at all otherwise, so pipes and CI logs stay clean.
// The texts are the tool's own constant sentences (never input), so they skip the redactor.

import type { CliIO } from '../cli.js';

export interface Progress {
  /** Clear the spinner (the line it used is left empty). */
  stop(): void;
}

const SILENT: Progress = { stop: () => undefined };

/** A spinner when `enabled` and stderr is a terminal; else a progress that prints nothing. */
export async function startProgress(io: CliIO, text: string, enabled = true): Promise<Progress> {
  // The spinner draws on the process's own stderr (escape codes the CLI's writer would make
  // visible), so that stream must be the terminal too; TERM=dumb cannot move the cursor, and a
  // terminal of no width (a pty nobody sized) sends ora clearing lines forever.
  const terminal = io.stderrIsTTY && process.stderr.isTTY && process.stderr.columns > 0 && io.env.TERM !== 'dumb';
  if (!enabled || !terminal) return SILENT;
  const { default: ora } = await import('ora');
  // stdin stays as it is: the bundle's --record waits for Enter and `-` reads logs from it.
  // isEnabled: a terminal was checked above (ora's own test would print "- text" lines under CI=1).
  const spinner = ora({ text, stream: process.stderr, discardStdin: false, isEnabled: true }).start();
  return { stop: () => void spinner.stop() };
}
