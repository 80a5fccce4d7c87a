// Applies repair plans to the files (I/O, like a probe). An edit is made only when the file
// still holds exactly the text the plan was made from; a backup (<file>.bak, or .bak.N when
// that exists) is written first with the file's own mode, then the new text goes to a
// temporary file beside it and is renamed over the original, keeping its mode (and owner when
// allowed). A mode change is applied only when the mode is still the one planned from, and the
// old mode is reported. Nothing else is written: no logs, no copies of secrets elsewhere.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchownSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeError } from '../core/errors.js';
import { readBounded } from '../probes/bounded-file.js';
import type { ChmodPlan, EditPlan, FixPlan } from './types.js';

export interface ApplyResult {
  plan: FixPlan;
  status: 'applied' | 'refused' | 'failed';
  /** Why it was refused or failed; what was done when applied. */
  message: string;
  /** The backup written before an edit. */
  backup?: string;
  /** The mode before a chmod. */
  oldMode?: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MAX_BYTES = 4 * 1024 * 1024;

export const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** Write `bytes` to a new file (never over an existing one) with exactly `mode`. */
function writeNew(path: string, bytes: Buffer, mode: number, owner: { uid: number; gid: number }): void {
  const fd = openSync(path, 'wx', mode);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    try {
      fchownSync(fd, owner.uid, owner.gid);
    } catch {
      // Only root may give a file away; the file is then ours, with the same mode.
    }
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode); // the umask may have narrowed it
}

/** <file>.bak, else <file>.bak.1, .bak.2, ...: created exclusively, never overwriting anything. */
function writeBackup(path: string, bytes: Buffer, mode: number, owner: { uid: number; gid: number }): string {
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? `${path}.bak` : `${path}.bak.${n}`;
    try {
      writeNew(candidate, bytes, mode, owner);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free backup name beside ${path}`);
}

function applyEdit(plan: EditPlan): ApplyResult {
  let real: string;
  try {
    real = realpathSync(plan.path);
  } catch {
    return { plan, status: 'refused', message: `${plan.path} is gone` };
  }
  const read = readBounded(real, false, MAX_BYTES);
  if (read.state !== 'ok') return { plan, status: 'refused', message: `${plan.path} ${read.state === 'missing' ? 'is gone' : read.problem}` };
  const bom = read.bytes.subarray(0, 3).equals(BOM);
  const current = read.bytes.subarray(bom ? 3 : 0).toString('utf8');
  if (current !== plan.before) {
    return { plan, status: 'refused', message: `${plan.path} changed since it was checked; nothing was written (run the doctor again)` };
  }
  const owner = { uid: read.uid, gid: read.gid };
  let backup: string;
  try {
    backup = writeBackup(real, read.bytes, read.mode, owner);
  } catch (err) {
    return { plan, status: 'failed', message: `no backup of ${plan.path} could be written (${describeError(err)}); the file was not touched` };
  }
  const tmp = join(dirname(real), `.${basename(real)}.mcp-tunnel-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeNew(tmp, Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(plan.after, 'utf8')]), read.mode, owner);
    renameSync(tmp, real);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    return { plan, status: 'failed', message: `${plan.path} could not be written (${describeError(err)}); it is unchanged`, backup };
  }
  return { plan, status: 'applied', message: `edited ${plan.path}`, backup };
}

function applyChmod(plan: ChmodPlan): ApplyResult {
  let mode: number;
  try {
    const st = statSync(plan.path);
    if (!st.isFile()) return { plan, status: 'refused', message: `${plan.path} is not a regular file` };
    mode = st.mode & 0o7777;
  } catch {
    return { plan, status: 'refused', message: `${plan.path} is gone` };
  }
  if (mode !== plan.beforeMode) {
    return { plan, status: 'refused', message: `the mode of ${plan.path} changed since it was checked (${octal(plan.beforeMode)} then, ${octal(mode)} now); nothing was changed` };
  }
  try {
    chmodSync(plan.path, plan.mode);
  } catch (err) {
    return { plan, status: 'failed', message: `chmod of ${plan.path} failed (${describeError(err)})`, oldMode: mode };
  }
  return { plan, status: 'applied', message: `mode of ${plan.path} changed from ${octal(mode)} to ${octal(plan.mode)}`, oldMode: mode };
}

/** Apply plans in order; each is judged on its own (a refusal does not stop the others). */
export function applyPlans(plans: readonly FixPlan[]): ApplyResult[] {
  return plans.map((p) => (p.kind === 'edit' ? applyEdit(p) : applyChmod(p)));
}
