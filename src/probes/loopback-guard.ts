// The loopback-only guard. With MCP_TUNNEL_LOOPBACK_ONLY=1 (set by the tests and the bench) every
// network probe refuses any destination that is not 127.0.0.0/8 or ::1 before a packet leaves:
// a test that forgot to inject --edge or --dns-server fails loudly instead of reaching out.

import { lookup as systemLookup, type LookupAddress, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

export const LOOPBACK_GUARD_ENV = 'MCP_TUNNEL_LOOPBACK_ONLY';
export const GUARD_MESSAGE = 'refused by loopback-only guard';

export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[LOOPBACK_GUARD_ENV] === '1';
}

export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  if (isIP(a) === 6) {
    const lower = a.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

/** Null when the address may be contacted; the refusal message when the guard forbids it. */
export function guardRefusal(address: string): string | null {
  if (!loopbackOnly()) return null;
  if (isLoopbackAddress(address)) return null;
  if (address === 'localhost') return null; // /etc/hosts: never leaves the machine
  return `${GUARD_MESSAGE}: ${address} is not a loopback address`;
}

export class LoopbackGuardError extends Error {
  readonly code = 'ELOOPBACKGUARD';
  constructor(message: string) {
    super(message);
    this.name = 'LoopbackGuardError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls/undici connect options: the system lookup, then the guard on every
 * address it returns. Without the guard it is the system lookup unchanged.
 */
export function guardedLookup(hostname: string, options: LookupOneOptions | number | ((...a: never[]) => void), callback?: LookupCallback): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const opts = (typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {}) as LookupOneOptions & { all?: boolean };
  systemLookup(hostname, { ...opts, all: true }, (err, addresses) => {
    if (err) return cb(err, opts.all ? [] : '');
    const list = addresses as LookupAddress[];
    for (const a of list) {
      const refusal = guardRefusal(a.address);
      if (refusal) return cb(new LoopbackGuardError(refusal) as NodeJS.ErrnoException, opts.all ? [] : '');
    }
    if (opts.all) return cb(null, list);
    const first = list[0];
    if (!first) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    cb(null, first.address, first.family);
  });
}
