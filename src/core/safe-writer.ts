// The one writer. Every file the tool changes goes through here: `doctor --fix --yes` (edits and
// mode changes), `certs init` / `certs renew`, and `--output` report files. Nothing else in the
// tool creates, renames, links, removes or chmods a file; a new feature that writes uses this.
//
// What it promises, for a set of changes under one root (a transaction):
// - Only regular files whose real path is inside the root: a symbolic link is refused, and so is
//   a path whose directory resolves (through any link) outside the root.
// - What it cannot keep it refuses, saying why: a read-only file, one with extended attributes
//   (ACLs, labels), one with other hard links, one whose owner it cannot keep.
// - An advisory lock (an O_EXCL file with the pid in the root; a lock whose process is gone is
//   stale and taken over), then compare-and-swap: each file must still hold the bytes the change
//   was planned from, checked on a hard link ("hold") to the current file right before the rename
//   and again right after it; if the operator wrote in that window, their version is put back
//   and the change is reported as a conflict. Nothing the operator wrote is lost.
// - New content goes to a temporary file beside the target (O_EXCL, written in full, fsynced,
//   mode and owner set), then renamed over it; the directory is fsynced.
// - Backups are copies written to a temporary name, fsynced, read back and compared, then linked
//   to a free name (<file>.bak, .bak.1, ...): a backup is never overwritten and never partial.
// - All temporary files and backups are made before the first rename; a failure at any step
//   rolls back every rename already made (the holds keep the old files), so a key and its
//   certificate always match. No temporary file, hold or partial backup is left behind.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { describeError, UsageError } from './errors.js';
import { octal } from './file-mode.js';

/** Replace or create a file. */
export interface WriteChange {
  kind: 'write';
  path: string;
  bytes: Uint8Array;
  /**
   * What the file must hold when the change lands: these exact bytes, `null` for "must not exist"
   * (a new file; an existing one is never replaced), or 'any' (report files: no comparison).
   */
  expected: Uint8Array | null | 'any';
  /** Mode of the new file; default the current file's, or 0644 for a new one. */
  mode?: number;
  /** Back the current file up first (a new file has nothing to back up); mode default the file's. */
  backup?: { mode?: number };
}

/** Change a file's mode (never through a link, never a file with other hard links). */
export interface ChmodChange {
  kind: 'chmod';
  path: string;
  mode: number;
  /** The mode it was planned from; a different mode now is a conflict. */
  expectedMode: number;
}

/** A file the others were made from (the key a certificate is issued for): it must still hold these bytes. */
export interface KeepChange {
  kind: 'keep';
  path: string;
  expected: Uint8Array;
}

export type Change = WriteChange | ChmodChange | KeepChange;

export interface ChangeDone {
  path: string;
  /** The verified backup written before the change. */
  backup?: string;
  /** The mode before a chmod. */
  oldMode?: number;
}

export type Outcome =
  | { status: 'done'; changes: ChangeDone[]; notes: string[] }
  /** Nothing changed: the writer will not do this (a link, outside the root, read-only, ...). */
  | { status: 'refused'; message: string }
  /** Nothing changed: a file is not what the change was planned from (or changed during it). */
  | { status: 'conflict'; message: string }
  /** A step failed; every file is as it was (or the message says exactly what is not). */
  | { status: 'failed'; message: string };

export interface CommitOptions {
  /** How a path is shown in messages (default: as given). */
  display?: (path: string) => string;
  /** Take the root's advisory lock (default true; report files skip it). */
  lock?: boolean;
}

export const LOCK_NAME = '.mcp-tunnel.lock';
const MAX_BYTES = 4 * 1024 * 1024;
const XATTR_TIMEOUT_MS = 2000;

