// The proxy's listener, probed the way the platform uses it: a plaintext WebSocket whose binary
// messages carry a TLS connection to the proxy. The framing is not documented publicly; the
// doctor ASSUMES binary WebSocket messages carrying the raw TLS records, on the path of --proxy
// (default "/"), and sends both the WebSocket request's Host header and the inner SNI as
// <route>.<tunnel-domain> (the proxy may route on either).
//
// Two probes live here:
// - probeListener: one raw TCP connection with a WebSocket upgrade request, to tell what the
//   listener is (WebSocket, plain HTTP, TLS spoken directly, silent, reset, closed);
// - probeInnerTls: the TLS handshake inside the WebSocket, verified against data/ca.crt by the
//   doctor itself (rejectUnauthorized is off so the peer certificate is always captured).

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { InnerTlsFailureKind, InnerTlsRouteFacts, ListenerFacts } from '../core/live-facts.js';
import { guarded, internalFailureDetail } from './callback-guard.js';
import { startDeadline, whenAborted } from './deadline.js';
import { guardedLookup, lookupRefusal } from './loopback-guard.js';
import { describePeerCertificate, peerLeaf } from './peer-certificate.js';
import { classifyConnectError, describeConnectFailure, hostPort, openTcp } from './tcp-connect.js';
import type { WebSocket as WsSocket } from 'ws';

export interface ProxyUrl {
  host: string;
  port: number;
  path: string;
  /** ws://host:port/path as normalized. */
  href: string;
}

/** Parse --proxy: ws://host:port[/path] (http:// is accepted as the same thing). */
export function parseProxyUrl(text: string): ProxyUrl | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'http:') return null;
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port ? Number(u.port) : 80;
  const path = `${u.pathname || '/'}${u.search}`;
  return { host, port, path, href: `ws://${hostPort(host, port)}${path}` };
}

const FIRST_BYTES = 16;

function upgradeRequest(path: string, hostHeader: string): string {
  const key = randomBytes(16).toString('base64');
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostHeader}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

function looksLikeTlsRecord(b: Buffer): boolean {
  return b.length >= 2 && (b[0] === 0x16 || b[0] === 0x15) && b[1] === 0x03;
}

/** Does the port speak TLS directly? (A ClientHello answered by a handshake or a TLS alert.) */
async function speaksTls(host: string, port: number, timeoutMs: number, parent?: AbortSignal): Promise<boolean> {
  if (timeoutMs <= 0) return false;
  const tcp = await openTcp(host, port, timeoutMs, parent);
  if (!tcp.ok) return false;
  const d = startDeadline(timeoutMs, parent);
  return new Promise<boolean>((resolve) => {
    let seen = false;
    tcp.socket.on(
      'data',
      guarded(
        () => undefined,
        (b: Buffer) => {
          if (looksLikeTlsRecord(b)) seen = true;
        },
      ),
    );
    const socket = tls.connect({
      socket: tcp.socket,
      rejectUnauthorized: false,
      servername: isIP(host) ? undefined : host,
    });
    const done = (v: boolean) => {
      unsubscribe();
      d.dispose();
      socket.destroy();
      tcp.socket.destroy();
      resolve(v);
    };
    const unsubscribe = whenAborted(d.signal, () => done(seen));
    const fault = () => done(false);
    socket.once(
      'secureConnect',
      guarded(fault, () => done(true)),
    );
    const tlsAnswer = /alert|handshake failure|unsupported protocol/i;
    socket.once(
      'error',
      guarded(fault, (err: Error) => done(seen || tlsAnswer.test(err.message))),
    );
  });
}

