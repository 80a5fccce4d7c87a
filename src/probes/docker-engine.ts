// A small client of the Docker Engine API: GET requests over the unix socket (or DOCKER_HOST's
// tcp address on loopback), each under a deadline and a byte cap, answering with data or a typed
// failure, never a throw. Paths are versioned /v1.41 (Engine 20.10): newer engines still serve it,
// and the fields read here have not moved since. Container logs come multiplexed (an 8-byte header
// per frame) unless the container has a TTY, and are returned as text.

import http from 'node:http';
import { isLoopbackAddress, loopbackOnly, GUARD_MESSAGE } from './loopback-guard.js';
import { guarded, internalFailureDetail } from './callback-guard.js';
import { startDeadline, whenAborted } from './deadline.js';

const API = '/v1.41';
const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Inspect answers are a few kilobytes; a container list of a big host a few hundred. */
const JSON_MAX_BYTES = 4 * 1024 * 1024;

export type DockerEndpoint =
  { kind: 'unix'; path: string; text: string } | { kind: 'tcp'; host: string; port: number; text: string };

/** How the Engine API is reached, from DOCKER_HOST (default the unix socket); a problem when it cannot be used. */
export function dockerEndpoint(
  env: Readonly<Record<string, string | undefined>>,
): DockerEndpoint | { problem: string } {
  const host = env.DOCKER_HOST?.trim() ?? '';
  if (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0')
    return {
      problem:
        'DOCKER_TLS_VERIFY is set: the doctor does not speak TLS to the Docker Engine; run it on the Docker host with the unix socket',
    };
  if (host === '') return { kind: 'unix', path: DEFAULT_SOCKET, text: `unix://${DEFAULT_SOCKET}` };
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/')) return { problem: `DOCKER_HOST=${host} does not name an absolute socket path` };
    return { kind: 'unix', path, text: host };
  }
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(host);
  if (tcp?.[1] && tcp[2]) {
    const h = tcp[1].replace(/^\[|\]$/g, '');
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) return { problem: `DOCKER_HOST=${host} has no valid port` };
    if (loopbackOnly(env) && !isLoopbackAddress(h) && h.toLowerCase() !== 'localhost')
      return { problem: `${GUARD_MESSAGE}: DOCKER_HOST=${host} is not a loopback address` };
    return { kind: 'tcp', host: h, port, text: host };
  }
  return {
    problem: `DOCKER_HOST=${host} is not unix:///path or tcp://host:port (ssh:// and others are not supported)`,
  };
}

export type EngineFailure =
  'no-socket' | 'denied' | 'refused' | 'timeout' | 'http-status' | 'too-large' | 'bad-answer' | 'error';

export type EngineAnswer<T> =
  | { ok: true; value: T; latencyMs: number }
  | { ok: false; failure: EngineFailure; detail: string; httpStatus: number | null; latencyMs: number };

export interface EngineRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The answer's body is cut off past this many bytes: failure 'too-large', or with `keepHead` the bytes so far. */
  maxBytes?: number;
  keepHead?: boolean;
}