/** A refusal, conflict or failure inside a transaction, turned into its outcome at the end. */
class Stop extends Error {
  constructor(
    readonly status: 'refused' | 'conflict' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? describeError(err);
const hiddenName = (path: string, what: string) =>
  join(dirname(path), `.${basename(path)}.mcp-tunnel-${what}-${process.pid}-${randomBytes(4).toString('hex')}`);

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never made, or already gone
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function readRegular(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_BYTES) throw new Error(`too large (${st.size} bytes)`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes all of `bytes`. Files get positional writes (pwrite): nothing else in Node uses that call,
 * so the fault-injection tests can fail exactly the writer's writes; devices and pipes cannot seek.
 */
function writeAll(fd: number, bytes: Uint8Array, positional = true): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, positional ? off : null);
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Extended attribute names of a file, or why they are unknown. Node has no xattr API, so this
 * asks getfattr (package attr), bounded by a timeout. security.selinux is left out: a replaced
 * file gets its directory's label, as with any editor's save. When getfattr is missing or fails,
 * the change goes ahead and the outcome notes that attributes were not checked.
 */
function extendedAttributes(path: string): { names: string[] } | { unknown: string } {
  const r = spawnSync('getfattr', ['--absolute-names', '-m', '-', path], {
    encoding: 'utf8',
    timeout: XATTR_TIMEOUT_MS,
    maxBuffer: 64 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) {
    const code = errCode(r.error);
    return { unknown: code === 'ENOENT' ? 'getfattr (package attr) is not installed' : `getfattr failed (${code})` };
  }
  if (r.status !== 0) return { unknown: `getfattr exited ${r.status}` };
  const names = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('# file: ') && l !== 'security.selinux');
  return { names };
}

// ---------------------------------------------------------------------------------------------
// The lock

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

/** Takes the root's lock; a lock left by a process that is gone is stale and taken over once. */
function acquireLock(root: string, shown: string): () => void {
  const path = join(root, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') {
        throw new Stop('failed', `cannot take the lock ${shown}/${LOCK_NAME} (${errCode(err)}); nothing was changed`);
      }
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // removed meanwhile: try again
      }
      if (Number.isSafeInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new Stop(
          'refused',
          `another mcp-tunnel (pid ${holder}) is changing files in ${shown} ` +
            `(lock ${LOCK_NAME}); nothing was changed, try again when it is done`,
        );
      }
      // Stale (its process is gone, or the file holds no pid): a small race with another taker
      // remains, the lock is advisory.
      removeQuietly(path);
      continue;
    }
    try {
      writeAll(fd, Buffer.from(`${process.pid}\n`));
    } catch (err) {
      removeQuietly(path);
      throw new Stop('failed', `cannot take the lock ${shown}/${LOCK_NAME} (${errCode(err)}); nothing was changed`);
    } finally {
      closeSync(fd);
    }
    return () => removeQuietly(path);
  }
  throw new Stop('refused', `the lock ${shown}/${LOCK_NAME} could not be taken; nothing was changed`);
}

// ---------------------------------------------------------------------------------------------
// A transaction

interface Target {
  change: Change;
  path: string;
  shown: string;
  /** The file as found before anything was written (null: absent). */
  stat: Stats | null;
  /** Current bytes (writes to an existing file). */
  current: Buffer | null;
  temp?: string;
  backup?: string;
  hold?: string;
  applied?: boolean;
}

