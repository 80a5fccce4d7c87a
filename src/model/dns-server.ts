// A --dns-server value: `ip`, `ip:port`, `[v6]` or `[v6]:port` (port 53 when none is given).
// Pure, so the doctor checks the flag before it loads anything that speaks DNS.

import { ipVersion } from './ip-policy.js';

/** Parse a DNS server into the form Resolver.setServers takes; null when it is not one. */
export function parseDnsServer(text: string): { address: string; port: number; forResolver: string } | null {
  const t = text.trim();
  let address: string;
  let port = 53;
  const bracket = /^\[(?<address>[^\]]+)\](?::(?<port>\d+))?$/.exec(t);
  const hostPort = /^(?<address>[^:]+):(?<port>\d+)$/.exec(t);
  if (bracket?.groups?.address !== undefined) {
    address = bracket.groups.address;
    if (bracket.groups.port) port = Number(bracket.groups.port);
  } else if (ipVersion(t) !== 0) {
    address = t;
  } else if (hostPort?.groups?.address !== undefined) {
    address = hostPort.groups.address;
    port = Number(hostPort.groups.port);
  } else {
    return null;
  }
  const version = ipVersion(address);
  if (version === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  const forResolver = version === 6 ? `[${address}]:${port}` : `${address}:${port}`;
  return { address, port, forResolver };
}
