// A small ustar writer and a strict reader, for the bundle: regular files only, mode 0600,
// uid/gid 0 and one fixed mtime, gzip-compressed. The reader is for `bundle --inspect`, whose
// input may be anything: it refuses what this writer never makes (links, directories, devices,
// names with .. or a leading /, a huge member, too many members) within fixed bounds.

import { gunzipSync, gzipSync } from 'node:zlib';

const BLOCK = 512;

/** What --inspect accepts at most: far above any bundle this tool writes (a few hundred kB). */
export const TAR_LIMITS = {
  /** The .tar.gz file itself. */
  gzipBytes: 64 * 1024 * 1024,
  /** The tar stream once inflated (a gzip bomb stops here). */
  tarBytes: 128 * 1024 * 1024,
  memberBytes: 64 * 1024 * 1024,
  members: 1000,
} as const;

export interface TarMember {
  name: string;
  bytes: Uint8Array;
}

function octalField(header: Buffer, offset: number, length: number, value: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function headerFor(name: string, size: number, mtime: Date): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100 || nameBytes.includes(0)) throw new Error(`tar member name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  octalField(h, 100, 8, 0o600);
  octalField(h, 108, 8, 0);
  octalField(h, 116, 8, 0);
  octalField(h, 124, 12, size);
  octalField(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h.write('0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'binary');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The members as one gzip-compressed ustar archive. */
export function tarGzip(members: readonly TarMember[], mtime: Date): Buffer {
  const names = new Set(members.map((m) => m.name));
  if (names.size !== members.length) throw new Error('tar members must have distinct names');
  const parts: Buffer[] = [];
  for (const m of members) {
    parts.push(headerFor(m.name, m.bytes.length, mtime), Buffer.from(m.bytes));
    const pad = (BLOCK - (m.bytes.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

export type ReadTar = { ok: true; members: TarMember[] } | { ok: false; problem: string };

function field(h: Buffer, offset: number, length: number): string {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octalValue(h: Buffer, offset: number, length: number): number | null {
  const text = field(h, offset, length).trim();
  return /^[0-7]{1,12}$/.test(text) ? parseInt(text, 8) : null;
}

/** Why a member name is refused, or null: only plain relative names a bundle holds. */
function nameProblem(name: string): string | null {
  if (name === '') return 'a member has no name';
  if (name.startsWith('/')) return `member ${JSON.stringify(name)} has an absolute path`;
  if (name.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    return `member ${JSON.stringify(name)} has a path that leaves the archive (.., . or //)`;
  }
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return `member ${JSON.stringify(name)} has control characters or \\`;
  return null;
}

const TYPE_NAMES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '5': 'a directory',
  '6': 'a FIFO',
  x: 'a pax header',
  g: 'a pax global header',
  L: 'a GNU long name',
  K: 'a GNU long link name',
};

/** Reads a .tar.gz of regular files, within TAR_LIMITS; every other shape is a problem sentence. */
export function readTarGzip(gz: Buffer): ReadTar {
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) return { ok: false, problem: 'it is not gzip-compressed' };
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: TAR_LIMITS.tarBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, problem: `it inflates to more than ${TAR_LIMITS.tarBytes} bytes (not a bundle)` };
    }
    return { ok: false, problem: 'its gzip stream is corrupt or cut short' };
  }
  const members: TarMember[] = [];
  let at = 0;
  for (;;) {
    if (at + BLOCK > tar.length) return { ok: false, problem: 'the archive is cut short (no end marker)' };
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return { ok: true, members };
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    if (octalValue(h, 148, 8) !== sum) return { ok: false, problem: `a tar header at byte ${at} is corrupt` };
    const prefix = field(h, 345, 155);
    const name = prefix === '' ? field(h, 0, 100) : `${prefix}/${field(h, 0, 100)}`;
    const type = String.fromCharCode(h[156] ?? 0);
    if (type !== '0' && type !== '\0') {
      return {
        ok: false,
        problem: `member ${JSON.stringify(name)} is ${TYPE_NAMES[type] ?? `of type ${type}`}, not a file`,
      };
    }
    const problem = nameProblem(name);
    if (problem) return { ok: false, problem };
    const size = octalValue(h, 124, 12);
    if (size === null) return { ok: false, problem: `member ${JSON.stringify(name)} has no valid size` };
    if (size > TAR_LIMITS.memberBytes) {
      return { ok: false, problem: `member ${JSON.stringify(name)} is larger than ${TAR_LIMITS.memberBytes} bytes` };
    }
    if (members.length >= TAR_LIMITS.members) return { ok: false, problem: `more than ${TAR_LIMITS.members} members` };
    if (members.some((m) => m.name === name))
      return { ok: false, problem: `member ${JSON.stringify(name)} is there twice` };
    const start = at + BLOCK;
    if (start + size > tar.length) return { ok: false, problem: `member ${JSON.stringify(name)} is cut short` };
    members.push({ name, bytes: tar.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
