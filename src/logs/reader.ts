// Feeds inputs to a LineScanner: regular files are read in large blocks straight into the
// scanner's buffer; pipes, FIFOs and stdin are streamed. Gzip is recognised by its magic bytes
// (1f 8b), whatever the name, and inflated as a stream. --follow keeps reading a growing file
// (polling its size, reopening it when it is rotated or truncated) until the signal aborts.

import { closeSync, constants, openSync, readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { READ_BYTES, type LineScanner } from './scanner.js';

const GZIP_CHUNK = 1024 * 1024;
const BINARY_PROBE_BYTES = 8192;

/**
 * A gzip log is inflated only so far: logs compress 5-20 times (very repetitive ones up to ~100);
 * a "gzip bomb" (4 MB of zeros or newlines inflate to 4 GiB) would keep the matcher busy for
 * minutes. Past GZIP_FREE_BYTES inflated, more than GZIP_MAX_RATIO times the compressed bytes
 * read, or past GZIP_MAX_BYTES in all, reading stops and the source says so.
 */
export const GZIP_LIMITS = { freeBytes: 64 * 1024 * 1024, maxRatio: 200, maxBytes: 2 * 1024 * 1024 * 1024 };

/** How long `logs` (without --follow) waits for a writer to open a FIFO it was given. */
export const FIFO_WRITER_WAIT_MS = 10_000;

export type Input =
  | { kind: 'file'; name: string; path: string; handle: FileHandle }
  | { kind: 'stream'; name: string; stream: NodeJS.ReadableStream; handle?: FileHandle };

export interface ReadOutcome {
  gzip: boolean;
  binary: boolean;
  /** Where the next follow read starts (files only). */
  position: number;
  problem?: string;
  /** True when a limit stopped the read before the end (the input was not read whole). */
  cut?: boolean;
}

export interface FifoWait {
  /** Milliseconds to wait for a writer (Infinity with --follow: like tail -f, until interrupted). */
  waitMs: number;
  /** Told once when the open waits, so a silent wait is never mistaken for a hang. */
  onWait(text: string): void;
}

/**
 * Open a named file (or FIFO); a usage problem is returned as a sentence, never thrown. A FIFO
 * blocks open() until a writer opens it: it is first looked at without blocking (O_NONBLOCK, as
 * the doctor's reader does), then waited for, saying so, and given up after `fifo.waitMs`.
 */
export async function openInput(
  path: string,
  fifo: FifoWait = { waitMs: FIFO_WRITER_WAIT_MS, onWait: () => undefined },
): Promise<Input | { problem: string }> {
  let handle: FileHandle;
  try {
    const peek = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const isFifo = (await peek.stat().finally(() => peek.close())).isFIFO();
    if (isFifo) {
      const opened = await openFifo(path, fifo);
      if ('problem' in opened) return opened;
      handle = opened.handle;
    } else {
      handle = await open(path, 'r');
    }
  } catch (err) {
    return { problem: `cannot read ${path}: ${fsProblem(err)}` };
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) {
      await handle.close();
      return { problem: `cannot read ${path}: it is a directory, not a log file` };
    }
    if (st.isFile()) return { kind: 'file', name: path, path, handle };
    return { kind: 'stream', name: path, stream: handle.createReadStream({ highWaterMark: GZIP_CHUNK }), handle };
  } catch (err) {
    await handle.close().catch(() => undefined);
    return { problem: `cannot read ${path}: ${fsProblem(err)}` };
  }
}

/** Wait for a writer on a FIFO, at most `fifo.waitMs`; a blocked open() is released by opening its write end. */
async function openFifo(path: string, fifo: FifoWait): Promise<{ handle: FileHandle } | { problem: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (Number.isFinite(fifo.waitMs)) timer = setTimeout(() => resolve('timeout'), fifo.waitMs);
  });
  const opening = open(path, 'r');
  // Say so only when the open does wait (a FIFO with a writer already, /dev/stdin, opens at once).
  const seconds = Math.round(fifo.waitMs / 1000);
  const limit = Number.isFinite(fifo.waitMs) ? ` (at most ${seconds} s)` : '';
  const note = setTimeout(() => fifo.onWait(`${path} is a FIFO: waiting for a writer${limit}`), 200);
  const first = await Promise.race([opening, timedOut]);
  clearTimeout(timer);
  clearTimeout(note);
  if (first !== 'timeout') return { handle: first };
  // Nobody came: our own write end lets the pending open() return, and is closed at once.
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // the open has just returned by itself (a writer came and went)
  }
  await opening.then((h) => h.close()).catch(() => undefined);
  return { problem: `cannot read ${path}: it is a FIFO and no writer opened it within ${seconds} s` };
}

function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a log file';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ? `cannot open (${code})` : String((err as Error)?.message ?? err);
  }
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function looksBinary(b: Uint8Array): boolean {
  return b.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

/** Read a regular file from `from` to its current end. */
export async function readFile(
  handle: FileHandle,
  scanner: LineScanner,
  signal?: AbortSignal,
  from = 0,
): Promise<ReadOutcome> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await handle.read(head, 0, 2, from);
  if (from === 0 && isGzip(head.subarray(0, bytesRead))) {
    const stream = handle.createReadStream({ start: 0, highWaterMark: GZIP_CHUNK, autoClose: false });
    const out = await readGzip(stream, scanner, signal);
    return { ...out, position: 0 };
  }
  let position = from;
  let binary = false;
  // Synchronous reads of a regular file: no promise per block and no idle-time heap growth, so
  // memory stays the same for 100 MB and 1 GB. Yield to the event loop now and then for aborts.
  for (let block = 1; ; block++) {
    if (signal?.aborted) break;
    if (block % 16 === 0) await new Promise<void>((r) => setImmediate(r));
    const t = scanner.fillTarget();
    const n = readSync(handle.fd, t.buffer, t.offset, Math.min(t.length, READ_BYTES), position);
    if (n === 0) break;
    if (position === 0 && looksBinary(t.buffer.subarray(t.offset, t.offset + n))) binary = true;
    position += n;
    scanner.commit(n);
  }
  return { gzip: false, binary, position };
}

