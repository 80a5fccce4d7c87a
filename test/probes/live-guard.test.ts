// The loopback-only guard and the pure parts of the live probes (no packet is sent here).
import { describe, expect, it } from 'vitest';
import { classifyDnsError, srvNameForRegion } from '../../src/probes/dns-resolver.js';
import { parseDnsServer } from '../../src/model/dns-server.js';
import { guardedLookup, guardRefusal, isLoopbackAddress, lookupRefusal } from '../../src/probes/loopback-guard.js';
import { parseEdge } from '../../src/probes/live.js';
import {
  buildProbePacket,
  GREASE_VERSION,
  parseVersionNegotiation,
} from '../../src/probes/quic-version-negotiation.js';
import { classifyVerifyError, parseProxyUrl } from '../../src/probes/websocket-tls.js';
import { parseCertificateList } from '../../src/probes/ca-registration-api.js';
import { present } from '../helpers/present.js';

describe('loopback-only guard', () => {
  it('allows only 127.0.0.0/8, ::1 and localhost when MCP_TUNNEL_LOOPBACK_ONLY=1', () => {
    const before = process.env.MCP_TUNNEL_LOOPBACK_ONLY;
    process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
    try {
      for (const a of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost']) expect(guardRefusal(a), a).toBeNull();
      for (const a of ['198.41.192.7', '10.0.0.1', '2606:4700:a0::1', '0.0.0.0', 'region1.v2.argotunnel.com'])
        expect(guardRefusal(a), a).toMatch(/^refused by loopback-only guard/);
      process.env.MCP_TUNNEL_LOOPBACK_ONLY = '0';
      expect(guardRefusal('198.41.192.7')).toBeNull();
    } finally {
      process.env.MCP_TUNNEL_LOOPBACK_ONLY = before;
    }
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('128.0.0.1')).toBe(false);
  });
});

describe('loopback-only guard before resolution', () => {
  const lookup = (name: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      guardedLookup(name, { all } as never, (err, address) => resolve({ err, address })),
    );

  it('refuses a name before any lookup; answers loopback names and addresses without one', async () => {
    expect(process.env.MCP_TUNNEL_LOOPBACK_ONLY).toBe('1');
    for (const name of ['api.anthropic.com', 'region1.v2.argotunnel.com', 'localhost.example.com', '10.0.0.1']) {
      expect(lookupRefusal(name), name).toMatch(/^refused by loopback-only guard/);
      const r = await lookup(name, false);
      expect(r.err?.code, name).toBe('ELOOPBACKGUARD');
    }
    for (const name of ['localhost', 'LOCALHOST.', 'proxy.localhost', '127.0.0.2', '::1'])
      expect(lookupRefusal(name), name).toBeNull();
    expect((await lookup('localhost', true)).address).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect((await lookup('127.0.0.2', false)).address).toBe('127.0.0.2');
  });
});

describe('probe parsing', () => {
  it('names the SRV record per region', () => {
    expect(srvNameForRegion('global')).toBe('_v2-origintunneld._tcp.argotunnel.com');
    expect(srvNameForRegion('us')).toBe('_us-v2-origintunneld._tcp.argotunnel.com');
    expect(srvNameForRegion('fed')).toBe('_fed-v2-origintunneld._tcp.argotunnel.com');
  });

  it('parses --dns-server, --edge and --proxy', () => {
    expect(parseDnsServer('127.0.0.1:5353')?.forResolver).toBe('127.0.0.1:5353');
    expect(parseDnsServer('[::1]:53')?.forResolver).toBe('[::1]:53');
    expect(parseDnsServer('10.0.0.1')?.port).toBe(53);
    expect(parseDnsServer('dns.example')).toBeNull();
    expect(parseEdge('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 7844 });
    expect(parseEdge('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    // A probe returns a typed failure; the CLI names the flag (see doctor-cli's --edge test).
    expect(parseEdge('a:b:c')).toEqual({ problem: expect.stringMatching(/expected host:port/) });
    expect(parseEdge('127.0.0.1:70000')).toEqual({ problem: 'invalid port' });
    expect(parseProxyUrl('ws://127.0.0.1:8080/tunnel?x=1')).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      path: '/tunnel?x=1',
    });
    expect(parseProxyUrl('https://x:1')).toBeNull();
  });

  it('classifies resolver and verification errors', () => {
    expect(classifyDnsError({ code: 'ENOTFOUND' })).toBe('nxdomain');
    expect(classifyDnsError({ code: 'ESERVFAIL' })).toBe('servfail');
    expect(classifyDnsError({ code: 'ENODATA' })).toBe('nodata');
    expect(classifyVerifyError('CERT_HAS_EXPIRED')).toBe('expired');
    expect(classifyVerifyError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe('unknown-ca');
    expect(classifyVerifyError('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('san-mismatch');
    expect(classifyVerifyError('INVALID_PURPOSE')).toBe('wrong-key-usage');
  });

  it('builds a 1200-byte greasing Initial and parses only a Version Negotiation that echoes its IDs', () => {
    const p = buildProbePacket();
    expect(p.bytes.length).toBe(1200);
    expect(present(p.bytes[0]) & 0xc0).toBe(0xc0);
    expect(p.bytes.readUInt32BE(1)).toBe(GREASE_VERSION);
    const vn = Buffer.concat([
      Buffer.from([0x80, 0, 0, 0, 0, p.scid.length]),
      p.scid,
      Buffer.from([p.dcid.length]),
      p.dcid,
      Buffer.from([0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf]),
    ]);
    expect(parseVersionNegotiation(vn, p)).toEqual({ ok: true, versions: [1, 0x6b3343cf] });
    const wrongIds = Buffer.concat([
      Buffer.from([0x80, 0, 0, 0, 0, p.dcid.length]),
      p.dcid,
      Buffer.from([p.scid.length]),
      p.scid,
      Buffer.from([0, 0, 0, 1]),
    ]);
    expect(parseVersionNegotiation(wrongIds, p).ok).toBe(false);
    expect(parseVersionNegotiation(Buffer.from([0x40, 1, 2, 3, 4, 5, 6, 7]), p).ok).toBe(false);
  });

  it('reads the vendor API certificate list', () => {
    const list = parseCertificateList(
      {
        data: [
          { id: 'a', fingerprint: 'AA:BB', archived_at: null, expires_at: '2020-01-01T00:00:00Z' },
          { id: 'b', fingerprint: 'cc', archived_at: null, expires_at: null },
        ],
      },
      '2026-01-01T00:00:00Z',
    );
    expect(list).toEqual([
      expect.objectContaining({ id: 'a', fingerprint: 'aabb', active: false }),
      expect.objectContaining({ id: 'b', fingerprint: 'cc', active: true }),
    ]);
    expect(parseCertificateList({ nope: 1 }, '2026-01-01T00:00:00Z')).toBeNull();
  });
});
