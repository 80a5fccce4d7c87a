// A reference proxy: the listener shape the doctor assumes for the vendor's proxy (which is not
// public). A plaintext WebSocket server; each connection's binary messages feed a tls.TLSSocket
// in server mode, which serves the certificate chosen by SNI (or a default). After the
// handshake it answers one HTTP request inside the TLS with the route it was reached for.

import http from 'node:http';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer } from './processes.js';

export interface ServedCert {
  certPem: string;
  keyPem: string;
}

export interface ReferenceProxy {
  port: number;
  url: string;
  /** SNI values and Host headers seen, for assertions. */
  seen: { host: string | undefined; sni: string | null }[];
  close(): Promise<void>;
}

function wsStream(ws: WebSocket): Duplex {
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
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
  ws.on('message', (data: Buffer) => d.push(Buffer.from(data)));
  ws.on('close', () => d.push(null));
  ws.on('error', () => d.destroy());
  return d;
}

export async function startReferenceProxy(o: {
  defaultCert: ServedCert;
  certsBySni?: Record<string, ServedCert>;
  path?: string;
  /** Where to listen (host '' = every address); default 127.0.0.1 on a free port. */
  listen?: { host: string; port: number };
}): Promise<ReferenceProxy> {
  const seen: ReferenceProxy['seen'] = [];
  const contexts = new Map<string, tls.SecureContext>();
  for (const [sni, c] of Object.entries(o.certsBySni ?? {}))
    contexts.set(sni, tls.createSecureContext({ cert: c.certPem, key: c.keyPem }));
  const defaultContext = tls.createSecureContext({ cert: o.defaultCert.certPem, key: o.defaultCert.keyPem });
  const server = http.createServer((_req, res) =>
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required'),
  );
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server, path: o.path ?? '/', perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const entry = { host: req.headers.host, sni: null as string | null };
    seen.push(entry);
    const secure = new tls.TLSSocket(wsStream(ws), {
      isServer: true,
      secureContext: defaultContext,
      SNICallback: (name, cb) => {
        entry.sni = name;
        cb(null, contexts.get(name) ?? defaultContext);
      },
    });
    secure.on('error', () => ws.terminate());
    secure.on('data', () => {
      secure.end(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const { host, port } = o.listen ?? { host: '127.0.0.1', port: 0 };
    if (host === '') server.listen(port, () => resolve());
    else server.listen(port, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}${o.path ?? '/'}`,
    seen,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await closeServer(server, sockets);
    },
  };
}
