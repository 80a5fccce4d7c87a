// The loopback-only guard. With MCP_TUNNEL_LOOPBACK_ONLY=1 (set by the tests and the bench) every
// network probe refuses any destination that is not 127.0.0.0/8 or ::1 before a packet leaves:
// a test that forgot to inject --edge or --dns-server fails loudly instead of reaching out.

import { lookup as systemLookup, type LookupAddress, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

const LOOPBACK_GUARD_ENV = 'MCP_TUNNEL_LOOPBACK_ONLY';
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

/**
 * Names that mean this machine by definition (RFC 6761: `localhost` and `*.localhost`). With the
 * guard on they are answered here, never looked up: no resolver, no hosts file, no query at all.
 */
function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}

/** Null when the address may be contacted; the refusal message when the guard forbids it. */
export function guardRefusal(address: string): string | null {
  if (!loopbackOnly()) return null;
  if (isLoopbackAddress(address)) return null;
  if (isLoopbackName(address)) return null;
  return `${GUARD_MESSAGE}: ${address} is not a loopback address`;
}

/**
 * With the guard on, the refusal for looking `name` up through the system resolver, which may
 * send the query off this machine: every name but a loopback name (an IP address is judged as an
 * address). Null when the lookup may go ahead.
 */
export function lookupRefusal(name: string): string | null {
  if (!loopbackOnly()) return null;
  if (isIP(name.replace(/^\[|\]$/g, ''))) return guardRefusal(name);
  if (isLoopbackName(name)) return null;
  return `${GUARD_MESSAGE}: ${name} would be looked up by the system resolver, which may send queries off the machine`;
}

/** The loopback addresses a loopback name stands for, answered without any lookup. */
export function loopbackNameAddresses(family?: number): LookupAddress[] {
  const all: LookupAddress[] = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ];
  return family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
}

class LoopbackGuardError extends Error {
  readonly code = 'ELOOPBACKGUARD';
  constructor(message: string) {
    super(message);
    this.name = 'LoopbackGuardError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls/undici/ws connect options. Without the guard it is the system lookup.
 * With the guard the judgement comes first, before any resolution: an IP address is answered as
 * itself when it is loopback, a loopback name with 127.0.0.1 / ::1, and anything else is refused,
 * so no DNS query can leave the machine.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOneOptions | number | ((...a: never[]) => void),
  callback?: LookupCallback,
): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const opts = (
    typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {}
  ) as LookupOneOptions & { all?: boolean };
  const answer = (list: LookupAddress[]) => {
    if (opts.all) return cb(null, list);
    const first = list[0];
    if (!first) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    cb(null, first.address, first.family);
  };
  if (!loopbackOnly()) {
    systemLookup(hostname, { ...opts, all: true }, (err, addresses) =>
      err ? cb(err, opts.all ? [] : '') : answer(addresses),
    );
    return;
  }
  // Asynchronous like a real lookup: net and undici expect the callback after they return.
  process.nextTick(() => {
    const refusal = lookupRefusal(hostname);
    if (refusal) return cb(new LoopbackGuardError(refusal), opts.all ? [] : '');
    const bare = hostname.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    answer(family ? [{ address: bare, family }] : loopbackNameAddresses(opts.family as number | undefined));
  });
}