function checkTarget(rootReal: string, change: Change, shown: string, notes: string[]): Target {
  const path = resolve(change.path);
  let dirReal: string;
  try {
    dirReal = realpathSync(dirname(path));
  } catch (err) {
    throw new Stop('refused', `${shown}: its directory cannot be resolved (${errCode(err)}); not changed`);
  }
  if (dirReal !== rootReal && !dirReal.startsWith(rootReal + sep)) {
    const real = join(dirReal, basename(path));
    throw new Stop(
      'refused',
      `${shown} resolves to ${real}, outside ${rootReal}: not changed ` +
        '(only files under that directory are written)',
    );
  }
  const stat = lstatOrNull(path);
  if (stat?.isSymbolicLink()) {
    throw new Stop(
      'refused',
      `${shown} is a symbolic link: not changed ` + '(links are never followed; change the file it points to by hand)',
    );
  }
  if (stat && !stat.isFile()) throw new Stop('refused', `${shown} is not a regular file: not changed`);
  const target: Target = { change, path, shown, stat, current: null };
  if (change.kind === 'keep') {
    stillHolds(target, change);
    return target;
  }
  if (stat && stat.nlink > 1) {
    throw new Stop(
      'refused',
      `${shown} has ${stat.nlink} hard links: not changed ` +
        '(a new file would split it from its other names; edit it by hand)',
    );
  }
  if (change.kind === 'chmod') {
    if (!stat) throw new Stop('conflict', `${shown} is gone; nothing was changed`);
    if ((stat.mode & 0o7777) !== change.expectedMode) {
      const modes = `${octal(change.expectedMode)} then, ${octal(stat.mode)} now`;
      throw new Stop('conflict', `the mode of ${shown} changed since it was checked (${modes}); nothing was changed`);
    }
    return target;
  }
  if (!stat) {
    if (change.expected !== null && change.expected !== 'any') {
      throw new Stop('conflict', `${shown} is gone; nothing was written`);
    }
    return target;
  }
  if (change.expected === null) {
    throw new Stop('conflict', `${shown} exists (it appeared since it was checked); it was not replaced`);
  }
  if ((stat.mode & 0o222) === 0) {
    throw new Stop(
      'refused',
      `${shown} is read-only (${octal(stat.mode)}): not changed; ` + 'make it writable or edit it by hand',
    );
  }
  const attrs = extendedAttributes(path);
  if ('unknown' in attrs) notes.push(`extended attributes of ${shown} were not checked: ${attrs.unknown}`);
  else if (attrs.names.length > 0) {
    throw new Stop(
      'refused',
      `${shown} has extended attributes (${attrs.names.join(', ')}) ` +
        'that a new file would lose: not changed; edit it by hand',
    );
  }
  if (change.expected === 'any' && !change.backup) return target;
  try {
    target.current = readRegular(path);
  } catch (err) {
    throw new Stop('refused', `${shown} cannot be read (${errCode(err)}): not changed`);
  }
  if (change.expected !== 'any' && !target.current.equals(change.expected)) {
    throw new Stop('conflict', `${shown} changed since it was checked; nothing was written (run the command again)`);
  }
  return target;
}

/** A new file beside `path` with `bytes`, fsynced, with `mode` and (when given) the owner. */
function writeTemp(path: string, what: string, bytes: Uint8Array, mode: number, owner: Stats | null): string {
  const temp = hiddenName(path, what);
  // 0600 while it is written: the content is never readable more widely than meant.
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeAll(fd, bytes);
    const foreign = owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.());
    if (owner && foreign) fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(temp);
    throw err;
  }
  closeSync(fd);
  return temp;
}

/** A verified copy of `bytes` at the first free name of <path>.bak, .bak.1, ... (never overwritten). */
function writeBackup(path: string, bytes: Buffer, mode: number, owner: Stats): string {
  const temp = writeTemp(path, 'backup', bytes, mode, owner);
  try {
    if (!readRegular(temp).equals(bytes)) throw new Error('the copy read back differs');
    for (let n = 0; n < 1000; n++) {
      const name = n === 0 ? `${path}.bak` : `${path}.bak.${n}`;
      try {
        linkSync(temp, name);
        return name;
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
      }
    }
    throw new Error('no free backup name');
  } finally {
    removeQuietly(temp);
  }
}

/** The rename of one write, checked on a hold (a hard link to the file being replaced). */
function swapIn(t: Target, change: WriteChange): void {
  const temp = t.temp as string;
  if (!t.stat) {
    // A new file: a link fails if the name was taken meanwhile, so nothing is ever replaced.
    try {
      linkSync(temp, t.path);
    } catch (err) {
      if (errCode(err) === 'EEXIST') {
        throw new Stop('conflict', `${t.shown} appeared while it was being written; it was not replaced`);
      }
      throw err;
    }
    t.applied = true;
    removeQuietly(temp);
    t.temp = undefined;
    return;
  }
  if (change.expected === 'any') {
    renameSync(temp, t.path);
    t.temp = undefined;
    t.applied = true;
    return;
  }
  const hold = hiddenName(t.path, 'hold');
  linkSync(t.path, hold);
  t.hold = hold;
  const expected = change.expected as Uint8Array;
  const held = lstatSync(hold);
  if (!readRegular(hold).equals(expected) || lstatSync(t.path).ino !== held.ino) {
    throw new Stop('conflict', `${t.shown} changed since it was checked; nothing was written (run the command again)`);
  }
  renameSync(temp, t.path);
  t.temp = undefined;
  t.applied = true;
  // An edit made in place between the comparison and the rename shows on the hold: put it back.
  // (Not ctime: the rename itself changes the old file's link count, hence its ctime.)
  if (lstatSync(hold).mtimeMs !== held.mtimeMs || !readRegular(hold).equals(expected)) {
    throw new Stop(
      'conflict',
      `${t.shown} was changed by someone else while it was being replaced; their version was kept`,
    );
  }
}

