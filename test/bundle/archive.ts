// The bundle as the support engineer sees it: extracted with the system's tar, every file read.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every regular file under `dir`, by its path relative to it. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Extracts `archive` into `into` with `tar -xzf`; the files by their names in the archive. */
export function extract(archive: string, into: string): Map<string, Buffer> {
  mkdirSync(into, { recursive: true });
  const r = spawnSync('tar', ['-xzf', archive, '-C', into], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf failed: ${r.stderr}`);
  return filesUnder(into);
}
