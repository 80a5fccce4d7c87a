// Runs the built CLI as a user would: a real child process, a clean environment, no colour.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'mcp-tunnel.cjs');
export const FIXTURES = join(ROOT, 'fixtures', 'deployments');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a run: PATH and HOME only, plus what the test adds. Never the caller's tokens.
 * The loopback-only guard is on, so even a run that goes live cannot send a packet off the machine.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', MCP_TUNNEL_LOOPBACK_ONLY: '1', ...extra };
}

let installed: string | undefined;

/**
 * The built CLI as a package install holds it (bin/, dist/bundle/, package.json and the runtime
 * dependencies), copied to a directory every user can read. A run as another user needs it: the
 * checkout may live where only its owner can enter (a clone under a 0700 temp or home directory).
 */
export function readableInstall(): string {
  if (installed) return installed;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-install-'));
  for (const part of ['bin', join('dist', 'bundle'), 'package.json']) {
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: object };
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const from = join(ROOT, 'node_modules', dep);
    if (existsSync(from)) cpSync(from, join(dir, 'node_modules', dep), { recursive: true });
  }
  chmodSync(dir, 0o755);
  installed = dir;
  return dir;
}

export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string; uid?: number; gid?: number } = {}): Run {
  // Another user runs the copy every user can read, from a directory it can enter.
  const asOther = opts.uid !== undefined && opts.uid !== process.getuid?.();
  const bin = asOther ? join(readableInstall(), 'bin', 'mcp-tunnel.cjs') : BIN;
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd ?? (asOther ? readableInstall() : ROOT),
    env: opts.env ?? cleanEnv(),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60000,
  };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const r = spawnSync(process.execPath, [bin, ...args], spawnOpts);
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
