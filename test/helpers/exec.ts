// Runs the built CLI as a user would: a real child process, a clean environment, no colour. The
// one place tests start bin/mcp-tunnel.cjs (directly, under strace, or in a shell command line);
// the matrix tests run it in-process instead (in-process.ts), with the same Run result.

import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
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
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    MCP_TUNNEL_LOOPBACK_ONLY: '1',
    ...extra,
  };
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
  // The bundle, and the modules the build transpiled (for a test that imports one as another user).
  for (const part of ['bin', 'dist', 'package.json']) {
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

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** What stdin carries (default: an empty pipe). */
  input?: string | Buffer;
  /** Stdin is /dev/null instead of a pipe (cron, systemd, `docker run -t` without -i). */
  stdinNull?: boolean;
  uid?: number;
  gid?: number;
  /** A program that runs the CLI, with its options: e.g. ['strace', '-f', '-e', 'trace=connect']. */
  under?: string[];
  timeout?: number;
}

/** The command and arguments of a run: node and the bin (the readable copy for another user), under a wrapper if asked. */
function command(args: string[], opts: CliOptions): { file: string; argv: string[]; cwd: string } {
  // Another user runs the copy every user can read, from a directory it can enter.
  const asOther = opts.uid !== undefined && opts.uid !== process.getuid?.();
  const bin = asOther ? join(readableInstall(), 'bin', 'mcp-tunnel.cjs') : BIN;
  const node = [process.execPath, bin, ...args];
  const [file, ...argv] = [...(opts.under ?? []), ...node];
  return { file: file ?? process.execPath, argv, cwd: opts.cwd ?? (asOther ? readableInstall() : ROOT) };
}

/** Runs the built CLI to its end. */
export function runCli(args: string[], opts: CliOptions = {}): Run {
  const { file, argv, cwd } = command(args, opts);
  const spawnOpts: SpawnSyncOptions = {
    cwd,
    env: opts.env ?? cleanEnv(),
    stdio: [opts.stdinNull ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: opts.timeout ?? 60000,
    killSignal: 'SIGKILL',
  };
  if (!opts.stdinNull) spawnOpts.input = opts.input ?? '';
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const r = spawnSync(file, argv, spawnOpts);
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** The same, in the background: for a concurrent run, or while the test serves a lab in this process. */
export function startCli(args: string[], opts: Omit<CliOptions, 'uid' | 'gid'> = {}): Promise<Run> {
  const { file, argv, cwd } = command(args, opts);
  const spawnOpts: SpawnOptions = {
    cwd,
    env: opts.env ?? cleanEnv(),
    timeout: opts.timeout ?? 60000,
    killSignal: 'SIGKILL',
  };
  const child = spawn(file, argv, { ...spawnOpts, stdio: [opts.stdinNull ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI as a shell command line (node and the bin, quoted), for runShell. */
export const CLI_COMMAND = `"${process.execPath}" "${BIN}"`;

/**
 * Runs a bash script that starts the CLI (as CLI_COMMAND) where only a shell can put it: in a
 * pipeline, in a pseudo-terminal (`script`), in a private mount namespace (under unshare). A
 * timeout kills it (code null).
 */
export function runShell(script: string, opts: Pick<CliOptions, 'env' | 'cwd' | 'timeout' | 'under'> = {}): Run {
  const [file, ...argv] = [...(opts.under ?? []), 'bash', '-c', script];
  const r = spawnSync(file ?? 'bash', argv, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: opts.timeout ?? 60000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