async function readGzip(
  compressed: NodeJS.ReadableStream,
  scanner: LineScanner,
  signal?: AbortSignal,
  follow = false,
): Promise<Omit<ReadOutcome, 'position'>> {
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  let problem: string | undefined;
  pipeline(compressed as NodeJS.ReadableStream & Readable, gunzip, (err) => {
    if (err && !problem) problem = gzipProblem(err);
  });
  let binary = false;
  let first = true;
  let inflated = 0;
  let cut = false;
  try {
    for await (const chunk of gunzip) {
      if (signal?.aborted) break;
      if (first && looksBinary(chunk as Buffer)) binary = true;
      first = false;
      inflated += (chunk as Buffer).length;
      const overRatio = inflated > GZIP_LIMITS.freeBytes && inflated > GZIP_LIMITS.maxRatio * gunzip.bytesWritten;
      const tooMuch = inflated > GZIP_LIMITS.maxBytes || overRatio;
      if (tooMuch) {
        cut = true;
        const { maxRatio, maxBytes } = GZIP_LIMITS;
        const beyond = overRatio ? `${maxRatio} times its compressed size` : `${maxBytes / 2 ** 30} GiB`;
        const read = Math.round(inflated / 2 ** 20);
        problem = `inflates to more than ${beyond} (a gzip bomb, or not a log); stopped after ${read} MiB`;
        problem += ', the lines before were read';
        gunzip.destroy();
        break;
      }
      scanner.push(chunk as Buffer, follow);
    }
  } catch (err) {
    problem ??= gzipProblem(err);
  }
  return { gzip: true, binary, ...(problem ? { problem } : {}), ...(cut ? { cut } : {}) };
}

function gzipProblem(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  return `the gzip stream is damaged or cut short (${msg}); the lines before that point were read`;
}

/** Read a pipe, FIFO or stdin to its end (or until aborted). With follow, lines are handled as they arrive. */
export async function readStream(
  stream: NodeJS.ReadableStream,
  scanner: LineScanner,
  signal?: AbortSignal,
  follow = false,
): Promise<ReadOutcome> {
  const iterator = (stream as Readable)[Symbol.asyncIterator]();
  // A read waiting on a pipe that stays open must still end when the signal aborts.
  let onAbort = () => {};
  const aborted = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    if (signal?.aborted) resolve(null);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const next = async (): Promise<Buffer | null> => {
    if (signal?.aborted) return null;
    const r = await Promise.race([iterator.next(), aborted]);
    if (r === null || r.done) return null;
    const v: unknown = r.value;
    return Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  };
  try {
    const first = await next();
    if (first === null) return { gzip: false, binary: false, position: 0 };
    if (isGzip(first)) {
      async function* rest(): AsyncGenerator<Buffer> {
        yield first as Buffer;
        for (let c = await next(); c !== null; c = await next()) yield c;
      }
      const out = await readGzip(Readable.from(rest(), { objectMode: false }), scanner, signal, follow);
      return { ...out, position: 0 };
    }
    const binary = looksBinary(first);
    scanner.push(first, follow);
    for (let c = await next(); c !== null; c = await next()) scanner.push(c, follow);
    return { gzip: false, binary, position: 0 };
  } catch (err) {
    return {
      gzip: false,
      binary: false,
      position: 0,
      problem: `reading stopped: ${(err as Error)?.message ?? String(err)}`,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) void iterator.return?.();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Keep reading a growing file until the signal aborts: new bytes are read in bounded blocks as
 * they appear; a truncated file is read again from its start, a replaced one (log rotation) is
 * reopened by name. Returns the handle in use (the caller closes it).
 */
export async function followFile(
  input: { path: string; handle: FileHandle },
  scanner: LineScanner,
  from: number,
  signal: AbortSignal,
  onNote: (text: string) => void,
  intervalMs = 250,
): Promise<FileHandle> {
  let handle = input.handle;
  let position = from;
  let ino = (await handle.stat()).ino;
  while (!signal.aborted) {
    await sleep(intervalMs, signal);
    if (signal.aborted) break;
    try {
      const byName = await stat(input.path);
      if (byName.ino !== ino) {
        // Rotated: finish what the old file still had, then start on the new one.
        await readFile(handle, scanner, signal, position);
        scanner.flush();
        await handle.close().catch(() => undefined);
        handle = await open(input.path, 'r');
        ino = byName.ino;
        position = 0;
        onNote(`${input.path} was replaced (rotated); reading the new file from its start`);
      } else if (byName.size < position) {
        position = 0;
        onNote(`${input.path} was truncated; reading it again from its start`);
      }
    } catch {
      continue; // the file is briefly missing during rotation: try again on the next tick
    }
    const out = await readFile(handle, scanner, signal, position);
    position = out.position;
    scanner.flush();
  }
  return handle;
}
