// `doctor --fix --yes` changes files only through the one writer: never through a link or out of
// the deployment, never what it cannot keep (read-only, extended attributes, hard links), never
// over an operator's concurrent edit, and a failure at any step (strace inject=, a full tmpfs)
// leaves the file entirely old, with no partial backup and no temporary file.

import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_COMMAND, FIXTURES, runShell } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import {
  faultsFor,
  leftovers,
  rootMissing,
  snapshot,
  startUnderStrace,
  straceGate,
  tracedCalls,
  runUnderStrace,
} from '../helpers/fault-injection.js';
import { labGate, programMissing } from '../lab/programs.js';
import { copyDeployment, scratchDir } from './helpers.js';

const fixArgs = (dir: string) => ['doctor', '--dir', dir, '--offline', '--fix', '--yes'];
const config = (dir: string) => join(dir, 'config', 'mcp-proxy.yaml');
const mode = (p: string) => statSync(p).mode & 0o7777;

describe('doctor --fix --yes stays inside the deployment', () => {
  it('does not chmod a key reached through a link to another directory, and says why', async () => {
    const dir = copyDeployment('compose-healthy');
    const elsewhere = scratchDir();
    const key = join(elsewhere, 'private.key');
    renameSync(join(dir, 'data', 'tls.key'), key);
    chmodSync(key, 0o600);
    symlinkSync(key, join(dir, 'data', 'tls.key'));
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toContain('data/tls.key is a symbolic link: not changed');
    expect(mode(key)).toBe(0o600);
    expect(r.code).toBe(1);
  });

  it('does not rewrite a config linked to a file elsewhere, nor leave a .bak beside it', async () => {
    const dir = copyDeployment('broken-routes-list');
    const elsewhere = scratchDir();
    renameSync(config(dir), join(elsewhere, 'proxy.yaml'));
    symlinkSync(join(elsewhere, 'proxy.yaml'), config(dir));
    const before = snapshot(elsewhere);
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toContain('config/mcp-proxy.yaml is a symbolic link: not changed');
    expect(snapshot(elsewhere)).toEqual(before);
    expect(readdirSync(join(dir, 'config'))).toEqual(['mcp-proxy.yaml']);
    expect(r.code).toBe(1);
  });

  it('refuses a file whose directory is a link out of the deployment', async () => {
    const dir = copyDeployment('broken-routes-list');
    const elsewhere = scratchDir();
    renameSync(join(dir, 'config'), join(elsewhere, 'config'));
    symlinkSync(join(elsewhere, 'config'), join(dir, 'config'));
    const before = snapshot(elsewhere);
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toMatch(/config\/mcp-proxy\.yaml resolves to \S+, outside \S+: not changed/);
    expect(snapshot(elsewhere)).toEqual(before);
  });
});

describe('doctor --fix --yes refuses what it cannot keep', () => {
  it('a read-only (0444) file', async () => {
    const dir = copyDeployment('broken-routes-list');
    chmodSync(config(dir), 0o444);
    const before = snapshot(dir);
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toContain(
      'config/mcp-proxy.yaml is read-only (0444): not changed; make it writable or edit it by hand',
    );
    expect(snapshot(dir)).toEqual(before);
    expect(r.code).toBe(1);
  });

  const attr = labGate(
    'extended attributes',
    programMissing('setfattr', ['--version']),
    programMissing('getfattr', ['--version']),
  );
  it.skipIf(attr.skip)('a file with extended attributes (they would be lost)', async () => {
    attr.assert();
    const dir = copyDeployment('broken-routes-list');
    expect(spawnSync('setfattr', ['-n', 'user.x', '-v', '1', config(dir)]).status).toBe(0);
    const before = snapshot(dir);
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toContain(
      'config/mcp-proxy.yaml has extended attributes (user.x) that a new file would lose: not changed',
    );
    expect(snapshot(dir)).toEqual(before);
    expect(spawnSync('getfattr', ['-n', 'user.x', '--only-values', config(dir)], { encoding: 'utf8' }).stdout).toBe(
      '1',
    );
  });

  it('a file with another hard link (it would be split from it)', async () => {
    const dir = copyDeployment('broken-routes-list');
    const other = join(scratchDir(), 'same-file.yaml');
    linkSync(config(dir), other);
    const before = snapshot(dir);
    const r = await runInProcess(fixArgs(dir));
    expect(r.stdout).toContain('config/mcp-proxy.yaml has 2 hard links: not changed');
    expect(snapshot(dir)).toEqual(before);
    expect(statSync(other).ino).toBe(statSync(config(dir)).ino);
  });
});

