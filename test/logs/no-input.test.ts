// `mcp-tunnel logs` with nothing to read: a terminal on stdin (the pipe was forgotten), or a stdin
// that can bring nothing (/dev/null, as under `docker run -t` without -i, cron or systemd). Both
// are usage errors with the hint on how to pipe logs in, never "no problem in 0 lines" and exit 0.

import { describe, expect, it } from 'vitest';
import { CLI_COMMAND, runCli, runShell } from '../helpers/exec.js';
import { labGate, programMissing } from '../lab/programs.js';

const HINT =
  /no input\. Give log files, or pipe logs in, for example:\n {2}docker compose logs --no-color \| npx mcp-tunnel logs/;

describe('mcp-tunnel logs without input', () => {
  it('stdin is /dev/null: exit 2 with the hint', () => {
    const r = runCli(['logs'], { stdinNull: true });
    expect(r.stderr).toMatch(HINT);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('a file named, stdin /dev/null: the file is read as usual', () => {
    const r = runCli(['logs', 'fixtures/logs/healthy.log'], { stdinNull: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('an empty pipe or an empty file: nothing was judged, said in every format, exit 2', () => {
    for (const args of [['logs'], ['logs', '--json'], ['logs', '/dev/null', '--format', 'markdown']]) {
      const r = runCli(args);
      expect(r.stdout, args.join(' ')).not.toMatch(/No known problem/);
      expect(r.stdout, args.join(' ')).toMatch(/No log line was read/);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  const gate = labGate('a terminal on stdin (script from util-linux)', programMissing('script', ['-V']));
  it.skipIf(gate.skip)('stdin is a terminal: exit 2 with the hint, at once', () => {
    gate.assert();
    // script gives the command a pseudo-terminal as stdin and returns its exit code (-e).
    const r = runShell(`script -qec '${CLI_COMMAND} logs' /dev/null`);
    expect(r.stdout.replace(/\r/g, '')).toMatch(HINT);
    expect(r.code).toBe(2);
  });
});
