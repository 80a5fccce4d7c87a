// Images for the Docker lab, made on this machine with `docker import` (nothing is pulled): a
// busybox image from Debian's busybox-static, and a node image from this host's node binary and
// the libraries it links. Each is tagged by a hash of what went in, so it is made once per
// machine and rebuilt when the binary changes.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'cat', 'ls', 'id', 'sleep', 'echo', 'stat', 'touch', 'kill', 'ps'];

/** Why the Docker lab cannot run here, or null when the engine answers and busybox-static is there. */
export function dockerLabUnavailable(): string | null {
  const version = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (version.status !== 0)
    return `no Docker engine answers (${(version.stderr || version.error?.message || '').trim().split('\n')[0]})`;
  try {
    statSync(BUSYBOX);
  } catch {
    return `${BUSYBOX} is missing (Debian package busybox-static)`;
  }
  return null;
}

function imageExists(tag: string): boolean {
  return spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0;
}

/** A root filesystem with busybox and a passwd naming root and nonroot (65532). */
function baseRootfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-rootfs-'));
  for (const d of ['bin', 'etc', 'tmp', 'data', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnonroot:x:65532:\n');
  return root;
}

function importRootfs(root: string, tag: string, changes: string[]): void {
  const args = ['import'];
  for (const c of changes) args.push('--change', c);
  args.push('-', tag);
  const tar = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar of ${root} failed: ${tar.stderr.toString()}`);
  execFileSync('docker', args, { input: tar.stdout, stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
}

function digest(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const s = statSync(f);
    h.update(`${f}:${s.size}:${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 12);
}

/** The busybox image's tag (made when missing). */
export function ensureBusyboxImage(): string {
  const tag = `mcp-tunnel-lab/busybox:${digest(BUSYBOX)}`;
  if (imageExists(tag)) return tag;
  const root = baseRootfs();
  try {
    importRootfs(root, tag, ['CMD ["/bin/sh"]']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

/** The shared libraries a binary links, from ldd (absolute paths). */
function linkedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

/** The node image's tag: busybox plus this host's node at /usr/local/bin/node (made when missing). */
export function ensureNodeImage(): string {
  const node = realpathSync(process.execPath);
  const tag = `mcp-tunnel-lab/node:${digest(BUSYBOX, node)}`;
  if (imageExists(tag)) return tag;
  const root = baseRootfs();
  try {
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    copyFileSync(node, join(root, 'usr/local/bin/node'));
    for (const lib of linkedLibraries(node)) {
      const dest = join(root, lib);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(realpathSync(lib), dest);
    }
    importRootfs(root, tag, ['ENV PATH=/usr/local/bin:/bin', 'CMD ["/usr/local/bin/node"]']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}
