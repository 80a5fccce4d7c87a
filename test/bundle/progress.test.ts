// Progress: an ora spinner when stderr is a terminal (here a pty made by util-linux `script`,
// sized with stty), nothing at all when stderr is a pipe. The doctor's live wait uses the same.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, FIXTURES } from '../helpers/exec.js';

const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-progress-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HEALTHY = join(FIXTURES, 'compose-healthy');
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.log('progress on a terminal: skipped, util-linux `script` is not installed');

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/** Runs the built CLI with stdout and stderr on a 100x30 pty; what the terminal showed. */
function onTerminal(args: string[], typed = ''): { code: number | null; shown: string } {
  const command = `stty cols 100 rows 30; ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    env: cleanEnv({ TERM: 'xterm' }),
    encoding: 'utf8',
    timeout: 30_000,
    input: typed,
  });
  return { code: r.status, shown: r.stdout };
}

describe('progress', () => {
  it.skipIf(!hasScript && !process.env.CI)('spins on a terminal while the bundle is written', () => {
    const r = onTerminal(['bundle', '--offline', '--dir', HEALTHY, '--out', join(root, 'tty.tar.gz')]);
    expect(r.shown).toContain('Writing the bundle');
    expect(r.shown).toContain('\u001b[?25l'); // the cursor hidden while spinning, then shown again
    expect(r.shown).toContain('Wrote ');
    expect(r.code).toBe(0);
  });

  it.skipIf(!hasScript && !process.env.CI)("spins during the doctor's live probes", () => {
    const args = ['doctor', '--dir', HEALTHY, '--only', 'edge-tcp', '--edge', '127.0.0.1:9', '--timeout', '300'];
    const r = onTerminal(args);
    expect(r.shown).toContain('Probing the edge, the proxy listener and the upstreams');
    expect(r.shown).toContain('Verdict');
  });

  it.skipIf(!hasScript && !process.env.CI)('--record on a terminal ends on Enter', () => {
    const archive = join(root, 'enter.tar.gz');
    const r = onTerminal(['bundle', '--offline', '--dir', HEALTHY, '--record', '--out', archive], '\n');
    expect(r.shown).toContain('Recording: reproduce the failure now, then press Enter');
    expect(r.shown).toContain('Wrote ');
    expect(r.code).toBe(0);
  });

  it('prints nothing on stderr when it is a pipe', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'bundle', '--offline', '--dir', HEALTHY, '--out', join(root, 'pipe.tar.gz')],
      {
        env: cleanEnv(),
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toContain('Wrote ');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