function chmodIn(t: Target, change: ChmodChange): void {
  const fd = openSync(t.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.ino !== t.stat?.ino || st.nlink > 1 || (st.mode & 0o7777) !== change.expectedMode) {
      throw new Stop('conflict', `${t.shown} changed since it was checked; its mode was not changed`);
    }
    fchmodSync(fd, change.mode);
    t.applied = true;
  } finally {
    closeSync(fd);
  }
}

function stillHolds(t: Target, change: KeepChange): void {
  let same = false;
  try {
    same = readRegular(t.path).equals(change.expected);
  } catch {
    // gone or unreadable: not the file the others were made from
  }
  if (!same) {
    throw new Stop('conflict', `${t.shown} changed since it was read; nothing was written (run the command again)`);
  }
}

/** Undo one applied change; returns what could not be undone, or null. */
function undo(t: Target): string | null {
  try {
    if (t.change.kind === 'chmod') {
      const fd = openSync(t.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        fchmodSync(fd, t.change.expectedMode);
      } finally {
        closeSync(fd);
      }
    } else if (t.hold) {
      renameSync(t.hold, t.path); // the old file (or the operator's edit) back under its name
      t.hold = undefined;
    } else if (!t.stat && t.change.expected !== 'any') {
      unlinkSync(t.path);
    } else {
      return `${t.shown} is new and its old content is in no hold`;
    }
    t.applied = false;
    return null;
  } catch (err) {
    return `${t.shown} could not be put back (${errCode(err)})${t.hold ? `; the old file is kept as ${t.hold}` : ''}`;
  }
}

/**
 * Applies `changes` under `root` as one transaction: all of them, or none (see the top of the
 * file). Never throws for a file-system problem: the outcome says what happened.
 */
export function commitChanges(root: string, changes: readonly Change[], opts: CommitOptions = {}): Outcome {
  const display = opts.display ?? ((p: string) => p);
  let rootReal: string;
  try {
    rootReal = realpathSync(root);
  } catch (err) {
    return { status: 'refused', message: `${display(root)} cannot be resolved (${errCode(err)}); nothing was changed` };
  }
  const notes: string[] = [];
  const targets: Target[] = [];
  let release: (() => void) | null = null;
  let step = 'checking';
  try {
    if (opts.lock !== false) release = acquireLock(rootReal, display(root));
    for (const c of changes) targets.push(checkTarget(rootReal, c, display(c.path), notes));

    step = 'writing the new content';
    for (const t of targets) {
      if (t.change.kind !== 'write') continue;
      const mode = t.change.mode ?? (t.stat ? t.stat.mode & 0o7777 : 0o644);
      try {
        t.temp = writeTemp(t.path, 'new', t.change.bytes, mode, t.stat);
      } catch (err) {
        if (t.stat && errCode(err) === 'EPERM') {
          throw new Stop(
            'refused',
            `${t.shown} belongs to uid ${t.stat.uid}, gid ${t.stat.gid}: not changed ` +
              '(a new file could not keep that owner; edit it by hand)',
          );
        }
        throw new Stop('failed', `${t.shown}: the new content could not be written (${errCode(err)})`);
      }
    }
    step = 'writing the backups';
    for (const t of targets) {
      if (t.change.kind !== 'write' || !t.change.backup || !t.stat || !t.current) continue;
      try {
        t.backup = writeBackup(t.path, t.current, t.change.backup.mode ?? t.stat.mode & 0o7777, t.stat);
      } catch (err) {
        throw new Stop('failed', `no backup of ${t.shown} could be written (${errCode(err)})`);
      }
    }
    for (const dir of new Set(targets.filter((t) => t.backup).map((t) => dirname(t.path)))) {
      try {
        fsyncDirectory(dir);
      } catch (err) {
        throw new Stop('failed', `the backups in ${display(dir)} could not be synced (${errCode(err)})`);
      }
    }

    step = 'replacing the files';
    for (const t of targets) if (t.change.kind === 'keep') stillHolds(t, t.change);
    for (const t of targets) {
      if (t.change.kind === 'keep') continue;
      try {
        if (t.change.kind === 'chmod') chmodIn(t, t.change);
        else swapIn(t, t.change);
      } catch (err) {
        if (err instanceof Stop) throw err;
        const what =
          t.change.kind === 'chmod'
            ? `the mode of ${t.shown} could not be changed`
            : `${t.shown} could not be replaced`;
        throw new Stop('failed', `${what} (${errCode(err)})`);
      }
    }
    step = 'syncing the directories';
    for (const dir of new Set(targets.map((t) => dirname(t.path)))) {
      try {
        fsyncDirectory(dir);
      } catch (err) {
        throw new Stop('failed', `the directory ${display(dir)} could not be synced (${errCode(err)})`);
      }
    }
    for (const t of targets) if (t.hold) removeQuietly(t.hold);
    return {
      status: 'done',
      notes,
      changes: targets.map((t) => ({
        path: t.change.path,
        ...(t.backup ? { backup: t.backup } : {}),
        ...(t.change.kind === 'chmod' ? { oldMode: t.change.expectedMode } : {}),
      })),
    };
  } catch (err) {
    const stop = err instanceof Stop ? err : new Stop('failed', `${step} failed (${describeError(err)})`);
    return { status: stop.status, message: rollBack(targets, stop.status, stop.message, display) };
  } finally {
    for (const t of targets) if (t.temp) removeQuietly(t.temp);
    release?.();
  }
}

