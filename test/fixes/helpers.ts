// Helpers for the repair tests: a private copy of an example deployment, facts gathered from it
// and the checks run over them, as `doctor --offline` does.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import type { Facts } from '../../src/core/facts.js';
import { runChecks } from '../../src/core/runner.js';
import type { CheckResult } from '../../src/core/types.js';
import { gatherStaticFacts, type DeploymentInputs } from '../../src/probes/deployment.js';
import { FIXTURES } from '../helpers/exec.js';

const made: string[] = [];
afterEach(() => {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A copy of fixtures/deployments/<name> in a fresh temporary directory (removed after the test). */
export function copyDeployment(name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-fix-'));
  made.push(root);
  const dir = join(root, name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A scratch directory removed after the test. */
export function scratchDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-fix-'));
  made.push(root);
  return root;
}

export function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file}: "${from}" not found`);
  writeFileSync(file, text.replace(from, to));
}

export function gather(dir: string, extra: Partial<DeploymentInputs> = {}): Facts {
  return gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date(), ...extra });
}

export function check(facts: Facts): CheckResult[] {
  return runChecks(CHECKS, facts, { only: [], skip: [] });
}

export function statusOf(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, r.status]));
}

/** An output sink for runFix. */
export function sink() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
