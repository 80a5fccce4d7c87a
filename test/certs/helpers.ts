// Shared pieces of the certs tests: temporary directories, a captured io, openssl.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { labGate, programMissing } from '../lab/programs.js';

export const DOMAIN = 'abcd1234.tunnel.example.com';
export const HEALTHY = fileURLToPath(new URL('../../fixtures/deployments/compose-healthy', import.meta.url));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'certs'): string {
  const d = mkdtempSync(join(tmpdir(), `mcp-tunnel-${prefix}-`));
  dirs.push(d);
  return d;
}

/** A copy of the healthy Compose example without its certificates and key (data/ keeps the rest). */
export function deploymentWithoutCerts(): string {
  const dir = join(tempDir('deploy'), 'deployment');
  cpSync(HEALTHY, dir, { recursive: true });
  for (const f of ['ca.crt', 'tls.crt', 'tls.key']) rmSync(join(dir, 'data', f));
  return dir;
}

export interface Captured {
  stdout(t: string): void;
  stderr(t: string): void;
  out: string;
  err: string;
}

export function captureIO(): Captured {
  const io = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}

export const opensslGate = labGate('openssl checks of generated certificates', programMissing('openssl', ['version']));

export function openssl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
