// Caddy as the edge stand-in: an HTTPS server with HTTP/3 on one loopback port, so TCP carries
// TLS (server name h2.cftunnel.com) and UDP carries QUIC, which answers version negotiation.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeQuicVersionNegotiation } from '../../src/probes/quic-version-negotiation.js';
import { labDir } from './certs.js';
import { freePort, startProcess, tcpOpen, waitUntil, type LabProcess } from './processes.js';

export interface CaddyEdge {
  host: string;
  port: number;
  process: LabProcess;
  stop(): Promise<void>;
}

/** With `ipv6`, Caddy also listens on [::1] at the same port (for AAAA answers). */
export async function startCaddyEdge(o: {
  certFile: string;
  keyFile: string;
  port?: number;
  host?: string;
  ipv6?: boolean;
}): Promise<CaddyEdge> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort());
  const dir = labDir('caddy');
  const config = {
    admin: { disabled: true },
    logging: { logs: { default: { level: 'ERROR' } } },
    storage: { module: 'file_system', root: join(dir, 'data') },
    apps: {
      http: {
        servers: {
          edge: {
            listen: o.ipv6 ? [`${host}:${port}`, `[::1]:${port}`] : [`${host}:${port}`],
            protocols: ['h1', 'h2', 'h3'],
            routes: [{ handle: [{ handler: 'static_response', body: 'edge stand-in' }] }],
            tls_connection_policies: [{}],
            automatic_https: { disable: true },
          },
        },
      },
      tls: { certificates: { load_files: [{ certificate: o.certFile, key: o.keyFile }] } },
    },
  };
  const file = join(dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config));
  const p = startProcess('caddy', 'caddy', ['run', '--config', file], {
    ...process.env,
    HOME: dir,
    XDG_DATA_HOME: dir,
    XDG_CONFIG_HOME: dir,
  });
  // Ready when TCP accepts and the HTTP/3 listener answers version negotiation.
  await waitUntil(
    p,
    async () => (await tcpOpen(port, host)) && (await probeQuicVersionNegotiation(host, port, 300)).ok,
    10000,
  );
  return { host, port, process: p, stop: () => p.stop() };
}