/** What answers on the listener: a WebSocket upgrade, plain HTTP, TLS, or nothing. */
export async function probeListener(
  url: ProxyUrl,
  hostHeader: string,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<ListenerFacts> {
  const target = hostPort(url.host, url.port);
  const d = startDeadline(timeoutMs, parent);
  const result = (
    kind: ListenerFacts['kind'],
    detail: string | null,
    extra: Partial<ListenerFacts> = {},
  ): ListenerFacts => ({
    kind,
    httpStatus: null,
    firstBytesHex: null,
    detail,
    latencyMs: d.elapsed(),
    ...extra,
  });
  try {
    const tcp = await openTcp(url.host, url.port, d.remaining(), d.signal);
    if (!tcp.ok) {
      const kind =
        tcp.failure === 'refused' ||
        tcp.failure === 'timeout' ||
        tcp.failure === 'reset' ||
        tcp.failure === 'unreachable' ||
        tcp.failure === 'guard'
          ? tcp.failure
          : 'other';
      return result(kind, tcp.detail);
    }
    const socket = tcp.socket;
    const answer = await new Promise<{ bytes: Buffer; end: 'data' | 'closed' | 'reset' | 'timeout' }>((resolve) => {
      let bytes = Buffer.alloc(0);
      let settled = false;
      const finish = (end: 'data' | 'closed' | 'reset' | 'timeout') => {
        if (settled) return;
        settled = true;
        unsubscribe();
        socket.destroy();
        resolve({ bytes, end });
      };
      const unsubscribe = whenAborted(d.signal, () => finish(bytes.length > 0 ? 'data' : 'timeout'));
      const fault = () => finish(bytes.length > 0 ? 'data' : 'closed');
      socket.on(
        'data',
        guarded(fault, (chunk: Buffer) => {
          bytes = Buffer.concat([bytes, chunk]);
          const text = bytes.toString('latin1');
          if (
            looksLikeTlsRecord(bytes) ||
            (text.startsWith('HTTP/') && text.includes('\r\n\r\n')) ||
            bytes.length >= 4096
          )
            finish('data');
        }),
      );
      socket.on(
        'end',
        guarded(fault, () => finish(bytes.length > 0 ? 'data' : 'closed')),
      );
      socket.on(
        'close',
        guarded(fault, () => finish(bytes.length > 0 ? 'data' : 'closed')),
      );
      const onError = (err: Error) =>
        finish(bytes.length > 0 ? 'data' : classifyConnectError(err) === 'reset' ? 'reset' : 'closed');
      socket.on('error', guarded(fault, onError));
      socket.write(upgradeRequest(url.path, hostHeader));
    });
    const firstBytesHex = answer.bytes.length > 0 ? answer.bytes.subarray(0, FIRST_BYTES).toString('hex') : null;
    if (answer.end === 'timeout')
      return result(
        'silent',
        `${target} accepted the connection but sent nothing back to a WebSocket upgrade request before the deadline`,
      );
    if (answer.bytes.length > 0) {
      const text = answer.bytes.toString('latin1');
      if (looksLikeTlsRecord(answer.bytes))
        return result(
          'tls',
          `${target} answered the plaintext upgrade request with a TLS record: it speaks TLS directly`,
          { firstBytesHex },
        );
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text);
      if (status) {
        const code = Number(status[1]);
        if (/client sent an http request to an https server/i.test(text))
          return result(
            'tls',
            `${target} answered "${code} Client sent an HTTP request to an HTTPS server": it speaks TLS directly`,
            { httpStatus: code, firstBytesHex },
          );
        if (code === 101 && /\r\nupgrade:\s*websocket/i.test(text))
          return result('websocket', null, { httpStatus: 101, firstBytesHex });
        return result(
          'http',
          `${target} answered the WebSocket upgrade request with plain HTTP ${code} and did not upgrade`,
          { httpStatus: code, firstBytesHex },
        );
      }
      return result('other', `${target} answered with bytes that are neither HTTP nor TLS`, { firstBytesHex });
    }
    // Closed or reset without a word: a TLS server that saw plaintext does exactly that.
    if (await speaksTls(url.host, url.port, d.remaining(), d.signal))
      return result(
        'tls',
        `${target} dropped the plaintext upgrade request but completes a TLS handshake: it speaks TLS directly`,
      );
    return answer.end === 'reset'
      ? result('reset', `${target} reset the connection after the WebSocket upgrade request`)
      : result('closed', `${target} closed the connection after the WebSocket upgrade request without answering`);
  } finally {
    d.dispose();
  }
}

export interface InnerTlsOptions {
  url: ProxyUrl;
  route: string;
  hostname: string;
  /** The CA(s) of data/ca.crt, PEM. */
  caPems: string[];
  timeoutMs: number;
  parent?: AbortSignal;
}

const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** Map OpenSSL's verification code to the failure the checks name. */
export function classifyVerifyError(code: string): InnerTlsFailureKind {
  if (code === 'CERT_HAS_EXPIRED') return 'expired';
  if (code === 'CERT_NOT_YET_VALID') return 'not-yet-valid';
  if (code === 'INVALID_PURPOSE') return 'wrong-key-usage';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'san-mismatch'; // node's own hostname check
  if (UNKNOWN_CA_CODES.has(code)) return 'unknown-ca';
  return 'handshake-failed';
}

/** A Duplex whose writes become binary WebSocket messages and whose reads are the messages received. */
function messageStream(ws: WsSocket): Duplex {
  const duplex = new Duplex({
    read() {
      // data is pushed by the 'message' handler
    },
    write(chunk: Buffer, _enc, cb) {
      ws.send(chunk, { binary: true }, (err) => cb(err ?? null));
    },
    final(cb) {
      ws.close();
      cb();
    },
    destroy(err, cb) {
      ws.terminate();
      cb(err);
    },
  });
  ws.on(
    'message',
    guarded(
      (err) => duplex.destroy(err as Error),
      (data: Buffer | ArrayBuffer | Buffer[]) => {
        duplex.push(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer));
      },
    ),
  );
  ws.on('close', () => duplex.push(null));
  ws.on('error', (err) => duplex.destroy(err));
  return duplex;
}

