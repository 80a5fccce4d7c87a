// TCP connect with a deadline: the building block of the edge, listener and upstream probes.
// The socket is destroyed on timeout, and errors become typed failure kinds.

import net from 'node:net';
import type { ConnectFailureKind } from '../core/live-facts.js';
import { guarded, internalFailureDetail } from './callback-guard.js';
import { startDeadline, whenAborted } from './deadline.js';
import { GUARD_MESSAGE, guardedLookup, lookupRefusal } from './loopback-guard.js';

const ERROR_KINDS: Record<string, ConnectFailureKind> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ELOOPBACKGUARD: 'guard',
};

export function classifyConnectError(err: unknown): ConnectFailureKind {
  const code = (err as { code?: string } | null)?.code ?? '';
  if (ERROR_KINDS[code]) return ERROR_KINDS[code];
  if (err instanceof Error && err.message.startsWith(GUARD_MESSAGE)) return 'guard';
  return 'error';
}

export function describeConnectFailure(kind: ConnectFailureKind, target: string, err?: unknown): string {
  switch (kind) {
    case 'refused':
      return `${target} refused the connection (nothing listens there, or a firewall rejects it)`;
    case 'timeout':
      return `no answer from ${target} before the deadline (packets are dropped)`;
    case 'reset':
      return `${target} reset the connection`;
    case 'unreachable':
      return `${target} is unreachable (no route): ${(err as Error)?.message ?? ''}`.trim();
    case 'guard':
      return (err as Error)?.message ?? `${GUARD_MESSAGE}: ${target}`;
    default:
      return `${target}: ${(err as Error)?.message ?? String(err)}`;
  }
}

/** `host:port`, with brackets for IPv6. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export type TcpOpen =
  | { ok: true; socket: net.Socket; latencyMs: number }
  | { ok: false; failure: ConnectFailureKind; detail: string; latencyMs: number };

/**
 * Open a TCP connection to host:port before `timeoutMs` (or the parent budget) runs out. On
 * success the caller owns the socket and must destroy it.
 */
export function openTcp(host: string, port: number, timeoutMs: number, parent?: AbortSignal): Promise<TcpOpen> {
  const target = hostPort(host, port);
  const refusal = lookupRefusal(host);
  if (refusal) return Promise.resolve({ ok: false, failure: 'guard', detail: refusal, latencyMs: 0 });
  const d = startDeadline(timeoutMs, parent);
  return new Promise<TcpOpen>((resolve) => {
    const socket = net.connect({ host, port, lookup: guardedLookup as never });
    let settled = false;
    const finish = (result: TcpOpen) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      d.dispose();
      socket.removeListener('error', onError);
      if (!result.ok) socket.destroy();
      resolve(result);
    };
    const fault = (err: unknown) => {
      const detail = internalFailureDetail(`TCP to ${target}`, err);
      finish({ ok: false, failure: 'error', detail, latencyMs: d.elapsed() });
    };
    const onError = guarded(fault, (err: Error) => {
      const kind = classifyConnectError(err);
      finish({ ok: false, failure: kind, detail: describeConnectFailure(kind, target, err), latencyMs: d.elapsed() });
    });
    const unsubscribe = whenAborted(d.signal, () =>
      finish({
        ok: false,
        failure: 'timeout',
        detail: describeConnectFailure('timeout', target),
        latencyMs: d.elapsed(),
      }),
    );
    socket.once('error', onError);
    socket.once(
      'connect',
      guarded(fault, () => {
        // Keep a listener so a late error on the caller's socket never crashes the process.
        socket.on('error', () => undefined);
        finish({ ok: true, socket, latencyMs: d.elapsed() });
      }),
    );
  });
}

export interface TcpProbeResult {
  ok: boolean;
  failure: ConnectFailureKind | null;
  detail: string | null;
  latencyMs: number;
}

/** Connect, then close at once: does anything accept connections at host:port? */
export async function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<TcpProbeResult> {
  const r = await openTcp(host, port, timeoutMs, parent);
  if (!r.ok) return { ok: false, failure: r.failure, detail: r.detail, latencyMs: r.latencyMs };
  r.socket.destroy();
  return { ok: true, failure: null, detail: null, latencyMs: r.latencyMs };
}
