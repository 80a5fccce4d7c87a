// HTTP GET with a deadline, a body limit and no redirects to other hosts (undici, loaded lazily),
// and the fetch of the OAuth well-known documents from the `auth` and `mcp` routes' upstreams.

import { isIP } from 'node:net';
import type { FetchedDocumentFacts, FetchFailureKind } from '../core/live-facts.js';
import { startDeadline } from './deadline.js';
import { guardedLookup, lookupRefusal } from './loopback-guard.js';
import { classifyConnectError, describeConnectFailure } from './tcp-connect.js';
import { parseYamlText } from '../model/yaml-document.js';
import { redact } from '../redaction/redact.js';

const MAX_DOCUMENT_BYTES = 256 * 1024;
const MAX_SAME_HOST_REDIRECTS = 3;

export interface HttpGetOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  parent?: AbortSignal;
  maxBytes?: number;
  /** Connect here instead of resolving the URL's host (the address the proxy would dial). */
  address?: string;
  /** Strings to blank out of any error message (an API key, for example). */
  secrets?: string[];
  /** Statuses outside 2xx whose body is an answer too (cloudflared's /ready says 503 with its JSON). */
  acceptStatuses?: readonly number[];
}

export type HttpGetResult =
  | { ok: true; url: string; status: number; contentType: string | null; body: Buffer; latencyMs: number }
  | {
      ok: false;
      url: string;
      failure: FetchFailureKind;
      detail: string;
      status: number | null;
      contentType: string | null;
      latencyMs: number;
    };

/** GET a URL; follows at most three redirects, and only to the same scheme, host and port. */
export async function httpGet(url: string, o: HttpGetOptions): Promise<HttpGetResult> {
  const d = startDeadline(o.timeoutMs, o.parent);
  const maxBytes = o.maxBytes ?? MAX_DOCUMENT_BYTES;
  let current = new URL(url);
  const origin = current.origin;
  const hostOnly = current.hostname.replace(/^\[|\]$/g, '');
  const dialHost = o.address ?? hostOnly;
  const refusal = lookupRefusal(dialHost);
  if (refusal) {
    d.dispose();
    return { ok: false, url, failure: 'guard', detail: refusal, status: null, contentType: null, latencyMs: 0 };
  }
  const { Agent, request } = await import('undici');
  const agent = new Agent({
    connect: {
      lookup: (o.address ? pinnedLookup(o.address) : guardedLookup) as never,
      timeout: Math.max(1, Math.floor(d.remaining())),
      servername: isIP(hostOnly) ? undefined : hostOnly,
    },
    connections: 1,
  });
  try {
    for (let hop = 0; ; hop++) {
      const res = await request(current, {
        method: 'GET',
        headers: { accept: 'application/json', ...o.headers },
        dispatcher: agent,
        signal: d.signal,
        headersTimeout: Math.max(1, Math.floor(d.remaining())),
        bodyTimeout: Math.max(1, Math.floor(d.remaining())),
      });
      const contentType = (res.headers['content-type'] as string | undefined) ?? null;
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        await res.body.dump();
        const next = new URL(String(res.headers.location), current);
        if (next.origin !== origin)
          return {
            ok: false,
            url: current.href,
            failure: 'redirect',
            detail: `${current.href} redirects (HTTP ${res.statusCode}) to another host: ${next.origin}; not followed`,
            status: res.statusCode,
            contentType,
            latencyMs: d.elapsed(),
          };
        if (hop >= MAX_SAME_HOST_REDIRECTS)
          return {
            ok: false,
            url: current.href,
            failure: 'redirect',
            detail: `more than ${MAX_SAME_HOST_REDIRECTS} redirects from ${url}`,
            status: res.statusCode,
            contentType,
            latencyMs: d.elapsed(),
          };
        current = next;
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.destroy();
          return {
            ok: false,
            url: current.href,
            failure: 'too-large',
            detail: `${current.href} sent more than ${maxBytes} bytes; stopped reading`,
            status: res.statusCode,
            contentType,
            latencyMs: d.elapsed(),
          };
        }
        chunks.push(chunk as Buffer);
      }
      const body = Buffer.concat(chunks);
      if ((res.statusCode < 200 || res.statusCode >= 300) && !o.acceptStatuses?.includes(res.statusCode))
        return {
          ok: false,
          url: current.href,
          failure: 'http-status',
          detail: `${current.href} answered HTTP ${res.statusCode}`,
          status: res.statusCode,
          contentType,
          latencyMs: d.elapsed(),
        };
      return { ok: true, url: current.href, status: res.statusCode, contentType, body, latencyMs: d.elapsed() };
    }
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    let kind = d.signal.aborted ? 'timeout' : classifyConnectError(cause);
    const code = (err as { code?: string }).code ?? '';
    if (kind === 'error' && /TIMEOUT/.test(code)) kind = 'timeout';
    if (kind === 'error' && code === 'UND_ERR_SOCKET') kind = 'reset';
    const detail =
      kind === 'error'
        ? `GET ${current.href}: ${(err as Error).message}`
        : describeConnectFailure(kind, current.host, cause);
    return {
      ok: false,
      url: current.href,
      failure: kind,
      detail: redact(detail, o.secrets),
      status: null,
      contentType: null,
      latencyMs: d.elapsed(),
    };
  } finally {
    d.dispose();
    agent.destroy().catch(() => undefined);
  }
}

/** A lookup that always answers `address` (already resolved and judged by the caller). */
function pinnedLookup(address: string) {
  const family = isIP(address);
  return (_host: string, opts: { all?: boolean } | ((...a: unknown[]) => void), cb?: (...a: unknown[]) => void) => {
    const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
    if (typeof opts === 'object' && opts?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

export interface MetadataTarget {
  route: string;
  scheme: string;
  host: string;
  port: number;
  /** The allowed IPv4 address to dial (the proxy's own choice), when the host is a name. */
  address?: string;
}

/** Fetch one well-known document from a route's upstream and parse it with positions. */
export async function fetchMetadataDocument(
  target: MetadataTarget,
  path: string,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<FetchedDocumentFacts> {
  const hostText = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  const url = `${target.scheme}://${hostText}:${target.port}${path}`;
  const r = await httpGet(url, { timeoutMs, parent, address: target.address });
  const common = {
    route: target.route,
    url: r.url,
    httpStatus: r.status,
    contentType: r.contentType,
    latencyMs: r.latencyMs,
  };
  if (!r.ok) return { ...common, ok: false, failure: r.failure, detail: r.detail, document: null };
  const text = r.body.toString('utf8');
  const document = parseYamlText(text, r.url);
  let json = true;
  try {
    JSON.parse(text);
  } catch {
    json = false;
  }
  if (!json) {
    return {
      ...common,
      ok: false,
      failure: 'not-json',
      detail: `${r.url} answered ${r.status} with a body that is not JSON (content-type ${r.contentType ?? 'none'})`,
      document: document.state === 'ok' ? document : null,
    };
  }
  return { ...common, ok: true, failure: null, detail: null, document };
}
