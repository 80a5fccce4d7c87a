import { describe, expect, it } from 'vitest';
import { CATALOG, findCatalogEntry } from '../../src/catalog/catalog.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_LEVEL_MARKERS, SIGNATURES, prefilterFragments } from '../../src/catalog/signatures.js';
import { analyze, signaturesOf } from './helpers.js';
import { first } from '../helpers/present.js';

const TS = '2026-03-02T08:00:06Z';

/** Sample lines for every signature, as users paste them: each must map to exactly that signature. */
const SAMPLES: Record<string, string[]> = {
  'request-canceled': [
    `${TS} ERR  error="Incoming request ended abruptly: context canceled" connIndex=1 event=1 ingressRule=0 originService=http://localhost:8080`,
    `${TS} ERR Failed to serve tunnel connection error="context canceled" connIndex=2 event=0 ip=198.41.200.13`,
    '{"time":"2026-03-02T12:00:00Z","level":"ERROR","msg":"upstream request failed","route":"wiki","error":"context canceled"}',
    `${TS} ERR  error="stream 13 canceled by remote with error code 0" connIndex=0 event=1 ingressRule=0 originService=http://localhost:8080`,
  ],
  'udp-receive-buffer': [
    '2026/03/02 08:00:01 failed to sufficiently increase receive buffer size (was: 208 kiB, wanted: 7168 kiB, got: 416 kiB). See https://github.com/quic-go/quic-go/wiki/UDP-Buffer-Sizes for details.',
    'cloudflared-1  | 2024/05/01 10:00:00 failed to sufficiently increase receive buffer size (was: 208 kiB, wanted: 2048 kiB, got: 416 kiB).',
  ],
  'icmp-proxy-disabled': [
    `${TS} WRN ICMP proxy feature is disabled error="cannot create ICMPv4 proxy: Group ID 65532 is not between ping group 1 to 0 nor ICMPv6 proxy: socket: permission denied"`,
    `${TS} WRN The user running cloudflared process has a GID (group ID) that is not within ping_group_range. You might need to add that user to a group within that range error="Group ID 0 is not between ping group 1 to 0"`,
  ],
  'update-check-failed': [
    `${TS} ERR update check failed error="Get https://update.argotunnel.com/?arch=amd64: dial tcp: lookup update.argotunnel.com on 127.0.0.11:53: no such host"`,
    `${TS} WRN Cannot determine default configuration path. No file [config.yml config.yaml] in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]`,
  ],
  'curl-wrong-version-number': [
    'curl: (35) OpenSSL/3.0.13: error:0A00010B:SSL routines::wrong version number',
    'curl: (35) error:1408F10B:SSL routines:ssl3_get_record:wrong version number',
  ],
  'token-not-valid': [`${TS} ERR Provided Tunnel token is not valid.`, 'Provided Tunnel token is not valid.'],
  'token-file-unreadable': [`${TS} ERR Failed to read token file: open /etc/cloudflared/token: permission denied`],
  'token-missing': [
    '"cloudflared tunnel run" requires the ID or name of the tunnel to run as the last command line argument or in the configuration file.',
  ],
  'edge-unauthorized': [
    `${TS} ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13`,
    `${TS} ERR Couldn't start tunnel error="Unauthorized: Failed to get tunnel"`,
    '{"level":"error","error":"Unauthorized: Account doesn\'t have tunnel","message":"Register tunnel error from server side","time":"2026-03-02T08:00:00Z"}',
  ],
  'credentials-file-missing': [
    `${TS} ERR Cannot determine default origin certificate path. No file cert.pem in [~/.cloudflared ~/.cloudflare-warp /etc/cloudflared]`,
    "Tunnel credentials file '/etc/cloudflared/abc.json' doesn't exist or is not a file",
  ],
  'txt-lookup-failed': [
    `${TS} WRN Failed to fetch features, default to disable error="lookup cfd-features.argotunnel.com on 127.0.0.11:53: server misbehaving"`,
    `${TS} WRN Unable to lookup protocol percentage.`,
    `${TS} WRN Unable to lookup protocol. Defaulting to http2 error="lookup protocol-v2.argotunnel.com on 127.0.0.11:53: server misbehaving"`,
  ],
  'srv-lookup-failed': [
    `${TS} ERR edge discovery: error looking up Cloudflare edge IPs: the DNS query failed error="lookup _v2-origintunneld._tcp.argotunnel.com on 127.0.0.11:53: dial udp 127.0.0.11:53: connect: network is unreachable"`,
    `${TS} ERR Could not lookup srv records on _v2-origintunneld._tcp.argotunnel.com error="lookup ... i/o timeout"`,
    `${TS} ERR Couldn't resolve SRV record`,
  ],
  'region-host-lookup-failed': [
    `${TS} ERR Failed to resolve edge error="lookup region1.v2.argotunnel.com on 10.96.0.10:53: no such host"`,
  ],
  'fewer-ha-connections': [`${TS} WRN You requested 4 HA connections but I can give you at most 2.`],
  'precheck-dns-fail': [
    'DNS Resolution     region1.v2.argotunnel.com       FAIL    lookup timed out',
    '{"component":"DNS Resolution","details":"timeout","level":"error","message":"precheck","status":"FAIL","target":"region1.v2.argotunnel.com","time":"2026-03-02T08:00:00Z"}',
  ],
  'no-edge-addresses': [`${TS} ERR Initiating shutdown error="there are no free edge addresses left to resolve to"`],
  'quic-udp-not-permitted': [
    `${TS} ERR Serve tunnel error error="failed to dial to edge: INTERNAL_ERROR: write udp 0.0.0.0:46926->198.41.192.227:7844: sendto: operation not permitted" connIndex=1`,
    `${TS} ERR Failed to dial a quic connection error="failed to dial to edge with quic: sendmsg: operation not permitted" connIndex=0 event=0 ip=198.41.192.7`,
  ],
  'quic-handshake-rejected': [
    `${TS} ERR Failed to dial a quic connection error="failed to dial to edge with quic: CRYPTO_ERROR 0x178 (remote): tls: no application protocol" connIndex=0 event=0 ip=198.41.192.7`,
  ],
  'quic-udp-io-error': [
    `${TS} ERR Serve tunnel error error="failed to dial to edge: INTERNAL_ERROR: write udp [::]:62100->198.41.200.233:7844: wsasendto: A message sent on a datagram socket was larger than the internal message buffer" connIndex=0`,
    `${TS} WRN Connection terminated error="write udp 0.0.0.0:51820->198.41.192.7:7844: sendmsg: message too long" connIndex=2`,
  ],
  'quic-dial-timeout': [
    `${TS} ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=0 event=0 ip=198.41.192.167`,
    `${TS} ERR Serve tunnel error error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=0 event=0 ip=198.41.192.7`,
    `${TS} ERR Failed to create new quic connection error="failed to dial to edge: timeout: no recent network activity" connIndex=0`,
    '{"connIndex":0,"error":"failed to dial to edge with quic: timeout: no recent network activity","event":0,"ip":"198.41.192.7","level":"error","message":"Failed to dial a quic connection","time":"2026-03-02T08:00:00Z"}',
  ],
  'quic-handshake-timeout': [
    `${TS} ERR Failed to create new quic connection error="failed to dial to edge: timeout: handshake did not complete in time" connIndex=0`,
  ],
  'quic-idle-timeout': [
    `${TS} ERR Failed to serve quic connection error="timeout: no recent network activity" connIndex=1 event=0 ip=198.41.200.13`,
    `${TS} ERR Serve tunnel error error="timeout: no recent network activity" connIndex=1`,
  ],
  'edge-connection-broke': [
    `${TS} ERR failed to serve tunnel connection error="accept stream listener encountered a failure while serving" connIndex=0 event=0 ip=198.41.192.27`,
    `${TS} ERR Serve tunnel error error="control stream encountered a failure while serving" connIndex=2 event=0 ip=198.41.200.13`,
    '{"level":"error","connIndex":1,"event":0,"ip":"198.41.192.7","error":"datagram manager encountered a failure while serving","time":"2026-03-02T08:00:00Z","message":"Serve tunnel error"}',
  ],
  'quic-fallback-http2': [
    `${TS} INF Switching to fallback protocol http2 connIndex=0 event=0 ip=198.41.192.7`,
    `${TS} WRN If this log occurs persistently, and cloudflared is unable to connect to Cloudflare Network with \`quic\` protocol, then most likely your machine/network is getting its egress UDP to port 7844 (or others) blocked or dropped.`,
  ],
  'precheck-udp-fail': [
    'UDP Connectivity   198.41.192.7:7844               FAIL    no QUIC response within 5s',
    `${TS} ERR precheck component="UDP Connectivity" status=FAIL target=198.41.192.7:7844 details="timeout"`,
  ],
  'edge-tls-handshake': [
    `${TS} ERR Unable to establish connection with Cloudflare edge error="TLS handshake with edge error: EOF" connIndex=0`,
    `${TS} ERR Serve tunnel error error="TLS handshake with edge error: read tcp 10.0.0.4:51822->198.41.200.13:7844: read: connection reset by peer"`,
  ],
  'edge-tls-intercepted': [
    `${TS} ERR Serve tunnel error error="tls: failed to verify certificate: x509: certificate signed by unknown authority" connIndex=0 event=0 ip=198.41.192.7`,
  ],
  'edge-tcp-dial': [
    `${TS} ERR Unable to establish connection with Cloudflare edge error="DialContext error: dial tcp 198.41.200.193:7844: i/o timeout" connIndex=0 event=0 ip=198.41.200.193`,
    `${TS} ERR Serve tunnel error error="DialContext error: dial tcp 198.41.192.7:7844: connect: connection refused" connIndex=0`,
    `${TS} ERR Serve tunnel error error="DialContext error: dial tcp xxx.xxx.xxx.xxx:7844: i/o timeout" connIndex=0`,
  ],
  'precheck-tcp-fail': ['TCP Connectivity   198.41.192.7:7844               FAIL    connection refused'],
  'precheck-api-fail': ['Cloudflare API     api.cloudflare.com:443          FAIL    i/o timeout'],
  'precheck-advice-udp': [
    'ERROR: UDP port 7844 to the Cloudflare edge appears blocked; cloudflared will use HTTP/2 over TCP instead.',
  ],
  'precheck-advice-tcp': [
    'ERROR: TCP port 7844 to the Cloudflare edge is blocked; cloudflared cannot fall back to HTTP/2.',
  ],
  'precheck-advice-dns': ['WARNING: DNS resolution of the edge hosts failed; check the resolver.'],
  'no-ingress-rules': [
    `${TS} WRN No ingress rules were defined in provided config (if any) nor from the cli, cloudflared will return 503 for all incoming HTTP requests`,
  ],
  'origin-https-to-plaintext': [
    `${TS} ERR  error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: tls: first record does not look like a TLS handshake" cfRay=8f0a-AMS event=1 ingressRule=0 originService=https://localhost:8080`,
    `${TS} ERR  error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: x509: certificate signed by unknown authority" cfRay=8f0b-AMS event=1 ingressRule=0 originService=https://localhost:8080`,
    '{"level":"error","cfRay":"8f0c-AMS","ingressRule":0,"originService":"https://localhost:8080","error":"tls: first record does not look like a TLS handshake","time":"2026-03-02T08:00:00Z"}',
  ],
  'origin-unreachable': [
    `${TS} ERR  error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: dial tcp [::1]:8080: connect: connection refused" cfRay=8f0a-AMS event=1 ingressRule=0 originService=http://localhost:8080`,
    `${TS} ERR Request failed error="Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: dial tcp 127.0.0.1:8080: connect: connection refused" connIndex=1`,
  ],
  'origin-dial-error': [
    `${TS} ERR  error="dial tcp 127.0.0.1:8080: connect: connection refused" cfRay=8f0a-AMS event=1 ingressRule=0 originService=http://localhost:8080`,
    `${TS} ERR HTTP request error error="dial tcp [::1]:8080: connect: connection refused" connIndex=1`,
  ],
  'tls-unknown-ca': [
    '{"time":"2026-03-02T12:04:00Z","level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: unknown certificate authority"}',
    'time=2026-03-02T12:04:00Z level=ERROR msg="tls handshake failed" err="remote error: tls: unknown certificate authority"',
  ],
  'tls-expired-certificate': [
    '{"level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: expired certificate"}',
  ],
  'tls-bad-certificate': [
    'time=2026-03-02T15:03:00Z level=ERROR msg="tls handshake failed" err="remote error: tls: bad certificate"',
    '2026/03/02 15:03:00 tls handshake failed: remote error: tls: bad certificate',
  ],
  'key-unreadable': [
    '2026/03/02 13:05:00 failed to load TLS key pair: open /data/tls.key: permission denied',
    'Error: open /data/tls.key: permission denied',
    '{"level":"ERROR","msg":"load certificate","error":"open /data/tls.key: no such file or directory"}',
  ],
  'key-invalid': [
    '2026/03/02 13:05:00 tls: private key does not match public key',
    'tls: failed to find any PEM data in key input',
  ],
  'certificate-unreadable': [
    '2026/03/02 13:05:00 open /data/tls.crt: permission denied',
    'tls: failed to find any PEM data in certificate input',
  ],
  'tls-handshake-failed': [
    '{"time":"2026-03-02T12:04:00Z","level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: handshake failure"}',
    '2026/03/02 12:04:00 tls handshake failed: EOF',
  ],
  'routes-as-list': [
    'mcp-gateway_1  |   line 9: cannot unmarshal !!seq into map[string]string',
    'Error: yaml: unmarshal errors: line 12: cannot unmarshal !!seq into map[string]string',
  ],
  'invalid-upstream': [
    '2026/03/02 13:06:00 invalid upstream (must be scheme://host:port): route "tickets": "http://tickets.internal:8080/api"',
  ],
  'config-yaml-error': [
    '2026/03/02 13:00:00 failed to load config: yaml: line 7: mapping values are not allowed in this context',
  ],
  'config-unreadable': ['2026/03/02 13:00:00 open /etc/mcp-gateway/config.yaml: no such file or directory'],
  'no-route-for-host': [
    '{"time":"2026-03-02T12:02:00Z","level":"WARN","msg":"no route for host","host":"docs.abcd1234.tunnel.example.com"}',
    '502 No route configured for host',
    'time=2026-03-02T12:02:00Z level=WARN msg="no route for host" host=docs.abcd1234.tunnel.example.com',
  ],
  'ip-validation-failed': [
    '{"time":"2026-03-02T12:01:11Z","level":"ERROR","msg":"IP validation failed: 34.117.59.81 is not a private address","route":"search"}',
    '2026/03/02 12:01:11 upstream wiki: IP validation failed: 100.64.12.7 is not a private address',
  ],
  'invalid-allowed-ips': ['2026/03/02 13:00:00 invalid allowed_ips entry: invalid CIDR address: 10.0.0.0/33'],
  'upstream-unknown-authority': [
    '{"level":"ERROR","msg":"upstream request failed","route":"docs","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority"}',
    '{"level":"ERROR","msg":"upstream request failed","error":"http: server gave HTTP response to HTTPS client"}',
  ],
  'upstream-dial-failed': [
    '{"time":"2026-03-02T12:03:00Z","level":"ERROR","msg":"upstream request failed","route":"auth","error":"dial tcp 10.0.2.20:9090: connect: connection refused"}',
    'time=2026-03-02T15:04:00Z level=ERROR msg="upstream request failed" route=wiki err="dial tcp: lookup wiki.mcp.svc.cluster.local on 10.96.0.10:53: no such host"',
  ],
  'tunnel-quota': [
    'Error: create tunnel: 400 Bad Request: Organization already has the maximum of 10 non-archived Tunnels',
  ],
  'exchange-refused': [
    'Error: token exchange failed: 400 Bad Request: {"error":"invalid_grant","error_description":"subject does not match"}',
    'Error: token exchange failed: 401 Unauthorized: {"type":"error","error":{"type":"authentication_error","message":"Authentication failed"}}',
  ],
  'tunnels-api-forbidden': [
    'Error: create tunnel: 403 Forbidden: {"type":"error","error":{"type":"permission_error","message":"not allowed"}}',
  ],
  'setup-job-left-behind': [
    'Error: INSTALLATION FAILED: failed pre-install: warning: Hook pre-install mcp-tunnel/templates/setup-job.yaml failed: jobs.batch "mcp-tunnel-setup" already exists',
    'Error: INSTALLATION FAILED: failed pre-install: 1 error occurred: * job mcp-tunnel-setup failed: BackoffLimitExceeded',
    'Error: INSTALLATION FAILED: failed pre-install: timed out waiting for the condition',
  ],
  reconnecting: [
    `${TS} INF Retrying connection in up to 2s connIndex=0 event=0 ip=198.41.192.7`,
    `${TS} INF Unregistered tunnel connection connIndex=0 event=0 ip=198.41.192.7`,
    `${TS} ERR Failed to serve tunnel connection error="Application error 0x0 (remote)" connIndex=3 event=0 ip=198.41.200.33`,
  ],
  'connector-stopped': [`${TS} INF Initiating shutdown`, `${TS} INF Tunnel server stopped`],
  'connection-registered': [
    `${TS} INF Registered tunnel connection connIndex=0 connection=0c5e1a4e-2f0b-4d3a-9b1c-7d6e5f4a3b2c event=0 ip=198.41.192.7 location=ams01 protocol=quic`,
    `${TS} INF Connection 0c5e1a4e-2f0b-4d3a-9b1c-7d6e5f4a3b2c registered connIndex=0 ip=198.41.192.7 location=LAX`,
  ],
  'route-configured': [
    '{"time":"2026-03-02T12:00:00Z","level":"INFO","msg":"route configured","route":"wiki","upstream":"http://10.0.2.14:8080"}',
  ],
  'precheck-pass-dns': ['DNS Resolution     region1.v2.argotunnel.com       PASS    resolved 10 addresses'],
  'precheck-pass-udp': ['UDP Connectivity   198.41.192.7:7844               PASS    QUIC answered'],
  'precheck-pass-tcp': ['TCP Connectivity   198.41.192.7:7844               PASS    TLS handshake completed in 38ms'],
  'precheck-pass-cloudflare': ['Cloudflare API     api.cloudflare.com:443          PASS    HTTP 200'],
};