function where(endpoint: DockerEndpoint): string {
  return endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

function describeSocketError(endpoint: DockerEndpoint, err: unknown): { failure: EngineFailure; detail: string } {
  const code = (err as { code?: string } | null)?.code ?? '';
  const at = where(endpoint);
  switch (code) {
    case 'ENOENT':
      return { failure: 'no-socket', detail: `no Docker socket at ${at}` };
    case 'EACCES':
    case 'EPERM':
      return { failure: 'denied', detail: `permission denied on ${at}` };
    case 'ECONNREFUSED':
      return { failure: 'refused', detail: `nothing answers on ${at} (is the Docker daemon running?)` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { failure: 'error', detail: `the Docker Engine at ${at} closed the connection` };
    default:
      return { failure: 'error', detail: `the Docker Engine at ${at}: ${(err as Error)?.message ?? String(err)}` };
  }
}

/** Docker's own message from an error answer ({"message": "..."}), cut short. */
function engineMessage(body: Buffer): string {
  const text = body.subarray(0, 2000).toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string')
      return (parsed as { message: string }).message.slice(0, 300);
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 300);
}

/** GET `path` (below the API version); the raw body and the content type on a 2xx answer. */
function engineGet(
  endpoint: DockerEndpoint,
  path: string,
  opts: EngineRequestOptions,
): Promise<EngineAnswer<{ body: Buffer; cut: boolean }>> {
  const maxBytes = opts.maxBytes ?? JSON_MAX_BYTES;
  const d = startDeadline(opts.timeoutMs, opts.signal);
  const target =
    endpoint.kind === 'unix' ? { socketPath: endpoint.path } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const finish = (answer: EngineAnswer<{ body: Buffer; cut: boolean }>) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      d.dispose();
      req?.destroy();
      resolve(answer);
    };
    const fail = (failure: EngineFailure, detail: string, httpStatus: number | null = null) =>
      finish({ ok: false, failure, detail, httpStatus, latencyMs: d.elapsed() });
    const fault = (err: unknown) => fail('error', internalFailureDetail('Docker Engine API', err));
    const unsubscribe = whenAborted(d.signal, () =>
      fail('timeout', `no answer to GET ${path} within ${Math.round(opts.timeoutMs)} ms`),
    );
    if (settled) return;
    try {
      req = http.get({ ...target, path: `${API}${path}`, headers: { Host: 'docker' }, agent: false });
    } catch (err) {
      fault(err);
      return;
    }
    req.on(
      'error',
      guarded(fault, (err: Error) => {
        const e = describeSocketError(endpoint, err);
        fail(e.failure, e.detail);
      }),
    );
    req.on(
      'response',
      guarded(fault, (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on(
          'data',
          guarded(fault, (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes && opts.keepHead) {
              chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
              finish({ ok: true, value: { body: Buffer.concat(chunks), cut: true }, latencyMs: d.elapsed() });
              return;
            }
            if (size > maxBytes) {
              fail('too-large', `the Docker Engine's answer to GET ${path} is larger than ${maxBytes} bytes`);
              return;
            }
            chunks.push(chunk);
          }),
        );
        res.on(
          'error',
          guarded(fault, () => fail('error', `the answer to GET ${path} broke off`)),
        );
        res.on(
          'end',
          guarded(fault, () => {
            const body = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) {
              fail('http-status', `GET ${path}: the Docker Engine answered ${status}: ${engineMessage(body)}`, status);
              return;
            }
            finish({
              ok: true,
              value: { body, cut: false },
              latencyMs: d.elapsed(),
            });
          }),
        );
      }),
    );
  });
}

/** GET `path` and parse the body as JSON; anything else is a 'bad-answer'. */
export async function engineGetJson(
  endpoint: DockerEndpoint,
  path: string,
  opts: EngineRequestOptions,
): Promise<EngineAnswer<unknown>> {
  const r = await engineGet(endpoint, path, opts);
  if (!r.ok) return r;
  try {
    return { ok: true, value: JSON.parse(r.value.body.toString('utf8')) as unknown, latencyMs: r.latencyMs };
  } catch {
    const start = JSON.stringify(r.value.body.subarray(0, 40).toString('utf8'));
    return {
      ok: false,
      failure: 'bad-answer',
      detail: `GET ${path}: the answer is not JSON (it starts ${start})`,
      httpStatus: null,
      latencyMs: r.latencyMs,
    };
  }
}

/**
 * The payload of Docker's multiplexed log stream: frames of [stream type, 0, 0, 0, uint32 BE
 * length] then that many bytes, stdout and stderr interleaved in the order written. A frame cut
 * short at the end keeps what arrived.
 */
export function demultiplexLogs(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const length = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, Math.min(raw.length, at + 8 + length)));
    at += 8 + length;
  }
  return Buffer.concat(parts);
}

export interface LogRequest {
  /** The container's Config.Tty: a TTY container's log is raw, not multiplexed. */
  tty: boolean;
  /** At most this many of the last lines. */
  tail: number;
  /** Only lines written at or after this instant (ISO 8601), when given. */
  since: string | null;
}

/**
 * The container's last log lines (stdout and stderr, with Docker's timestamps), as bytes of text;
 * `cut` when the byte cap (opts.maxBytes) stopped the read before the end.
 */
export async function containerLogs(
  endpoint: DockerEndpoint,
  id: string,
  request: LogRequest,
  opts: EngineRequestOptions,
): Promise<EngineAnswer<{ text: Buffer; cut: boolean }>> {
  const query = new URLSearchParams({ stdout: '1', stderr: '1', timestamps: '1', tail: String(request.tail) });
  if (request.since !== null) {
    const seconds = Date.parse(request.since) / 1000;
    if (Number.isFinite(seconds)) query.set('since', seconds.toFixed(3));
  }
  const path = `/containers/${encodeURIComponent(id)}/logs?${query.toString()}`;
  const r = await engineGet(endpoint, path, { ...opts, keepHead: true });
  if (!r.ok) return r;
  const text = request.tty ? r.value.body : demultiplexLogs(r.value.body);
  return { ok: true, value: { text, cut: r.value.cut }, latencyMs: r.latencyMs };
}
