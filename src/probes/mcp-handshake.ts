// The MCP handshake a route's upstream gets from the platform's client: a Streamable HTTP
// `initialize` (JSON-RPC 2.0 POST, spec 2025-11-25, "Transports"), sent to the address the proxy
// would dial with the Host header the proxy forwards. No redirect is followed (a client does not
// follow one for a POST); the answer is read as JSON or as SSE under a deadline and a byte cap.
// When the POST is refused (400, 404, 405), a GET tells the old HTTP+SSE transport, as the spec's
// backwards-compatibility section has clients do.

import { isIP } from 'node:net';
import type { BearerChallenge, FetchFailureKind, McpHandshakeFacts } from '../core/live-facts.js';
import { toolVersion } from '../core/version.js';
import { redact } from '../redaction/redact.js';
import { startDeadline, type Deadline } from './deadline.js';
import { httpExchange } from './http-exchange.js';
import { lookupRefusal } from './loopback-guard.js';
import { classifyConnectError, describeConnectFailure } from './tcp-connect.js';

const MCP_PROTOCOL_VERSION = '2025-11-25';
const MAX_ANSWER_BYTES = 256 * 1024;
/** Statuses after which a client tries the old HTTP+SSE transport. */
const LEGACY_FALLBACK = [400, 404, 405];

export interface McpTarget {
  route: string;
  scheme: string;
  host: string;
  port: number;
  /** The allowed address to dial, when host is a name. */
  address?: string;
  /** <route>.<tunnel-domain> */
  hostHeader: string;
  /** The MCP path (--mcp-path, default /mcp). */
  path: string;
}

/** The `initialize` request body. */
function initializeRequest(version = toolVersion()): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: MCP_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mcp-tunnel', version },
    },
  });
}

/** The Bearer challenge among the challenges of a WWW-Authenticate header, or null. */
export function parseBearerChallenge(header: string): BearerChallenge | null {
  const start = /(?:^|,)\s*Bearer(?=\s|,|$)/i.exec(header);
  if (!start) return null;
  const params: Record<string, string> = {};
  // auth-param = token BWS "=" BWS ( token / quoted-string ) (RFC 9110 11.2); a bare token
  // followed by a space starts the next challenge.
  const param = /\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)/y;
  param.lastIndex = start.index + start[0].length;
  for (let m = param.exec(header); m; m = param.exec(header)) {
    const [, name, raw] = m;
    if (name === undefined || raw === undefined) break;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    params[name.toLowerCase()] ??= value;
  }
  return {
    params,
    resourceMetadata: params.resource_metadata ?? null,
    scope: params.scope ?? null,
    error: params.error ?? null,
  };
}

type JsonRpcReading =
  | { kind: 'mcp'; protocolVersion: string; serverName: string | null; serverVersion: string | null }
  | { kind: 'jsonrpc-error'; detail: string }
  | { kind: 'not-json'; detail: string };

/** Judge one JSON-RPC message: the initialize result, an error, or something else. */
function readInitializeAnswer(value: unknown): JsonRpcReading | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const msg = value as Record<string, unknown>;
  if (msg.jsonrpc !== '2.0' || !('id' in msg)) return null;
  if (typeof msg.error === 'object' && msg.error !== null) {
    const e = msg.error as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
    return { kind: 'jsonrpc-error', detail: `JSON-RPC error ${text(e.code)}: ${text(e.message)}` };
  }
  const result = msg.result as Record<string, unknown> | undefined;
  if (typeof result?.protocolVersion !== 'string')
    return { kind: 'not-json', detail: 'a JSON-RPC answer without result.protocolVersion' };
  const info = (typeof result.serverInfo === 'object' && result.serverInfo) || {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    kind: 'mcp',
    protocolVersion: result.protocolVersion,
    serverName: text((info as Record<string, unknown>).name),
    serverVersion: text((info as Record<string, unknown>).version),
  };
}

/** The first JSON-RPC answer among SSE events' `data:` lines (events joined per the SSE spec). */
function readSseAnswer(text: string): JsonRpcReading | null {
  for (const event of sseEvents(text)) {
    try {
      const reading = readInitializeAnswer(JSON.parse(event.data));
      if (reading) return reading;
    } catch {
      // not JSON: the next event
    }
  }
  return null;
}

/** Complete SSE events (ended by a blank line) in `text`. */
export function sseEvents(text: string): { event: string; data: string }[] {
  const out: { event: string; data: string }[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  blocks.pop(); // the unfinished tail
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) out.push({ event, data: data.join('\n') });
  }
  return out;
}

/** One request to the upstream with the Host header the proxy forwards. */
function exchange(
  url: string,
  target: McpTarget,
  d: Deadline,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string },
  enough: (text: string, contentType: string | null) => boolean,
) {
  const headers = { ...init.headers, host: target.hostHeader };
  return httpExchange({ url, address: target.address, ...init, headers, maxBytes: MAX_ANSWER_BYTES, enough }, d);
}