/** Undo what was applied (last first), remove backups and holds; the message says the end state. */
function rollBack(targets: Target[], status: Stop['status'], message: string, display: (p: string) => string): string {
  const applied = targets.filter((t) => t.applied);
  const stuck: string[] = [];
  for (const t of [...applied].reverse()) {
    const problem = undo(t);
    if (problem) stuck.push(problem);
  }
  for (const t of targets) {
    if (t.hold && !t.applied) removeQuietly(t.hold);
    if (t.backup && stuck.length === 0) removeQuietly(t.backup);
  }
  for (const dir of new Set(applied.map((t) => dirname(t.path)))) {
    try {
      fsyncDirectory(dir);
    } catch {
      // the renames back are made; only their durability is unconfirmed
    }
  }
  if (stuck.length > 0) return `${message}; rolling back failed: ${stuck.join('; ')}`;
  const undone = applied.map((t) => display(t.change.path)).join(', ');
  if (applied.length > 0) return `${message}; rolled back: ${undone} as before, nothing changed`;
  return status === 'failed' ? `${message}; nothing was changed` : message;
}

// ---------------------------------------------------------------------------------------------
// Report files (--output)

/** Names that stand for an open descriptor of this process: written directly, never replaced. */
const DESCRIPTOR_NAME = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

/**
 * Writes a report file: a device or pipe (/dev/stderr, a FIFO) directly; a regular file through
 * the transaction above, within its own directory (no lock: no backup, no comparison). A symbolic
 * link to a regular file is refused. Throws UsageError with the reason. `mode`: that of a regular
 * file written (default: the current file's, or 0644 for a new one).
 */
export function writeReportFile(path: string, text: string, mode?: number): void {
  let followed: Stats | null = null;
  try {
    followed = lstatOrNull(path) ? lstatSync(realpathSync(path)) : null;
  } catch {
    followed = null;
  }
  if (DESCRIPTOR_NAME.test(resolve(path)) || (followed && !followed.isFile())) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    } catch (err) {
      throw new UsageError(`could not write ${path}: ${errCode(err)}`);
    }
    try {
      writeAll(fd, Buffer.from(text, 'utf8'), false);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  const change: WriteChange = { kind: 'write', path, bytes, expected: 'any', ...(mode === undefined ? {} : { mode }) };
  const outcome = commitChanges(dirname(resolve(path)), [change], { lock: false });
  if (outcome.status !== 'done') throw new UsageError(`could not write ${path}: ${outcome.message}`);
}
