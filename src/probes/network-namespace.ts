// Runs one task of src/probes/namespace-tasks.ts inside a container's network namespace:
// `nsenter --target <pid> --net` starts this same tool (`__in-namespace <task>`) there, so the
// probe sees what the container sees (its loopback, its resolver) without publishing a port.
// Only the network namespace is entered: the files, the user and the environment stay this
// process's (MCP_TUNNEL_LOOPBACK_ONLY reaches the child). One JSON request on stdin, one JSON
// answer on stdout, both bounded; the child is killed at the deadline.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDeadline, whenAborted } from './deadline.js';

export type NamespaceFailure = 'not-permitted' | 'no-nsenter' | 'no-process' | 'timeout' | 'bad-answer' | 'error';

export type NamespaceOutcome = { ok: true; value: unknown } | { ok: false; failure: NamespaceFailure; detail: string };

export interface NamespaceOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const ANSWER_MAX_BYTES = 4 * 1024 * 1024;
const STDERR_KEPT_BYTES = 4096;
const NEEDS_ROOT =
  "entering the proxy's network namespace needs root: run the doctor with sudo, or inside the namespace (network_mode: service:mcp-proxy)";

let binPath: string | null | undefined;

/** bin/mcp-tunnel.cjs of this package: found by walking up from this module (src/probes, dist/src/probes or dist/bundle). */
function toolBin(): string | null {
  if (binPath !== undefined) return binPath;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const bin = join(dir, 'bin', 'mcp-tunnel.cjs');
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'mcp-tunnel' && existsSync(bin)) return (binPath = bin);
    } catch {
      // not the package root: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (binPath = null);
}

/** The nsenter failure named by its message (it says why in its own words on stderr). */
function nsenterFailure(stderr: string): NamespaceFailure | null {
  if (/Operation not permitted|Permission denied/i.test(stderr)) return 'not-permitted';
  if (/No such process|No such file/i.test(stderr) && /nsenter/.test(stderr)) return 'no-process';
  return null;
}

/**
 * Run `task` with `payload` in the network namespace of process `pid` (a container's State.Pid),
 * and return its JSON answer; every way it can fail is a typed failure, within the deadline.
 */
export function runInNetworkNamespace(
  pid: number,
  task: string,
  payload: unknown,
  opts: NamespaceOptions,
): Promise<NamespaceOutcome> {
  if (process.getuid?.() !== 0) return Promise.resolve({ ok: false, failure: 'not-permitted', detail: NEEDS_ROOT });
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}/ns/net`))
    return Promise.resolve({
      ok: false,
      failure: 'no-process',
      detail: `process ${pid} does not exist (the container stopped or restarted)`,
    });
  const bin = toolBin();
  if (bin === null) return Promise.resolve({ ok: false, failure: 'error', detail: 'bin/mcp-tunnel.cjs was not found' });

  const d = startDeadline(opts.timeoutMs, opts.signal);
  // The child needs time to start node: it gets what is left after a margin, so it answers before the kill.
  const childTimeoutMs = Math.max(50, opts.timeoutMs - Math.min(500, opts.timeoutMs / 4));
  return new Promise((resolve) => {
    let settled = false;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    const child = spawn(
      'nsenter',
      ['--target', String(pid), '--net', '--', process.execPath, bin, '__in-namespace', task],
      { stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
    );
    const finish = (outcome: NamespaceOutcome) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      d.dispose();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(outcome);
    };
    const unsubscribe = whenAborted(d.signal, () =>
      finish({
        ok: false,
        failure: 'timeout',
        detail: `the task ${task} in the namespace of process ${pid} did not answer within ${opts.timeoutMs} ms`,
      }),
    );
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        err.code === 'ENOENT'
          ? { ok: false, failure: 'no-nsenter', detail: 'nsenter is not installed (Debian package util-linux)' }
          : { ok: false, failure: 'error', detail: `nsenter could not be started: ${err.message}` },
      ),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > ANSWER_MAX_BYTES)
        finish({ ok: false, failure: 'bad-answer', detail: `the answer is larger than ${ANSWER_MAX_BYTES} bytes` });
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEPT_BYTES);
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading its request
    child.stdin.end(JSON.stringify({ payload, timeoutMs: childTimeoutMs }));
    child.on('close', (code) => {
      const why = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
      const failure = nsenterFailure(stderr);
      if (failure !== null && stdoutBytes === 0) {
        finish({ ok: false, failure, detail: failure === 'not-permitted' ? `${NEEDS_ROOT} (${why})` : why });
        return;
      }
      let answer: unknown;
      try {
        answer = JSON.parse(Buffer.concat(stdout).toString('utf8'));
      } catch {
        finish({
          ok: false,
          failure: 'bad-answer',
          detail: `the task ${task} exited ${code ?? 'by a signal'} without a JSON answer${why ? `: ${why}` : ''}`,
        });
        return;
      }
      const a = answer as { ok?: unknown; value?: unknown; detail?: unknown };
      if (a.ok === true) finish({ ok: true, value: a.value });
      else if (a.ok === false) finish({ ok: false, failure: 'error', detail: String(a.detail) });
      else finish({ ok: false, failure: 'bad-answer', detail: `the task ${task} answered without "ok"` });
    });
  });
}
