// What the container checks take from the Docker Engine, shown on the real engine: an image's
// USER is merged into the container's Config.User (so an empty one means root); a running
// container's ExitCode is reset to 0 after a restart while a restarting one shows its last exit,
// and Docker keeps Running true while it waits to restart; root without CAP_DAC_OVERRIDE
// (cap_drop: [ALL]) cannot read another user's 0600 file. Every container has no network.

import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labGate } from '../programs.js';
import { dockerLabUnavailable, ensureBusyboxImage } from './images.js';

const gate = labGate(
  'the Docker engine semantics of the container checks',
  dockerLabUnavailable(),
  process.getuid?.() === 0 ? null : 'not root: the test chowns a file to another user',
);
const prefix = `mcp-tunnel-engine-${process.pid}`;
const containers: string[] = [];
const images: string[] = [];
const dirs: string[] = [];

function docker(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** A container name of this run, removed in afterAll. */
function named(what: string): string {
  const name = `${prefix}-${what}`;
  containers.push(name);
  return name;
}

interface State {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  ExitCode: number;
}

function inspect(name: string): { state: State; restartCount: number; user: string } {
  const r = docker('inspect', '--format', '{{json .State}}\t{{.RestartCount}}\t{{json .Config.User}}', name);
  const [state = '', count = '', user = ''] = r.stdout.split('\t');
  return { state: JSON.parse(state) as State, restartCount: Number(count), user: JSON.parse(user) as string };
}

afterAll(() => {
  for (const c of containers) docker('rm', '-f', c);
  for (const i of images) docker('rmi', '-f', i);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Docker engine semantics the container checks rely on', () => {
  it.skipIf(gate.skip)("the image's USER becomes the container's Config.User; none at all is ''", () => {
    gate.assert();
    const busybox = ensureBusyboxImage();
    const base = named('user-base');
    expect(docker('create', '--network', 'none', '--name', base, busybox, 'true').status).toBe(0);
    expect(inspect(base).user).toBe('');
    const tag = `${prefix}-user:latest`;
    images.push(tag);
    expect(docker('commit', '--change', 'USER 65532:65532', base, tag).status).toBe(0);
    const child = named('user-child');
    expect(docker('create', '--network', 'none', '--name', child, tag, 'true').status).toBe(0);
    expect(inspect(child).user).toBe('65532:65532');
  });

  it.skipIf(gate.skip)(
    'a restart loop: restarting shows the exit code and Running true; running again shows ExitCode 0',
    async () => {
      gate.assert();
      const name = named('loop');
      const run = docker(
        'run',
        '-d',
        '--network',
        'none',
        '--restart',
        'always',
        '--name',
        name,
        ensureBusyboxImage(),
        'sh',
        '-c',
        'exit 3',
      );
      expect(run.status, run.stderr).toBe(0);
      let restarting: State | null = null;
      let runningAgain: { state: State; restartCount: number } | null = null;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && (restarting === null || runningAgain === null)) {
        const seen = inspect(name);
        if (seen.state.Restarting) restarting = seen.state;
        else if (seen.state.Running && seen.restartCount > 0) runningAgain = seen;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(restarting).toMatchObject({ Status: 'restarting', Running: true, ExitCode: 3 });
      expect(runningAgain?.state).toMatchObject({ Status: 'running', ExitCode: 0 });
    },
    30_000,
  );

  it.skipIf(gate.skip)("root reads another user's 0600 file, but not with cap_drop ALL", () => {
    gate.assert();
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-engine-'));
    dirs.push(dir);
    const key = join(dir, 'tls.key');
    writeFileSync(key, 'not a key\n');
    chownSync(key, 1000, 1000);
    chmodSync(key, 0o600);
    const read = (...caps: string[]) => {
      const name = named(`read${caps.length}`);
      return docker(
        'run',
        '--network',
        'none',
        '--name',
        name,
        ...caps,
        '-v',
        `${dir}:/data:ro`,
        ensureBusyboxImage(),
        'cat',
        '/data/tls.key',
      );
    };
    expect(read().status).toBe(0);
    const dropped = read('--cap-drop', 'ALL');
    expect(dropped.status).not.toBe(0);
    expect(dropped.stderr).toMatch(/permission denied/i);
  });
});
