// Pure readings of a running container and its Compose project: the project name Compose would
// choose, which host path a container path stands for through the mounts, and the command line
// with the tunnel token taken out. The probe (src/probes/docker-runtime.ts) does the I/O.

import type { ContainerMount } from '../core/runtime-facts.js';
import { isRecord } from './compose.js';

/** A project name normalised as Compose does: lower case, only [a-z0-9_-], starting with a letter or digit. */
export function normaliseProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** The host path behind `containerPath`: the mount with the longest destination that covers it; null when none does. */
export function hostPathThroughMounts(containerPath: string, mounts: readonly ContainerMount[]): string | null {
  let best: ContainerMount | null = null;
  for (const m of mounts) {
    const dest = m.destination.replace(/\/+$/, '') || '/';
    const covers = containerPath === dest || containerPath.startsWith(dest === '/' ? '/' : `${dest}/`);
    if (covers && (best === null || dest.length > best.destination.replace(/\/+$/, '').length)) best = m;
  }
  if (best === null || best.source === '') return null;
  const dest = best.destination.replace(/\/+$/, '');
  const rest = containerPath.slice(dest.length).replace(/^\/+/, '');
  return rest === '' ? best.source : `${best.source.replace(/\/+$/, '')}/${rest}`;
}

const REDACTED_ARG = '<redacted>';

/**
 * The command line with the value of `--token X` / `--token=X` replaced, the token it held, and the
 * path `--token-file X` names. cloudflared's flags take one or two dashes.
 */
export function commandLineToken(argv: readonly string[]): {
  argv: string[];
  token: string | null;
  tokenFile: string | null;
} {
  const out: string[] = [];
  let token: string | null = null;
  let tokenFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const eq = /^--?token=(.*)$/s.exec(arg);
    const fileEq = /^--?token-file=(.*)$/s.exec(arg);
    if (eq) {
      token = eq[1] ?? '';
      out.push(arg.slice(0, arg.indexOf('=') + 1) + REDACTED_ARG);
    } else if (/^--?token$/.test(arg) && next !== undefined) {
      token = next;
      out.push(arg, REDACTED_ARG);
      i++;
    } else {
      if (fileEq) tokenFile = fileEq[1] ?? null;
      else if (/^--?token-file$/.test(arg) && next !== undefined) tokenFile = next;
      out.push(arg);
    }
  }
  return { argv: out, token, tokenFile };
}

/** The container paths of the proxy's certificate and key (tls.cert_file, tls.key_file) and its CA, with the image's defaults. */
export function proxyTlsPaths(configData: unknown): string[] {
  const tls = isRecord(configData) && isRecord(configData.tls) ? configData.tls : {};
  const cert = typeof tls.cert_file === 'string' && tls.cert_file.startsWith('/') ? tls.cert_file : '/data/tls.crt';
  const key = typeof tls.key_file === 'string' && tls.key_file.startsWith('/') ? tls.key_file : '/data/tls.key';
  return [cert, key, '/data/ca.crt'];
}
