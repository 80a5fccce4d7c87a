// Which real programs the lab can use here, and what a test does when one is missing: outside CI
// it is skipped with a printed reason; with CI set it runs and fails, naming what to install.

import { spawnSync } from 'node:child_process';

const cache = new Map<string, string | null>();

/** Null when `program` runs (`program --version` or the given probe args), else why not. */
export function programMissing(program: string, probeArgs: string[] = ['--version']): string | null {
  const key = `${program} ${probeArgs.join(' ')}`;
  if (!cache.has(key)) {
    const r = spawnSync(program, probeArgs, { stdio: 'ignore', timeout: 5000 });
    cache.set(
      key,
      r.error
        ? `${program} is not installed (${(r.error as NodeJS.ErrnoException).code})`
        : r.status === 0
          ? null
          : `${program} ${probeArgs.join(' ')} exited ${r.status}`,
    );
  }
  return cache.get(key)!;
}

/** Null when this process may create network namespaces with iptables rules in them. */
export function netnsMissing(): string | null {
  const key = 'netns';
  if (!cache.has(key)) {
    if (process.getuid?.() !== 0) cache.set(key, 'not root: network namespaces and iptables need root');
    else {
      const r = spawnSync(
        'unshare',
        ['--net', 'sh', '-c', 'ip link set lo up && iptables -A INPUT -p udp --dport 9 -j DROP'],
        { stdio: 'pipe', timeout: 5000 },
      );
      cache.set(
        key,
        r.error
          ? `unshare is not available (${(r.error as NodeJS.ErrnoException).code})`
          : r.status === 0
            ? null
            : `unshare --net with iptables failed: ${String(r.stderr).trim().slice(0, 200)}`,
      );
    }
  }
  return cache.get(key)!;
}

export interface LabGate {
  /** Pass to it.skipIf: true only outside CI when something is missing. */
  skip: boolean;
  /** Call first in the test body: in CI a missing requirement fails the test here. */
  assert(): void;
  reasons: string[];
}

/** Gate tests on the lab's requirements (results of programMissing / netnsMissing). */
export function labGate(what: string, ...missing: (string | null)[]): LabGate {
  const reasons = missing.filter((m): m is string => m !== null);
  const inCi = !!process.env.CI;
  if (reasons.length > 0 && !inCi) console.warn(`[lab] skipping ${what}: ${reasons.join('; ')}`);
  return {
    skip: reasons.length > 0 && !inCi,
    reasons,
    assert() {
      if (reasons.length > 0)
        throw new Error(
          `${what} needs: ${reasons.join('; ')} (CI is set, so a missing lab program fails instead of skipping; install caddy, dnsmasq-base, iptables, iproute2, openssl)`,
        );
    },
  };
}
