// The only way the doctor reads a file: bounded in size, never following a FIFO or device,
// and turning every file-system error into a typed answer instead of a throw.

import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';

const DEFAULT_MAX_BYTES = 1024 * 1024; // 1 MiB: no deployment file is near this

export type BoundedRead =
  | { state: 'ok'; path: string; bytes: Buffer; mode: number; uid: number; gid: number }
  | { state: 'missing'; path: string; explicit: boolean }
  | { state: 'unreadable'; path: string; explicit: boolean; problem: string };

export function readBounded(path: string, explicit: boolean, maxBytes = DEFAULT_MAX_BYTES): BoundedRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang the doctor.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing', path, explicit };
    if (code === 'EACCES' || code === 'EPERM')
      return { state: 'unreadable', path, explicit, problem: 'permission denied' };
    if (code === 'EISDIR') return { state: 'unreadable', path, explicit, problem: 'is a directory, not a file' };
    if (code === 'ELOOP') return { state: 'unreadable', path, explicit, problem: 'too many levels of symbolic links' };
    return { state: 'unreadable', path, explicit, problem: `cannot open (${code ?? 'unknown error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { state: 'unreadable', path, explicit, problem: 'is a directory, not a file' };
    if (!st.isFile())
      return { state: 'unreadable', path, explicit, problem: 'is not a regular file (a FIFO, socket or device)' };
    if (st.size > maxBytes) {
      return {
        state: 'unreadable',
        path,
        explicit,
        problem: `is too large (${st.size} bytes; the doctor reads at most ${maxBytes})`,
      };
    }
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let total = 0;
    while (total < buf.length) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > maxBytes) {
      return { state: 'unreadable', path, explicit, problem: `is too large (more than ${maxBytes} bytes)` };
    }
    return { state: 'ok', path, bytes: buf.subarray(0, total), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return { state: 'unreadable', path, explicit, problem: 'is a directory, not a file' };
    return { state: 'unreadable', path, explicit, problem: `cannot read (${code ?? 'unknown error'})` };
  } finally {
    closeSync(fd);
  }
}

export type TextDecode = { ok: true; text: string } | { ok: false; problem: string };

/**
 * Bytes to text for config-like files: strips a UTF-8 BOM, refuses UTF-16 and binary content
 * (a NUL byte or invalid UTF-8) with a message a person understands.
 */
export function decodeText(bytes: Buffer): TextDecode {
  if (bytes.length === 0) return { ok: false, problem: 'is empty' };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, problem: 'is UTF-16 encoded; save it as UTF-8' };
  }
  if (bytes.includes(0)) return { ok: false, problem: 'is binary (it contains NUL bytes), not text' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'is not valid UTF-8 text (binary or another encoding)' };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, problem: 'is empty' };
  return { ok: true, text };
}
