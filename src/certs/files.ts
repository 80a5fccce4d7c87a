// Writing the certificate files: each one complete or not at all (a temporary file in the same
// directory, flushed, then moved into place), with its mode set exactly (whatever the umask),
// keys never replaced, and a `.bak` copy taken before anything else is.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readBounded } from '../probes/bounded-file.js';

/** Thrown when a file that must not be replaced already exists. */
export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`);
    this.name = 'FileExistsError';
  }
}

function writeTemp(path: string, data: string | Uint8Array, mode: number): string {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // 'wx' with the final mode from the start: the content is never readable more widely than meant.
  const fd = openSync(temp, 'wx', mode & 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw err;
  }
  closeSync(fd);
  try {
    chmodSync(temp, mode);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
  return temp;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Writes `path` atomically with exactly `mode`, replacing what is there. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const temp = writeTemp(path, data, mode);
  try {
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
}

/**
 * Writes `path` atomically with exactly `mode`, only if it does not exist yet: a hard link fails
 * when the name is taken, so even a file created meanwhile is never replaced. Throws
 * FileExistsError in that case.
 */
export function writeNewFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const temp = writeTemp(path, data, mode);
  try {
    linkSync(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      removeQuietly(temp);
      throw new FileExistsError(path);
    }
    // File systems without hard links: check, then rename (a narrow race, but still atomic content).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      if (exists(path)) {
        removeQuietly(temp);
        throw new FileExistsError(path);
      }
      renameSync(temp, path);
      return;
    }
    removeQuietly(temp);
    throw err;
  }
  removeQuietly(temp);
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

/**
 * Copies `path` to `<path>.bak` (replacing an older backup) with the original's mode, or with
 * `mode` when given. Returns the backup's path, or null when there was nothing to back up.
 */
export function backupFile(path: string, mode?: number): string | null {
  const read = readBounded(path, false, 1024 * 1024);
  if (read.state === 'missing') return null;
  if (read.state !== 'ok') throw new Error(`${path} cannot be backed up: ${read.problem}`);
  const target = `${path}.bak`;
  writeFileAtomic(target, read.bytes, mode ?? read.mode & 0o777);
  return target;
}
