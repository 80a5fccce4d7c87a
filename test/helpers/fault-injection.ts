// Real faults for the one writer: the built CLI run under strace with a system call made to fail
// (or to wait), and the state of a directory before and after. Outside CI a missing strace (or
// root, for mounts) skips with a printed reason; with CI set it fails (see test/lab/programs.ts).

import { createPublicKey, X509Certificate } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labGate, programMissing } from '../lab/programs.js';
import { ROOT, runCli, startCli, type Run } from './exec.js';

export const rootMissing = (): string | null =>
  process.getuid?.() === 0 ? null : 'not root: mounting a tmpfs needs root';

export const straceGate = labGate('fault injection with strace', programMissing('strace', ['-V']));

/** Runs the built CLI under `strace -f` with the given filter (e.g. -e inject=rename:error=EIO:when=2). */
export function runUnderStrace(strace: string[], args: string[]): Run {
  return runCli(args, { under: ['strace', '-f', '-qq', '-o', '/dev/null', ...strace] });
}

/** The same, started in the background (for a concurrent writer). */
export function startUnderStrace(strace: string[], args: string[]): Promise<Run> {
  return startCli(args, { under: ['strace', '-f', '-qq', '-o', '/dev/null', ...strace] });
}

interface TracedCall {
  call: string;
  /** 1-based among this call's invocations by the main thread, as strace's `when=` counts them. */
  index: number;
}

/**
 * The writer's calls in a traced dry run of the CLI's main thread: pwrite64 (the writer writes
 * files with positional writes, which nothing else in Node uses), rename, link and fsync.
 */
export function tracedCalls(args: string[]): TracedCall[] {
  const out = join(ROOT, `.strace-${process.pid}-${Date.now()}.txt`);
  try {
    runCli(args, { under: ['strace', '-f', '-qq', '-o', out, '-e', 'trace=pwrite64,rename,link,fsync'] });
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const main = lines[0]?.split(/\s+/)[0];
    if (main === undefined) throw new Error('strace traced nothing');
    const counts = new Map<string, number>();
    const calls: TracedCall[] = [];
    for (const line of lines) {
      const [, pid, call] = /^(\d+)\s+(pwrite64|rename|link|fsync)\(/.exec(line) ?? [];
      if (pid !== main || call === undefined) continue;
      const index = (counts.get(call) ?? 0) + 1;
      counts.set(call, index);
      calls.push({ call, index });
    }
    return calls;
  } finally {
    rmSync(out, { force: true });
  }
}

/** One fault per call the writer makes, as strace options (writes fail with ENOSPC, the rest EIO). */
export function faultsFor(calls: TracedCall[]): { name: string; strace: string[] }[] {
  return calls.map((c) => {
    const error = c.call === 'pwrite64' ? 'ENOSPC' : 'EIO';
    return {
      name: `${c.call} #${c.index} ${error}`,
      strace: ['-e', `trace=${c.call}`, '-e', `inject=${c.call}:error=${error}:when=${c.index}`],
    };
  });
}

/** Every file under `dir` (links as "-> target"), by relative path; content as text. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const st = lstatSync(join(dir, f));
    if (st.isFile()) out[f] = `${(st.mode & 0o7777).toString(8)} ${readFileSync(join(dir, f), 'utf8')}`;
  }
  return out;
}

/** Names the writer uses while it works: none may remain after a run, whatever happened. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.mcp-tunnel[-.]/.test(f));
}

/** Whether a PEM private key is the key of a PEM certificate. */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return Buffer.compare(fromKey, fromCert) === 0;
}
