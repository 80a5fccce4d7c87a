// Runs the built CLI as a user would: a real child process, a clean environment, no colour.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
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

export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string; uid?: number; gid?: number } = {}): Run {
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? cleanEnv(),
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60000,
  };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const r = spawnSync(process.execPath, [BIN, ...args], spawnOpts);
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
