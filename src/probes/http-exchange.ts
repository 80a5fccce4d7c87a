// One HTTP request to a route's upstream, as the proxy forwards it: dialled at the address the
// proxy would use, with the public Host header, no redirect followed, read under the caller's
// deadline up to a byte cap, and stopped early once the caller has what it needs (an SSE stream
// may stay open). node:http, not undici: a request here leaves no socket behind to hold the
// process open after the run, and the MCP and discovery probes are on every live run's path.

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Deadline } from './deadline.js';
import { lookupRefusal } from './loopback-guard.js';

export interface Exchange {
  status: number;
  contentType: string | null;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body went past the cap; `text` holds what came before it. */
  tooLarge: boolean;
}

export interface ExchangeRequest {
  /** The upstream URL (scheme, host, port, path). */
  url: string;
  /** Dial this address instead of the URL's host (already judged by the IP policy and the guard). */
  address?: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  maxBytes: number;
  /** Stop reading once this says so. */
  enough?: (text: string, contentType: string | null) => boolean;
}

/**
 * Send the request; rejects with the socket's error (the caller types it), on the deadline, or at
 * once when the loopback-only guard forbids the destination.
 */
export function httpExchange(r: ExchangeRequest, d: Deadline): Promise<Exchange> {
  const url = new URL(r.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const client = url.protocol === 'https:' ? https : http;
  const refusal = lookupRefusal(r.address ?? host);
  if (refusal) return Promise.reject(new Error(refusal));
  return new Promise<Exchange>((resolve, reject) => {
    const req = client.request(
      {
        host: r.address ?? host,
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: r.method,
        headers: r.headers,
        agent: false,
        servername: isIP(host) ? undefined : host,
        signal: d.signal,
        timeout: Math.max(1, Math.floor(d.remaining())),
      },
      (res) => {
        const contentType = res.headers['content-type'] ?? null;
        let text = '';
        let size = 0;
        const finish = (tooLarge: boolean) => {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, contentType, headers: res.headers, text, tooLarge });
        };
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > r.maxBytes) return finish(true);
          text += chunk.toString('utf8');
          if (r.enough?.(text, contentType)) finish(false);
        });
        res.on('end', () => finish(false));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(r.body);
  });
}
