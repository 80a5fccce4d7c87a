// Images for the Docker lab, made on this machine with `docker import` (nothing is pulled): a
// busybox image from Debian's busybox-static, and a node image from this host's node binary and
// the libraries it links. Each is tagged by a hash of what went in, so it is made once per
// machine and rebuilt when the binary changes.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
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
import { fileURLToPath } from 'node:url';

const BUSYBOX = '/bin/busybox';
// httpd is the lab's upstream, wget and nc look around from inside a namespace.
const APPLETS = ['sh', 'cat', 'ls', 'id', 'sleep', 'echo', 'stat', 'touch', 'kill', 'ps', 'httpd', 'wget', 'nc'];

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
  h.update(`${APPLETS.join(' ')}\n`);
  for (const f of files) {
    const s = statSync(f);
    h.update(`${f}:${s.size}:${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * The busybox image's tag (made when missing).
 * @public for tests that run their own containers
 */
export function ensureBusyboxImage(): string {
  const tag = `mcp-tunnel-lab/busybox:${digest(BUSYBOX)}`;
  if (imageExists(tag)) return tag;
  const root = baseRootfs();
  try {
    // A page for `httpd -h /www`, the lab's upstream.
    mkdirSync(join(root, 'www'));
    writeFileSync(join(root, 'www/index.html'), 'upstream ok\n');
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

/**
 * The node image's tag: busybox plus this host's node at /usr/local/bin/node (made when missing).
 * @public for tests that run their own containers
 */
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

// ------------------------------------------------------------------ the lab's program images

const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs');
const REPO_ROOT = join(PROGRAMS, '..', '..', '..', '..');
const BUNDLE_CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'mcp-tunnel-lab');

/** The version label of the cloudflared stand-in's image, as the official image carries it. */
export const CLOUDFLARED_LAB_VERSION = '2026.8.2';

/** programs/<name>.ts bundled into one .mjs (with its dependencies), cached by content hash. */
async function bundleProgram(name: string): Promise<{ file: string; hash: string }> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [join(PROGRAMS, `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // ws and yaml are CommonJS: give their require() calls a real require.
    banner: {
      js: "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);",
    },
  });
  const code = out.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const file = join(BUNDLE_CACHE, `${name}-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(BUNDLE_CACHE, { recursive: true });
    writeFileSync(file, code);
  }
  return { file, hash };
}

function imageLabel(tag: string, label: string): string | null {
  const r = spawnSync('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, tag], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** `docker build` (the classic builder: FROM a local image, nothing pulled) of a context of files. */
function buildImage(
  tag: string,
  dockerfile: string,
  files: Record<string, { from?: string; text?: string; mode?: number }>,
): void {
  const ctx = mkdtempSync(join(tmpdir(), 'mcp-tunnel-image-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
    for (const [name, f] of Object.entries(files)) {
      if (f.from) copyFileSync(f.from, join(ctx, name));
      else writeFileSync(join(ctx, name), f.text ?? '');
      chmodSync(join(ctx, name), f.mode ?? 0o644);
    }
    execFileSync('docker', ['build', '-q', '-t', tag, ctx], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

const CONTENT_LABEL = 'mcp-tunnel-lab.content';

export interface LabImages {
  /** mcp-tunnel-lab/mcp-proxy:<hash>: the reference proxy, run as 65532. */
  proxy: string;
  /** mcp-tunnel-lab/cloudflared:2026.8.2: the stand-in, entrypoint `cloudflared --no-autoupdate`. */
  cloudflared: string;
  /** The busybox image (the lab's upstream runs its httpd). */
  busybox: string;
}

let labImages: Promise<LabImages> | undefined;

/** The lab's three images, each built when missing or when its program changed (checked once per process). */
export function ensureLabImages(): Promise<LabImages> {
  labImages ??= buildLabImages();
  return labImages;
}

async function buildLabImages(): Promise<LabImages> {
  const node = ensureNodeImage();
  const busybox = ensureBusyboxImage();
  const proxyBundle = await bundleProgram('mcp-proxy');
  const standinBundle = await bundleProgram('cloudflared-standin');

  const proxyHash = createHash('sha256').update(`${node}\n${proxyBundle.hash}`).digest('hex').slice(0, 12);
  const proxy = `mcp-tunnel-lab/mcp-proxy:${proxyHash}`;
  if (!imageExists(proxy))
    buildImage(
      proxy,
      [
        `FROM ${node}`,
        'COPY mcp-proxy.mjs /usr/local/lib/mcp-proxy/mcp-proxy.mjs',
        'USER 65532:65532',
        'ENTRYPOINT ["/usr/local/bin/node", "/usr/local/lib/mcp-proxy/mcp-proxy.mjs"]',
        'CMD []',
        '',
      ].join('\n'),
      { 'mcp-proxy.mjs': { from: proxyBundle.file } },
    );

  // One tag, as Compose files name it; the content label says which stand-in it holds.
  const cloudflared = `mcp-tunnel-lab/cloudflared:${CLOUDFLARED_LAB_VERSION}`;
  const content = `${node}/${standinBundle.hash}`;
  if (imageLabel(cloudflared, CONTENT_LABEL) !== content)
    buildImage(
      cloudflared,
      [
        `FROM ${node}`,
        'COPY cloudflared.mjs /usr/local/lib/cloudflared/cloudflared.mjs',
        'COPY cloudflared /usr/local/bin/cloudflared',
        `LABEL org.opencontainers.image.version="${CLOUDFLARED_LAB_VERSION}" ${CONTENT_LABEL}="${content}"`,
        'USER 65532:65532',
        // The official image's entrypoint and default command.
        'ENTRYPOINT ["cloudflared", "--no-autoupdate"]',
        'CMD ["version"]',
        '',
      ].join('\n'),
      {
        'cloudflared.mjs': { from: standinBundle.file },
        cloudflared: {
          text: '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/cloudflared/cloudflared.mjs "$@"\n',
          mode: 0o755,
        },
      },
    );
  return { proxy, cloudflared, busybox };
}