describe.skipIf(straceGate.skip)('doctor --fix --yes under injected faults', () => {
  it('a failed rename, link, fsync or write leaves the file entirely old, no backup, no temporary file', () => {
    straceGate.assert();
    const faults = faultsFor(tracedCalls(fixArgs(copyDeployment('broken-routes-list'))));
    // Writes of the lock, the new text and its backup; the rename; the backup's link and the hold; 4 fsyncs.
    const calls = faults.map((f) => f.name.split(' ')[0]).sort();
    expect(calls).toEqual([
      'fsync',
      'fsync',
      'fsync',
      'fsync',
      'link',
      'link',
      'pwrite64',
      'pwrite64',
      'pwrite64',
      'rename',
    ]);
    for (const fault of faults) {
      const dir = copyDeployment('broken-routes-list');
      const before = snapshot(dir);
      const r = runUnderStrace(fault.strace, fixArgs(dir));
      expect(r.code, `${fault.name}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout, fault.name).toMatch(/✖ failed: write routes as a map[^\n]*\((EIO|ENOSPC)\)/);
      expect(snapshot(dir), fault.name).toEqual(before);
      expect(leftovers(dir), fault.name).toEqual([]);
    }
  }, 120_000);

  it('a failed chmod leaves the key mode as it was and says so', () => {
    straceGate.assert();
    const dir = copyDeployment('compose-healthy');
    chmodSync(join(dir, 'data', 'tls.key'), 0o600);
    const r = runUnderStrace(['-e', 'trace=fchmod', '-e', 'inject=fchmod:error=EIO:when=1'], fixArgs(dir));
    expect(r.stdout).toMatch(/✖ failed: [^\n]*the mode of data\/tls\.key could not be changed \(EIO\)/);
    expect(mode(join(dir, 'data', 'tls.key'))).toBe(0o600);
    expect(r.code).toBe(1);
  });

  it('keeps an edit the operator makes between the comparison and the rename (the rename held 3 s)', async () => {
    straceGate.assert();
    const dir = copyDeployment('broken-routes-list');
    const run = startUnderStrace(
      ['-e', 'trace=rename', '-e', 'inject=rename:delay_enter=3000000:when=1'],
      fixArgs(dir),
    );
    // The hold (a hard link to the file, taken right before the comparison) shows the window is open.
    const deadline = Date.now() + 30_000;
    while (!readdirSync(join(dir, 'config')).some((f) => f.includes('.mcp-tunnel-hold-')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500)); // past the comparison, inside the delayed rename
    const edited = `${readFileSync(config(dir), 'utf8')}# the operator's edit\n`;
    appendFileSync(config(dir), "# the operator's edit\n");
    const r = await run;
    expect(r.stdout).toContain('✖ conflict: write routes as a map');
    expect(r.stdout).toContain(
      'config/mcp-proxy.yaml was changed by someone else while it was being replaced; their version was kept',
    );
    expect(readFileSync(config(dir), 'utf8')).toBe(edited);
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(`${config(dir)}.bak`)).toBe(false);
    expect(r.code).toBe(1);
  }, 60_000);
});

const tmpfsGate = labGate('a full tmpfs', rootMissing(), programMissing('unshare', ['--version']));
describe.skipIf(tmpfsGate.skip)('doctor --fix --yes on a full disk', () => {
  it('a backup that does not fit leaves no partial .bak and the file untouched; the next run makes .bak, not .bak.1', () => {
    tmpfsGate.assert();
    const work = scratchDir();
    const after = join(work, 'after');
    mkdirSync(join(work, 'mnt'));
    cpSync(join(FIXTURES, 'broken-routes-list'), join(work, 'deployment'), { recursive: true });
    // In a private mount namespace: a 256 KiB tmpfs filled up, then two pages freed (the lock and
    // the new text fit; the backup does not). The result is copied out before the mount goes.
    const script = [
      'set -e',
      `m=${work}/mnt`,
      'mount -t tmpfs -o size=256k tmpfs "$m"',
      `cp -r ${work}/deployment "$m/d"`,
      'head -c 4096 /dev/zero > "$m/page1"; head -c 4096 /dev/zero > "$m/page2"',
      'dd if=/dev/zero of="$m/fill" bs=4096 2>/dev/null || true',
      'rm "$m/page1" "$m/page2"',
      `${CLI_COMMAND} doctor --dir "$m/d" --offline --fix --yes > "${work}/first.txt" || echo "exit $?" >> "${work}/first.txt"`,
      `cp -a "$m/d" "${after}"`,
      'rm "$m/fill"',
      `${CLI_COMMAND} doctor --dir "$m/d" --offline --fix --yes > "${work}/second.txt" || true`,
      `cp -a "$m/d" "${after}-second"`,
    ].join('\n');
    const r = runShell(script, { under: ['unshare', '-m', '--propagation', 'private'] });
    expect(r.code, r.stderr).toBe(0);
    const first = readFileSync(join(work, 'first.txt'), 'utf8');
    expect(first).toMatch(
      /✖ failed: write routes as a map[^\n]*no backup of config\/mcp-proxy\.yaml could be written \(ENOSPC\)/,
    );
    expect(first).toContain('exit 1');
    expect(snapshot(after)).toEqual(snapshot(join(work, 'deployment')));
    expect(leftovers(after)).toEqual([]);
    expect(readdirSync(join(`${after}-second`, 'config')).sort()).toEqual(['mcp-proxy.yaml', 'mcp-proxy.yaml.bak']);
    expect(readFileSync(join(`${after}-second`, 'config', 'mcp-proxy.yaml.bak'), 'utf8')).toBe(
      readFileSync(join(work, 'deployment', 'config', 'mcp-proxy.yaml'), 'utf8'),
    );
  }, 60_000);
});
