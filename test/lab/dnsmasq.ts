// dnsmasq as the lab's DNS server, on a loopback port, reached through --dns-server. Records:
// SRV (srv-host), A/AAAA (host-record), names that do not exist (local=/domain/ answers
// NXDOMAIN for unknown names and an empty answer for known names of another type), names that
// SERVFAIL (forwarded to an upstream that answers SERVFAIL, relayed by dnsmasq) and names that
// time out (forwarded to a loopback port where nothing answers).

import dgram from 'node:dgram';
import { freePort, startProcess, waitUntil, type LabProcess } from './processes.js';
import { Resolver } from 'node:dns/promises';

export interface DnsmasqConfig {
  srv?: { name: string; target: string; port: number; priority: number }[];
  hosts?: { name: string; addresses: string[] }[];
  /** Domains served only from the records above: unknown names are NXDOMAIN. */
  local?: string[];
  /** Domains whose queries are answered SERVFAIL. */
  servfail?: string[];
  /** Domains whose queries get no answer at all. */
  blackhole?: string[];
}

export interface LabDns {
  /** For --dns-server. */
  server: string;
  port: number;
  process: LabProcess;
  stop(): Promise<void>;
}

/** A minimal upstream that answers every query with SERVFAIL (what a broken resolver does). */
async function startServfailUpstream(): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    const answer = Buffer.from(msg);
    answer[2] = 0x80 | ((msg[2] ?? 0) & 0x79); // QR=1, keep opcode and RD
    answer[3] = 0x80 | 0x02; // RA=1, RCODE=2 (SERVFAIL)
    socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, close: () => new Promise((r) => socket.close(() => r())) };
}

export async function startDnsmasq(config: DnsmasqConfig): Promise<LabDns> {
  const port = await freePort();
  const args = [
    '--no-daemon',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--cache-size=0',
  ];
  // As root dnsmasq would switch to the user "dnsmasq", which dnsmasq-base does not create.
  if (process.getuid?.() === 0) args.push('--user=root');
  for (const s of config.srv ?? []) args.push(`--srv-host=${s.name},${s.target},${s.port},${s.priority}`);
  for (const h of config.hosts ?? []) args.push(`--host-record=${h.name},${h.addresses.join(',')}`);
  for (const d of config.local ?? []) args.push(`--local=/${d}/`);
  let upstream: Awaited<ReturnType<typeof startServfailUpstream>> | null = null;
  if (config.servfail?.length) {
    upstream = await startServfailUpstream();
    for (const d of config.servfail) args.push(`--server=/${d}/127.0.0.1#${upstream.port}`);
  }
  if (config.blackhole?.length) {
    const dead = await freePort(); // nothing listens: dnsmasq waits for an answer that never comes
    for (const d of config.blackhole) args.push(`--server=/${d}/127.0.0.1#${dead}`);
  }
  const p = startProcess('dnsmasq', 'dnsmasq', args);
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([`127.0.0.1:${port}`]);
  await waitUntil(
    p,
    async () => {
      try {
        await probe.resolve4('ready.lab.invalid');
        return true;
      } catch (err) {
        // Any DNS answer (REFUSED, NXDOMAIN) proves dnsmasq is serving; a timeout does not.
        return (err as { code?: string }).code !== 'ETIMEOUT' && (err as { code?: string }).code !== 'ECONNREFUSED';
      }
    },
    10000,
  );
  return {
    server: `127.0.0.1:${port}`,
    port,
    process: p,
    stop: async () => {
      await p.stop();
      await upstream?.close();
    },
  };
}