export async function probeInnerTls(o: InnerTlsOptions): Promise<InnerTlsRouteFacts> {
  const d = startDeadline(o.timeoutMs, o.parent);
  const base = { route: o.route, hostname: o.hostname, verifyError: null, certificate: null, protocol: null };
  const fail = (
    failure: InnerTlsFailureKind,
    detail: string,
    extra: Partial<InnerTlsRouteFacts> = {},
  ): InnerTlsRouteFacts => ({ ...base, ok: false, failure, detail, latencyMs: d.elapsed(), ...extra });
  const refusal = lookupRefusal(o.url.host);
  if (refusal) {
    d.dispose();
    return fail('guard', refusal);
  }
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(o.url.href, {
    headers: { host: o.hostname },
    handshakeTimeout: Math.max(1, Math.floor(d.remaining())),
    lookup: guardedLookup as never,
    perMessageDeflate: false,
  });
  let tlsSocket: tls.TLSSocket | null = null;
  return new Promise<InnerTlsRouteFacts>((resolve) => {
    let settled = false;
    let opened = false;
    const finish = (r: InnerTlsRouteFacts) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      d.dispose();
      tlsSocket?.destroy();
      ws.terminate();
      resolve(r);
    };
    const unsubscribe = whenAborted(d.signal, () =>
      finish(
        opened
          ? fail(
              'timeout',
              `the WebSocket to ${o.url.href} opened, but the TLS handshake inside it (SNI ${o.hostname}) did not complete before the deadline`,
            )
          : fail(
              'timeout',
              `the WebSocket upgrade to ${o.url.href} (Host ${o.hostname}) got no answer before the deadline`,
            ),
      ),
    );
    const fault = (err: unknown) => finish(fail('error', internalFailureDetail(`inner TLS via ${o.url.href}`, err)));
    ws.once(
      'unexpected-response',
      guarded(fault, (_req: unknown, res: { statusCode?: number }) => {
        finish(
          fail(
            'websocket-failed',
            `${o.url.href} answered the WebSocket upgrade (Host ${o.hostname}) with HTTP ${res.statusCode} instead of 101`,
          ),
        );
      }),
    );
    ws.once(
      'error',
      guarded(fault, (err: Error) => {
        if (opened) return; // the TLS socket reports it
        const kind = classifyConnectError(err);
        if (kind === 'guard') return finish(fail('guard', err.message));
        finish(
          fail(
            'websocket-failed',
            `the WebSocket to ${o.url.href} failed: ${kind === 'error' ? err.message : describeConnectFailure(kind, hostPort(o.url.host, o.url.port), err)}`,
          ),
        );
      }),
    );
    ws.once(
      'open',
      guarded(fault, () => {
        opened = true;
        const stream = messageStream(ws);
        const socket = tls.connect({ socket: stream, servername: o.hostname, ca: o.caPems, rejectUnauthorized: false });
        tlsSocket = socket;
        socket.once(
          'error',
          guarded(fault, (err: Error) => {
            finish(
              fail(
                'handshake-failed',
                `the TLS handshake inside the WebSocket (SNI ${o.hostname}) failed: ${err.message}`,
              ),
            );
          }),
        );
        socket.once(
          'secureConnect',
          guarded(fault, () => {
            const leaf = peerLeaf(socket);
            const certificate = leaf ? describePeerCertificate(leaf) : null;
            const protocol = socket.getProtocol() ?? null;
            const extra = { certificate, protocol };
            if (!socket.authorized) {
              const code = String(socket.authorizationError ?? 'UNKNOWN');
              const kind = classifyVerifyError(code);
              const detail =
                kind === 'san-mismatch'
                  ? `the certificate served for ${o.hostname} does not name it: SAN ${certificate?.sanDns.join(', ') || '(no DNS names)'}`
                  : `the certificate served for ${o.hostname} (issuer "${certificate?.issuer ?? '?'}") does not verify against data/ca.crt: ${code}`;
              return finish(fail(kind, detail, { ...extra, verifyError: code }));
            }
            if (
              certificate &&
              certificate.extKeyUsage.length > 0 &&
              !certificate.extKeyUsage.some((u) => u === 'serverAuth' || u === 'anyExtendedKeyUsage')
            ) {
              return finish(
                fail(
                  'wrong-key-usage',
                  `the certificate served for ${o.hostname} has ExtendedKeyUsage ${certificate.extKeyUsage.join(', ')} without serverAuth`,
                  { ...extra, verifyError: 'INVALID_PURPOSE' },
                ),
              );
            }
            const leafInfo = socket.getPeerCertificate();
            const identity = tls.checkServerIdentity(o.hostname, leafInfo);
            if (identity) {
              return finish(
                fail(
                  'san-mismatch',
                  `the certificate served for ${o.hostname} does not name it: SAN ${certificate?.sanDns.join(', ') || '(no DNS names)'}`,
                  { ...extra, verifyError: identity.message },
                ),
              );
            }
            finish({ ...base, ...extra, ok: true, failure: null, detail: null, latencyMs: d.elapsed() });
          }),
        );
      }),
    );
  });
}