const isSse = (contentType: string | null) => /^text\/event-stream\b/i.test(contentType ?? '');

/** POST `initialize` to one route's upstream and name what answered. */
export async function probeMcpHandshake(
  target: McpTarget,
  o: { timeoutMs: number; parent?: AbortSignal },
): Promise<McpHandshakeFacts> {
  const d = startDeadline(o.timeoutMs, o.parent);
  const hostText = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  const url = `${target.scheme}://${hostText}:${target.port}${target.path}`;
  const base: McpHandshakeFacts = {
    route: target.route,
    url,
    hostHeader: target.hostHeader,
    path: target.path,
    kind: 'connect-failed',
    httpStatus: null,
    contentType: null,
    protocolVersion: null,
    serverName: null,
    serverVersion: null,
    challenge: null,
    location: null,
    leavesHost: null,
    failure: null,
    detail: null,
    latencyMs: 0,
  };
  const done = (fields: Partial<McpHandshakeFacts>): McpHandshakeFacts => ({
    ...base,
    ...fields,
    latencyMs: d.elapsed(),
  });
  const refusal = lookupRefusal(target.address ?? target.host);
  if (refusal) {
    d.dispose();
    return done({ failure: 'guard', detail: refusal });
  }
  try {
    const post = await exchange(
      url,
      target,
      d,
      {
        method: 'POST',
        headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
        body: initializeRequest(),
      },
      (text, type) => isSse(type) && readSseAnswer(text) !== null,
    );
    const seen = { httpStatus: post.status, contentType: post.contentType };
    if (post.tooLarge)
      return done({ ...seen, kind: 'not-json', failure: 'too-large', detail: `more than ${MAX_ANSWER_BYTES} bytes` });
    const location = post.headers.location;
    if (post.status >= 300 && post.status < 400 && typeof location === 'string') {
      const next = new URL(location, `https://${target.hostHeader}${target.path}`);
      const leavesHost = next.host.toLowerCase() !== target.hostHeader.toLowerCase();
      return done({ ...seen, kind: 'redirect', location: next.href, leavesHost });
    }
    const authenticate = post.headers['www-authenticate'];
    const header = Array.isArray(authenticate) ? authenticate.join(', ') : authenticate;
    if (post.status === 401) {
      const challenge = header ? parseBearerChallenge(header) : null;
      if (challenge) return done({ ...seen, kind: 'auth-challenge', challenge });
      return done({ ...seen, kind: 'http-status', detail: `401 without a WWW-Authenticate: Bearer challenge` });
    }
    if (LEGACY_FALLBACK.includes(post.status)) {
      const legacy = await exchange(
        url,
        target,
        d,
        { method: 'GET', headers: { accept: 'text/event-stream' } },
        (text, type) => !isSse(type) || sseEvents(text).length > 0,
      ).catch(() => null);
      const first = legacy && isSse(legacy.contentType) ? sseEvents(legacy.text)[0] : undefined;
      if (first?.event === 'endpoint') return done({ ...seen, kind: 'legacy-sse', detail: `endpoint ${first.data}` });
      if (post.status === 404) return done({ ...seen, kind: 'not-found' });
      return done({ ...seen, kind: 'http-status' });
    }
    if (post.status < 200 || post.status >= 300) return done({ ...seen, kind: 'http-status' });
    if (/^text\/html\b/i.test(post.contentType ?? '') || /^\s*<(!doctype|html)/i.test(post.text))
      return done({ ...seen, kind: 'html' });
    let reading: JsonRpcReading | null;
    if (isSse(post.contentType)) reading = readSseAnswer(post.text);
    else {
      try {
        reading = readInitializeAnswer(JSON.parse(post.text));
      } catch {
        reading = null;
      }
    }
    if (!reading) return done({ ...seen, kind: 'not-json', detail: 'no JSON-RPC answer in the body' });
    if (reading.kind === 'mcp') {
      const { protocolVersion, serverName, serverVersion } = reading;
      return done({ ...seen, kind: 'mcp', protocolVersion, serverName, serverVersion });
    }
    return done({ ...seen, kind: reading.kind, detail: reading.detail });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    let failure: FetchFailureKind = d.signal.aborted ? 'timeout' : classifyConnectError(cause);
    const code = (err as { code?: string }).code ?? '';
    if (failure === 'error' && /TIMEOUT/.test(code)) failure = 'timeout';
    if (failure === 'error' && code === 'UND_ERR_SOCKET') failure = 'reset';
    const detail =
      failure === 'error'
        ? `POST ${url}: ${(err as Error).message}`
        : describeConnectFailure(failure, `${hostText}:${target.port}`, cause);
    return done({ failure, detail: redact(detail) });
  } finally {
    d.dispose();
  }
}