/** A sample line of a signature (the test above holds that every signature has one). */
const sample = (name: string, i = 0): string => SAMPLES[name]?.[i] ?? '';

const ENVELOPES: [string, (l: string) => string][] = [
  ['as is', (l) => l],
  ['Compose v2', (l) => `cloudflared-1  | ${l}`],
  ['Compose v1', (l) => `mcp-gateway_1  | ${l}`],
  [
    'kubectl --prefix --timestamps',
    (l) => `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/proxy] 2026-03-02T08:00:06.123456789Z ${l}`,
  ],
  ['journald', (l) => `Mar 02 14:00:31 gw01 cloudflared[812]: ${l}`],
  ['stderr: ', (l) => `stderr: ${l}`],
];

describe('the signatures', () => {
  it('are data: the matcher names none of them and the catalog does not import the log parser', () => {
    const src = join(import.meta.dirname, '..', '..', 'src');
    const matcher = readFileSync(join(src, 'logs', 'matcher.ts'), 'utf8');
    for (const s of SIGNATURES) expect(matcher.includes(s.name), s.name).toBe(false);
    const catalog = readFileSync(join(src, 'catalog', 'signatures.ts'), 'utf8');
    expect(catalog).not.toMatch(/from '\.\.\/logs\//);
  });

  it('have unique names, known catalog IDs and the severity their kind implies', () => {
    const names = new Set<string>();
    for (const s of SIGNATURES) {
      expect(names.has(s.name), s.name).toBe(false);
      names.add(s.name);
      expect(s.name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      if (s.kind === 'problem') expect(s.id, s.name).toBeDefined();
      if (s.id) expect(findCatalogEntry(s.id), `${s.name} -> ${s.id}`).toBeDefined();
      if (s.kind !== 'problem') expect(s.severity, s.name).toBe('info');
      expect(s.anyOf.length, s.name).toBeGreaterThan(0);
    }
  });

  it('use fragments the byte prefilter can find in any format (no newline, nothing JSON escapes)', () => {
    for (const s of SIGNATURES) {
      for (const f of [...s.anyOf, ...(s.allOf ?? [])]) {
        expect(f.length, `${s.name}: ${f}`).toBeGreaterThanOrEqual(5);
        expect(f, s.name).not.toMatch(/["\\\n<>&]/);
      }
    }
    for (const f of prefilterFragments()) expect(f.length).toBeGreaterThanOrEqual(5);
    expect(prefilterFragments()).toEqual(expect.arrayContaining([' ERR ', 'level=error']));
    expect(ERROR_LEVEL_MARKERS.length).toBeGreaterThan(5);
  });

  it('cover every catalog ID that has log evidence', () => {
    const withLogs = [
      'tunnel-token',
      'edge-dns',
      'edge-tcp',
      'edge-udp',
      'udp-receive-buffer',
      'cloudflared-ingress',
      'proxy-unreachable',
      'ca-registration',
      'server-certificate',
      'certificate-expiry',
      'private-key',
      'inner-tls',
      'listener-protocol',
      'proxy-config',
      'tunnel-domain',
      'upstream-ip',
      'allowed-ips',
      'upstream-tls',
      'upstream-reachable',
      'setup-permissions',
      'tunnel-quota',
      'helm-values',
    ];
    for (const id of withLogs)
      expect(
        SIGNATURES.some((s) => s.id === id),
        id,
      ).toBe(true);
    for (const e of CATALOG.filter((c) => c.kind === 'log'))
      expect(
        SIGNATURES.some((s) => s.id === e.id),
        e.id,
      ).toBe(true);
  });

  it('each have sample lines in this test', () => {
    for (const s of SIGNATURES) expect(SAMPLES[s.name]?.length ?? 0, s.name).toBeGreaterThan(0);
  });

  for (const s of SIGNATURES) {
    for (const [envelope, wrap] of ENVELOPES) {
      it(`${s.name}: its samples map to it (${envelope})`, () => {
        for (const sample of SAMPLES[s.name] ?? []) {
          const report = analyze(`${wrap(sample)}\n`);
          expect(signaturesOf(report), sample).toEqual({ [s.name]: 1 });
          const m = report.matches.find((x) => x.signature === s.name);
          if (s.id && s.kind !== 'healthy') expect(m?.id).toBe(s.id);
          if (s.kind !== 'problem') {
            // Harmless and healthy lines are never reported as errors, nor counted as unmatched.
            expect(report.matches.every((x) => x.severity === 'info')).toBe(true);
            expect(report.unmatched.errorLines).toBe(0);
            expect(report.verdict.status).toBe('pass');
          }
        }
      });
    }
  }
});

describe('facts and evidence', () => {
  it('pulls the IPs out and proposes the narrowest covering CIDR', () => {
    const r = analyze(
      sample('ip-validation-failed') + '\n' + sample('ip-validation-failed').replace('59.81', '59.90') + '\n',
    );
    const m = first(r.matches);
    expect(m.evidence).toMatchObject({ ip: ['34.117.59.81', '34.117.59.90'], route: ['search'] });
    expect(m.detail).toContain('34.117.59.80/28');
  });

  it('never proposes a wide CIDR for addresses far apart', () => {
    const lines = ['34.117.59.81', '172.32.0.9'].map(
      (ip) => `{"level":"ERROR","msg":"IP validation failed: ${ip} is not a private address"}`,
    );
    const detail = analyze(`${lines.join('\n')}\n`).matches[0]?.detail ?? '';
    expect(detail).toContain('34.117.59.81/32, 172.32.0.9/32');
    expect(detail).not.toContain('0.0.0.0/0');
  });

  it('pulls edge IPs, the refused host, the file and the origin', () => {
    expect(analyze(sample('edge-tcp-dial') + '\n').matches[0]?.evidence).toMatchObject({
      ip: ['198.41.200.193'],
      port: [7844],
      error: ['i/o timeout'],
    });
    expect(analyze(sample('no-route-for-host') + '\n').matches[0]?.evidence).toMatchObject({
      host: ['docs.abcd1234.tunnel.example.com'],
    });
    expect(analyze(sample('key-unreadable') + '\n').matches[0]?.evidence).toMatchObject({
      file: ['/data/tls.key'],
      error: ['permission denied'],
    });
    expect(analyze(sample('origin-unreachable') + '\n').matches[0]?.evidence).toMatchObject({
      origin: ['http://localhost:8080'],
      ip: ['::1'],
      port: [8080],
    });
    expect(analyze(sample('edge-unauthorized') + '\n').matches[0]?.detail).toContain('Invalid tunnel secret');
  });

  it("maps cloudflared's own TLS errors against an https:// --url to cloudflared-ingress, not upstream-tls", () => {
    const origin = (error: string) =>
      `${TS} ERR  error="${error}" cfRay=8f0a-AMS event=1 ingressRule=0 originService=https://localhost:8080`;
    for (const error of [
      'x509: certificate signed by unknown authority',
      'tls: first record does not look like a TLS handshake',
    ]) {
      const m = first(analyze(`${origin(error)}\n`).matches);
      expect(m, error).toMatchObject({
        id: 'cloudflared-ingress',
        signature: 'origin-https-to-plaintext',
        severity: 'error',
      });
      expect(m.detail).toContain('https://localhost:8080');
      expect(m.detail).toContain('http://localhost:<listen port>');
    }
    // The proxy's own outbound TLS to an https:// upstream stays upstream-tls.
    const upstream =
      '{"level":"ERROR","msg":"upstream request failed","route":"wiki","error":"tls: failed to verify certificate: x509: certificate signed by unknown authority"}';
    expect(analyze(`${upstream}\n`).matches[0]).toMatchObject({ id: 'upstream-tls' });
  });

  it('recognises a QUIC connection that broke while serving (edge-udp, a warning)', () => {
    const line = `${TS} ERR failed to serve tunnel connection error="accept stream listener encountered a failure while serving" connIndex=0 event=0 ip=198.41.192.27`;
    const r = analyze(`${line}\n`);
    expect(r.matches[0]).toMatchObject({ id: 'edge-udp', signature: 'edge-connection-broke', severity: 'warn' });
    expect(r.unmatched.errorLines).toBe(0);
  });

  it('counts healthy connections as evidence: "4 of 4 connections registered"', () => {
    const lines = [0, 1, 2, 3].map(
      (i) =>
        `${TS} INF Registered tunnel connection connIndex=${i} connection=0c5e1a4e-2f0b-4d3a-9b1c-7d6e5f4a3b2${i} event=0 ip=198.41.192.7 location=ams01 protocol=quic`,
    );
    const r = analyze(`${lines.join('\n')}\n`);
    expect(r.healthy[0]).toMatchObject({ signature: 'connection-registered', count: 4 });
    expect(r.healthy[0]?.summary).toMatch(/^4 of 4 connections registered/);
    expect(r.verdict.summary).toContain('4 of 4 connections registered');
    const two = analyze(
      `${lines.slice(0, 2).join('\n')}\n${TS} WRN You requested 4 HA connections but I can give you at most 2.\n`,
    );
    expect(two.healthy[0]?.summary).toMatch(/^2 of 2 connections registered/);
  });

  it('says UDP blocked is degraded, not dead, when connections register over HTTP/2', () => {
    const r = analyze(
      `${sample('quic-dial-timeout')}\n${TS} INF Registered tunnel connection connIndex=0 event=0 ip=198.41.192.7 location=ams01 protocol=http2\n`,
    );
    expect(r.matches[0]).toMatchObject({ id: 'edge-udp', severity: 'warn' });
    expect(r.verdict.status).toBe('warn');
  });

  it('counts error lines nothing explains, and shows them', () => {
    const r = analyze(
      `${TS} ERR a brand new failure nobody knows\n{"level":"error","message":"another"}\nlevel=error msg="third"\n${TS} INF fine\n`,
    );
    expect(r.unmatched.errorLines).toBe(3);
    expect(r.unmatched.examples).toHaveLength(3);
    expect(r.unmatched.exampleLines).toEqual([1, 2, 3]);
    expect(r.matches).toEqual([]);
  });

  it('does not take healthy traffic for problems', () => {
    const healthy = [
      `${TS} DBG Upstream request connIndex=1 event=1 host=wiki.abcd1234.tunnel.example.com ingressRule=0 originService=http://localhost:8080 path=/mcp`,
      '{"time":"2026-03-02T12:01:10Z","level":"INFO","msg":"request started","method":"POST","host":"wiki.abcd1234.tunnel.example.com","path":"/mcp"}',
      `${TS} INF Starting tunnel tunnelID=11111111-2222-3333-4444-555555555555`,
      `${TS} INF Initial protocol quic`,
      `${TS} INF Updated to new configuration config="{\\"ingress\\":[{\\"service\\":\\"http://localhost:8080\\"}]}" version=1`,
      `${TS} DBG looking up edge SRV records _v2-origintunneld._tcp.argotunnel.com`,
    ];
    const r = analyze(`${healthy.join('\n')}\n`);
    expect(r.matches).toEqual([]);
    expect(r.unmatched.errorLines).toBe(0);
  });
});
