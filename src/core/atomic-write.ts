// The one way the CLI writes a report file: to a temporary file beside the target, synced, then
// renamed over it, so a reader (a CI step, an uploader) sees the old file or the whole new one.

import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from './errors.js';

/**
 * Replaces `path` with `text` in one step: readers see the old file or the new one, never half
 * of it. A device or pipe (e.g. /dev/stderr) is written directly.
 */
export function writeFileAtomic(path: string, text: string): void {
  let existing;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isFile()) {
    const fd = openSync(path, 'w');
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', existing ? existing.mode & 0o777 : 0o644);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* it was never made, or already renamed */
    }
    throw new UsageError(`could not write ${path}: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim());
  }
}
