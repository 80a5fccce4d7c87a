// The one catalog: for every ID, what it is called, what the operator sees, why, and the fix.
// The doctor, the log matcher and `explain` all read from here; nothing else spells a fix.
// Order matters: it is the order of the layers and of the results in every report.

import type { Layer } from '../core/types.js';

export type CheckKind =
  /** judged from files alone */
  | 'static'
  /** needs the network (skipped with --offline) */
  | 'live'
  /** static half plus a live half */
  | 'static+live'
  /** only ever seen in logs */
  | 'log';

export interface CatalogEntry {
  id: string;
  layer: Layer;
  kind: CheckKind;
  /** Passing wording: what is true when all is well. */
  title: string;
  symptom: string;
  cause: string;
  fix: string;
  /** A few paragraphs for `mcp-tunnel explain <id>`. */
  explain: string;
}

/** How reports title each layer, in the order of LAYERS (src/core/types.ts). */
export const LAYER_TITLES: Readonly<Record<Layer, string>> = {
  edge: 'Layer 1 · edge (cloudflared to the tunnel edge)',
  tls: 'Layer 2 · inner TLS (certificates and the proxy listener)',
  routing: 'Layer 3 · routing and IP validation',
  oauth: 'OAuth discovery',
  setup: 'Setup job (Helm values, identity federation)',
};

const entries: CatalogEntry[] = [
  // ---------------------------------------------------------------- layer 1: the edge
  {
    id: 'tunnel-token',
    layer: 'edge',
    kind: 'static',
    title: 'Tunnel token is present and well formed',
    symptom: 'cloudflared exits with "Provided Tunnel token is not valid", or keeps retrying with "Unauthorized".',
    cause:
      'TUNNEL_TOKEN is missing, truncated, or copied with extra characters, so it does not decode to the tunnel credentials.',
    fix: 'Replace TUNNEL_TOKEN where it is set (.env, the Compose file or an env_file) with the token from data/tunnel-token (written by the setup job) or the tunnel detail page, unchanged, then run docker compose up -d cloudflared (a restart alone does not re-read .env).',
    explain: `cloudflared authenticates to the tunnel edge with TUNNEL_TOKEN: standard base64 of a JSON object
{"a": account tag, "t": tunnel UUID, "s": tunnel secret, "e": optional endpoint}. cloudflared
itself only checks that the value is base64 JSON with a UUID in "t"; an empty account tag or
secret is sent to the edge and refused there ("Unauthorized: Invalid tunnel secret"), and
cloudflared then retries forever instead of exiting.

The doctor looks for the token where a deployment keeps it: the TUNNEL_TOKEN environment
variable, the cloudflared service's environment in the Compose file, .env, data/tunnel-token,
or the file named by --token-file. It decodes it and checks every field, and warns when two
places hold different tokens. It never prints the token or any part of it (only the tunnel UUID).
It also names the usual copy mistakes: quotes or a "TUNNEL_TOKEN=" kept in the value, spaces,
a placeholder or an unexpanded \${TUNNEL_TOKEN}, a JWT or API key pasted instead, and URL-safe or
unpadded base64 (decoded only to explain it: cloudflared accepts standard, padded base64 only).

An "e" field selects a special edge (only "fed", for FedRAMP, is known).`,
  },
  {
    id: 'edge-dns',
    layer: 'edge',
    kind: 'live',
    title: 'Edge discovery through DNS works',
    symptom:
      'cloudflared exits with "edge discovery: error looking up Cloudflare edge IPs" or "Could not lookup srv records".',
    cause:
      'The resolver cannot answer the SRV lookup for _v2-origintunneld._tcp.argotunnel.com (or the region hosts), so cloudflared has no edge address to dial.',
    fix: 'Allow DNS (UDP and TCP 53) to your resolver, or point the host at a resolver that answers public names; if only DNS-over-TLS is allowed, open TCP 853 to 1.1.1.1.',
    explain: `Before it can connect, cloudflared discovers the edge with a DNS SRV lookup of
_v2-origintunneld._tcp.argotunnel.com (us-v2-origintunneld for --region us; a FedRAMP token
selects the fed names). The answer must carry at least two records, region1 and region2, and
their A/AAAA records must resolve with the system resolver. If the system resolver fails the SRV
lookup, cloudflared retries it over DNS-over-TLS to 1.1.1.1:853; when both fail it exits. There
are no built-in fallback addresses.`,
  },
  {
    id: 'edge-tcp',
    layer: 'edge',
    kind: 'live',
    title: 'TCP 7844 to the edge connects and completes TLS',
    symptom:
      'cloudflared logs "Unable to establish connection with Cloudflare edge" with "dial tcp ...:7844: i/o timeout" or "connection refused", or a TLS handshake error with the edge.',
    cause: 'A firewall blocks or resets outbound TCP 7844, or a middlebox intercepts the TLS to the edge.',
    fix: 'Allow outbound TCP 7844 to the edge ranges (198.41.192.0/24 and 198.41.200.0/24, or the regional ones) and exempt them, and the SNI h2.cftunnel.com, from TLS inspection.',
    explain: `With the http2 protocol, or after QUIC has failed, cloudflared connects over TCP to port 7844
and runs TLS with server name h2.cftunnel.com. A refused connection means something answers and
rejects; a timeout means packets are dropped; a TLS handshake that stalls or presents a
certificate from an unexpected issuer means a middlebox is in the way. The edge certificate
chains to Cloudflare's own roots as well as public ones, so an unfamiliar issuer is reported as
interception only when it is neither: the doctor accepts a chain that verifies against the public
roots, or in which an issuer's organization names Cloudflare, or that verifies against the extra
CA file named by MCP_TUNNEL_EDGE_CA (for a lab or a known inspecting proxy you trust). The
evidence shows the connect and handshake times of each region's address.`,
  },
  {
    id: 'edge-udp',
    layer: 'edge',
    kind: 'live',
    title: 'UDP 7844 reaches a QUIC endpoint at the edge',
    symptom:
      'cloudflared logs "Failed to dial a quic connection ... timeout: no recent network activity", then switches to http2.',
    cause:
      'Outbound UDP 7844 is dropped, so QUIC cannot connect; cloudflared falls back to HTTP/2 over TCP, which works but is slower to recover.',
    fix: 'Allow outbound UDP 7844 to the edge ranges, or run cloudflared with --protocol http2 to stop the QUIC attempts.',
    explain: `cloudflared prefers QUIC over UDP 7844 (server name quic.cftunnel.com, ALPN argotunnel). The
doctor sends one QUIC long-header packet with a reserved version; a QUIC stack answers with a
Version Negotiation packet, which proves UDP reaches it without running a full handshake. When
UDP is dropped but TCP works, the tunnel still runs over HTTP/2: this is a warning, not a failure.
In logs, "failed to serve tunnel connection" with "accept stream listener" (or "control stream",
"datagram manager") "encountered a failure while serving" means an established QUIC connection to
the edge broke; cloudflared reconnects, and when it repeats --protocol http2 avoids it.`,
  },
  {
    id: 'udp-receive-buffer',
    layer: 'edge',
    kind: 'log',
    title: 'UDP receive buffer warning (harmless)',
    symptom: 'cloudflared logs "failed to sufficiently increase receive buffer size".',
    cause:
      'quic-go asks the kernel for a larger UDP receive buffer than net.core.rmem_max allows. It is a tuning hint, not an error: the tunnel works.',
    fix: 'Nothing is required. To silence it, raise the limit on the host: sysctl -w net.core.rmem_max=7500000 net.core.wmem_max=7500000.',
    explain: `quic-go, the QUIC library inside cloudflared, prints this line with Go's plain log format (no
level) when the kernel grants less receive buffer than it asked for. Throughput under heavy load
can be a little lower; nothing fails. The vendor's troubleshooting page calls it a QUIC tuning
hint.`,
  },
  {
    id: 'cloudflared-ingress',
    layer: 'edge',
    kind: 'static',
    title: 'cloudflared forwards to the proxy in its network namespace',
    symptom:
      'Callers get HTTP 500/503 and cloudflared logs "No ingress rules were defined", or "Unable to reach the origin service" (with originService=https://...: "x509: ..." or "first record does not look like a TLS handshake").',
    cause:
      "cloudflared has no local target (--url http://localhost:<port>), the port is not the proxy's listen port, --url says https:// for the plaintext listener, or cloudflared does not share the proxy's network namespace.",
    fix: 'Give the cloudflared service command "tunnel --no-autoupdate run --url http://localhost:8080" (the port of listen_addr) and network_mode: "service:<proxy service>".',
    explain: `In the reference Compose file cloudflared runs "tunnel --no-autoupdate run --url
http://localhost:8080" with network_mode "service:mcp-proxy" (older docs: mcp-gateway), so that
localhost inside cloudflared is the proxy's own network namespace. Without --url, cloudflared has
no ingress rule and answers every request with an error; with the wrong port, or without the
shared namespace, it cannot reach the proxy. The URL is http://, not https://: the listener is
plaintext WebSocket and the TLS runs inside it. TUNNEL_URL in the service's environment works
like --url; ingress rules from a cloudflared config file cannot be judged from the Compose file.`,
  },
  {
    id: 'edge-ip-version',
    layer: 'edge',
    kind: 'static+live',
    title: 'cloudflared dials the edge over an address family this host can route',
    symptom:
      'cloudflared logs "Unable to establish connection with Cloudflare edge" with "dial udp [2606:4700:...]:7844: connect: network is unreachable" and never registers a connection.',
    cause:
      "Since 2026.4.0 cloudflared's --edge-ip-version defaults to auto: it also dials the edge's IPv6 addresses, and this host has no IPv6 route.",
    fix: 'Run cloudflared with --edge-ip-version 4 (or TUNNEL_EDGE_IP_VERSION=4), then recreate the container.',
    explain: `cloudflared chooses the address family of the edge with --edge-ip-version (TUNNEL_EDGE_IP_VERSION):
4, 6 or auto. Up to 2026.3 the default was 4; from 2026.4.0 it is auto, which also uses the IPv6
addresses the resolver returns for the edge. A host (or a container network) that gets AAAA answers
but has no IPv6 route then fails to connect with "connect: network is unreachable".

The doctor reads the cloudflared service of the Compose file: its image tag (a release such as
2026.4.0, or latest), the --edge-ip-version flag and TUNNEL_EDGE_IP_VERSION. With 4 there is nothing
to judge. With auto or 6, a live run tells whether the edge's IPv6 addresses are reachable from this
host while IPv4 works; offline, the pass says that this was not checked. Run the doctor where
cloudflared runs (in Compose, the proxy's network namespace) for the answer to be that host's.`,
  },
  {
    id: 'cloudflared-version',
    layer: 'edge',
    kind: 'static+live',
    title: 'The cloudflared release in use is known, and the one the Compose file names',
    symptom:
      'cloudflared behaves differently from what the Compose file suggests: an edited image tag that never took effect, or a default that changed with a release.',
    cause:
      'The running cloudflared is another release than the Compose file names (the container was not recreated), or its release changed a default the deployment relies on.',
    fix: 'Recreate cloudflared after editing its image (docker compose up -d cloudflared), and pin a release instead of latest.',
    explain: `The doctor reads the release from the most direct source it has: build_info{version} on
cloudflared's metrics server (/metrics), else the running container's image (its version label or
tag), else the image tag in the Compose file. A running release that differs from the file's tag
means the file was edited and the container not recreated (docker compose up -d <service>).

It also names the releases that changed a default without any edit of the files, from one table:
2026.4.0 made --edge-ip-version default to auto (IPv6 edge addresses too; see edge-ip-version) and
2026.5.0 runs connectivity pre-checks at "tunnel run". With the tag latest, a pull changes the
release, so the finding shows the one running now.`,
  },
  {
    id: 'proxy-container',
    layer: 'edge',
    kind: 'live',
    title: "The proxy's container runs, and its user can read the mounted key",
    symptom:
      'cloudflared logs "Unable to reach the origin service"; the proxy exits at start, e.g. "open /data/tls.key: permission denied".',
    cause:
      "The proxy's container is missing, stopped, restarting, OOM-killed or unhealthy, or the user it runs as may not read the key (or certificate) behind its /data mount.",
    fix: "Make the key readable by the proxy's user (chmod 644 data/tls.key, or chown 65532:65532 data/tls.key), then run docker compose restart <proxy service>.",
    explain: `Read from the Docker Engine API on a live run with the Docker runtime: the proxy's container
(the Compose file's proxy service), its state, restart count, last exit code, OOMKilled, its
healthcheck when one is defined, the user it runs as (Config.User, e.g. 65532:65532) and its mounts.

The key and certificate the proxy config names (tls.key_file, tls.cert_file) are followed through
the container's mounts to the files on the host, and their mode and owner are judged for that user
with the POSIX rules: root reads everything (unless cap_drop took CAP_DAC_OVERRIDE away: then
it reads by the mode like any user); the owner gets the owner bits, the file's group the group
bits, everyone else the other bits. Docker reports the image's user when the container sets
none, so no user at all is root. When the user is a name (resolved inside the image) or when
supplementary groups would decide, the doctor says what it does not know instead of guessing. A
key path no mount covers (inside the image) or missing on the host is named too.`,
  },
  {
    id: 'cloudflared-container',
    layer: 'edge',
    kind: 'live',
    title: "cloudflared's container runs in the proxy's network namespace",
    symptom: 'The tunnel has no running connector, or cloudflared logs "Unable to reach the origin service".',
    cause:
      "cloudflared's container is missing, stopped, restarting or was OOM-killed, or it does not share the proxy's network namespace, so --url http://localhost:8080 does not reach the proxy.",
    fix: 'Fix what stopped it (docker compose logs cloudflared), give it network_mode: "service:<proxy service>", then run docker compose up -d.',
    explain: `Read from the Docker Engine API (the unix socket, or DOCKER_HOST) on a live run with the Docker
runtime: the Compose project's cloudflared container, its state (running, restarting, exited,
OOMKilled), its restart count and last exit code, and its network mode.

cloudflared reaches the proxy at --url (http://localhost:8080 in the reference layout); localhost
is the proxy only when cloudflared shares the proxy's network namespace (network_mode:
"service:<proxy service>", which Docker shows as container:<id>). A cloudflared that joined a proxy
container that was since recreated sits in a namespace nobody serves: recreate it. A container that
runs after earlier restarts is a warning with the last exit; one that is down is a failure.`,
  },
  {
    id: 'running-token',
    layer: 'edge',
    kind: 'live',
    title: 'The running cloudflared holds the token in the files',
    symptom: 'cloudflared connects as another tunnel (or is refused) although the files hold the right token.',
    cause:
      'The running cloudflared holds a different token than the files: it was not recreated after the token changed.',
    fix: 'Run docker compose up -d cloudflared (a restart alone does not re-read .env).',
    explain: `cloudflared reads TUNNEL_TOKEN (or --token, or a token file) once, when its container is created;
editing .env or data/tunnel-token afterwards changes nothing until the container is recreated
(docker compose up -d; docker compose restart keeps the old environment).

The doctor compares a fingerprint (SHA-256) of the token the running container holds with one of
the token the tunnel-token check read from the files. Neither the token nor its fingerprint is ever
printed. When the container's token is not visible (no TUNNEL_TOKEN, a token file that is not
mounted where the doctor can read it), the check is skipped with the reason.`,
  },
  {
    id: 'tunnel-connections',
    layer: 'edge',
    kind: 'live',
    title: 'cloudflared holds its edge connections',
    symptom: 'The tunnel shows as degraded or down in the dashboard; MCP requests through it fail or some of them do.',
    cause:
      'cloudflared holds fewer than its 4 edge connections: the edge refused the registration (a wrong or rotated token), or the network lets only some or none of them through.',
    fix: 'With a refused registration put the current token in .env or data/tunnel-token and recreate cloudflared; otherwise see edge-tcp and edge-udp.',
    explain: `cloudflared keeps 4 connections to the edge (--ha-connections). Its metrics server counts
them: /ready answers {"readyConnections": N} (200 with at least one, 503 with none),
cloudflared_tunnel_ha_connections is the same count, cloudflared_tunnel_server_locations names the
edge location of each, and /diag/tunnel lists the connected ones with their protocol and edge
address.

4 is healthy; 1 to 3 is what the dashboard calls degraded (which ones are down comes from
/diag/tunnel); 0 is down. With 0, cloudflared_tunnel_tunnel_register_fail{error,rpcName} tells
whether the edge refused the registration: its error label is only a category (server_error), so
the edge's words ("Unauthorized: Invalid tunnel secret") come from cloudflared's log when the
doctor read it. A refusal means the token cloudflared runs with is wrong or was rotated; no
refusal at all means no connection got through (edge-tcp, edge-udp).

The metrics server listens where --metrics or TUNNEL_METRICS say, else on the first free port of
20241-20245; in the Compose layout it is in the proxy's network namespace.`,
  },
  {
    id: 'tunnel-transport',
    layer: 'edge',
    kind: 'live',
    title: 'cloudflared connects to the edge over QUIC',
    symptom: 'cloudflared connects over HTTP/2 (TCP 7844) instead of QUIC (UDP 7844).',
    cause: 'UDP 7844 is blocked (or was when cloudflared connected), or --protocol http2 is set.',
    fix: 'Allow UDP 7844 out to the edge, then restart cloudflared; or keep HTTP/2 on purpose with --protocol http2.',
    explain: `With --protocol auto (the default) cloudflared starts on QUIC over UDP 7844 and falls back to
HTTP/2 over TCP 7844 after repeated QUIC failures; it never returns to QUIC until it restarts.
The transport in use shows in its metrics server: /diag/tunnel names each connection's protocol,
and the quic_client_* series exist only while connected over QUIC.

HTTP/2 works, but it means UDP to the edge is blocked or --protocol http2 (TUNNEL_TRANSPORT_PROTOCOL)
forces it; the finding says which from the running container's command and environment, and the
doctor's own edge probes (edge-udp) corroborate a block when they ran.`,
  },
  {
    id: 'proxy-unreachable',
    layer: 'edge',
    kind: 'log',
    title: 'cloudflared reaches the proxy',
    symptom:
      'cloudflared logs "Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared".',
    cause:
      'The proxy is not running (it may have exited on a config or key error), or cloudflared is not in its network namespace, or --url names the wrong port.',
    fix: "Check the proxy's own log first (docker compose logs <proxy service>); fix what made it exit, then confirm cloudflared's --url port equals listen_addr and network_mode names the proxy service.",
    explain: `cloudflared dials the --url target for every request. "Unable to reach the origin service"
carries the dial error: "connection refused" usually means the proxy exited (look for "cannot
unmarshal", "permission denied" or "invalid upstream" in its log), while "no such host" or a
timeout means the namespaces or names do not line up.`,
  },
  {
    id: 'origin-errors',
    layer: 'edge',
    kind: 'live',
    title: 'cloudflared reaches the proxy for the requests it carries',
    symptom: 'MCP requests through the tunnel fail with 502 Bad Gateway, or some end abruptly.',
    cause: 'cloudflared cannot reach the proxy: the proxy is down or --url is wrong.',
    fix: "Make sure the proxy runs, cloudflared's --url is http://localhost:<listen_addr port>, and cloudflared shares the proxy's network namespace.",
    explain: `cloudflared counts what happens to each request it carries to its --url:
cloudflared_tunnel_total_requests, cloudflared_tunnel_request_errors (errors proxying to the
origin) and cloudflared_tunnel_response_by_code{status_code}. When it cannot dial the proxy it
answers the edge 502, so 502s mean the proxy is down, listens elsewhere than --url says, or is
not in cloudflared's network namespace; the log says "Unable to reach the origin service" (see
proxy-unreachable).

Errors without any 502 are streams that broke after they were made: a proxy that restarted, or
callers that went away. With no request counted yet the check passes saying only that: nothing
has gone through, so the way to the proxy is not proven.`,
  },
  // ---------------------------------------------------------------- layer 2: the inner TLS
  {
    id: 'ca-certificate',
    layer: 'tls',
    kind: 'static',
    title: 'CA certificate meets the registration rules',
    symptom:
      'The console or API refuses the CA certificate, or the tunnel stays "Needs certificate" and gets no traffic.',
    cause:
      'data/ca.crt breaks a registration rule: not a single PEM certificate up to 8 kB, BasicConstraints CA:TRUE not critical, no SubjectKeyIdentifier, no keyCertSign, a weak key or signature, or outside its validity.',
    fix: "Make a new CA with the vendor's recipe (ECDSA P-256, critical CA:TRUE, keyCertSign, subjectKeyIdentifier), re-issue tls.crt from it, and register the new ca.crt.",
    explain: `The CA you register must be: PEM, exactly one CERTIFICATE block, at most 8 kB; BasicConstraints
CA:TRUE marked critical; a SubjectKeyIdentifier; KeyUsage with keyCertSign; RSA 2048 bits or more
or ECDSA P-256 or larger; signed with SHA-256 or stronger; inside its validity period. The
console rejects private-key material and anything that is not a certificate. A tunnel with no
registered, active CA stays "Needs certificate" and is not offered in the MCP server picker.`,
  },
  {
    id: 'ca-registration',
    layer: 'tls',
    kind: 'static+live',
    title: 'Server certificate was issued by the registered CA',
    symptom:
      'The proxy logs "tls handshake failed ... unknown certificate authority"; the tunnel may be missing from the server picker.',
    cause:
      'tls.crt was not issued by the CA in data/ca.crt, or that CA is not registered (or was archived) for this tunnel.',
    fix: 'Register data/ca.crt for the tunnel (console, or POST /v1/tunnels/{id}/certificates), or re-issue tls.crt from the CA that is registered.',
    explain: `The platform verifies the proxy's certificate against the CA certificates registered for the
tunnel: at most two active ones, for rotation. Offline, the doctor proves that tls.crt was signed
by the key of data/ca.crt; with an API key (from the environment or a file, never a flag) it also
compares the SHA-256 fingerprint of data/ca.crt with the tunnel's active certificates.`,
  },
  {
    id: 'server-certificate',
    layer: 'tls',
    kind: 'static',
    title: 'Server certificate is valid for the inner TLS',
    symptom: 'The proxy logs "tls handshake failed ... bad certificate" and callers get no answer from the tunnel.',
    cause:
      "tls.crt breaks a rule: not issued directly by the CA, AuthorityKeyIdentifier not the CA's SubjectKeyIdentifier, no serverAuth in ExtendedKeyUsage, a weak key or signature, or a CA certificate used as the server certificate.",
    fix: "Re-issue tls.crt directly from data/ca.crt with the vendor's recipe (authorityKeyIdentifier, extendedKeyUsage serverAuth, SAN *.<tunnel-domain>), then restart the proxy.",
    explain: `The server certificate must be signed directly by a registered CA: no intermediates. Its
AuthorityKeyIdentifier must equal the CA's SubjectKeyIdentifier; if it has ExtendedKeyUsage,
that must include serverAuth; its key must be RSA 2048+ or ECDSA P-256+ and its signature SHA-256
or stronger. A file holding a chain or bundle is read certificate by certificate; the first one is
the one the proxy serves.`,
  },
  {
    id: 'certificate-san',
    layer: 'tls',
    kind: 'static',
    title: 'Server certificate names cover every route',
    symptom: 'The proxy logs "tls handshake failed ... bad certificate" for some or all routes.',
    cause:
      "The certificate's Subject Alternative Names do not match <route>.<tunnel-domain> for every route (a wildcard covers one label only).",
    fix: 'Re-issue tls.crt with subjectAltName DNS:*.<tunnel-domain> (the exact domain on the tunnel detail page).',
    explain: `The platform connects with the server name <route>.<tunnel-domain> and checks it against the
certificate's DNS Subject Alternative Names as RFC 6125 says: a wildcard stands for exactly one
whole left-most label, so *.abcd.tunnel.example covers wiki.abcd.tunnel.example but not
abcd.tunnel.example or a.b.abcd.tunnel.example. The common name is not consulted. The setup tool
issues *.<tunnel-domain>, which covers every route.`,
  },
  {
    id: 'certificate-expiry',
    layer: 'tls',
    kind: 'static',
    title: 'Certificates are inside their validity period',
    symptom:
      'The proxy logs "tls handshake failed ... bad certificate" (expired server certificate), or the CA is refused.',
    cause:
      'A certificate has expired, is not yet valid (clock skew, or a future notBefore), or is inside the 30-day renewal window.',
    fix: 'Renew: re-issue tls.crt from the CA (the setup tool renews 30 days before expiry; Helm: serverCert.renewBefore), and for an expiring CA register a new one before the old one ends.',
    explain: `The setup tool issues a 90-day server certificate and a 5-year CA, and renews the server
certificate 30 days before it expires. The doctor fails an expired or not-yet-valid certificate
and warns inside the 30-day window, giving the days left for both files.`,
  },
  {
    id: 'private-key',
    layer: 'tls',
    kind: 'static',
    title: 'Private key matches the certificate and is readable by the proxy',
    symptom: 'The proxy exits with "open /data/tls.key: permission denied", or fails to load the key pair.',
    cause:
      'tls.key cannot be read by UID 65532 (the proxy runs non-root), is encrypted, does not parse, or does not belong to tls.crt.',
    fix: "chmod 644 data/tls.key (the vendor's setup), or keep the key private to the proxy's user: chown 65532:65532 data/tls.key && chmod 600 data/tls.key; use an unencrypted key that matches tls.crt.",
    explain: `The proxy container runs as UID 65532 and reads /data/tls.key. A key with mode 0600 owned by
another user cannot be opened ("permission denied") and the proxy exits. The key must be
unencrypted (the proxy has no passphrase), parse as PKCS#8, PKCS#1 or SEC1, and its public half
must equal the public key in tls.crt. The doctor judges the file's mode and owner for UID 65532,
not for the user running the doctor, and never prints the key.`,
  },
  {
    id: 'inner-tls',
    layer: 'tls',
    kind: 'live',
    title: 'TLS inside the WebSocket stream verifies against the CA',
    symptom: 'The tunnel connects but requests fail; the proxy logs "tls handshake failed".',
    cause:
      'The certificate the proxy actually serves does not verify against data/ca.crt for <route>.<tunnel-domain>: another CA, a SAN mismatch, expired, or the wrong key usage.',
    fix: 'Make the proxy serve a certificate issued by the registered CA with SAN *.<tunnel-domain> (check tls.cert_file), then restart or wait for the reload.',
    explain: `The platform opens a WebSocket to the proxy's listener (through the tunnel) and runs TLS inside
the WebSocket stream. The doctor does the same against --proxy (binary WebSocket messages carrying
TLS records, path / by default: the framing is not documented publicly, so this is an
assumption), sending SNI and Host <route>.<tunnel-domain> for every route and verifying the
certificate against data/ca.crt.`,
  },
  {
    id: 'listener-protocol',
    layer: 'tls',
    kind: 'live',
    title: 'The proxy listener speaks plaintext WebSocket',
    symptom:
      'Requests through the tunnel fail before any inner TLS: the proxy listener does not answer as a plaintext WebSocket (and curl https://<proxy>:8080 says "wrong version number", which alone is expected).',
    cause:
      'Nothing listens on listen_addr, or something other than the proxy answers there (plain HTTP without an upgrade, or TLS spoken directly). "wrong version number" from curl https:// is not a fault: the listener is plaintext WebSocket and the TLS handshake happens inside the WebSocket stream.',
    fix: 'Nothing to fix for "wrong version number". To test the proxy, use mcp-tunnel doctor --proxy ws://<proxy>:8080, or a Managed Agent or the Messages API.',
    explain: `The proxy's listen_addr serves plaintext HTTP with a WebSocket upgrade; the TLS that carries the
platform's requests runs inside the WebSocket messages. A listener that answers TLS directly,
or plain HTTP without upgrading, or nothing at all, is not the proxy (or not this version of
it) and is named for what it is.`,
  },
  // ---------------------------------------------------------------- layer 3: routing
  {
    id: 'stale-config',
    layer: 'routing',
    kind: 'live',
    title: 'The running containers use the files as they are now',
    symptom:
      'An edit (a route, the tunnel domain, .env) has no effect: the running proxy or cloudflared still behaves as before.',
    cause:
      'A deployment file changed after the container started: the proxy reads its config only at start, and .env and the Compose file are applied only when the container is created.',
    fix: 'After a config edit: docker compose restart <proxy service>. After an edit of .env or the Compose file: docker compose up -d.',
    explain: `The proxy reads its config file once, at start; only tls.cert_file is polled and reloaded. Compose
applies .env and the Compose file when it creates a container: docker compose restart keeps the
environment the container was created with, so those edits need docker compose up -d.

The doctor compares the files' modification times with the containers' start times (2 seconds of
tolerance for clock granularity): that is a hint (warn), since a file can be touched without a
change. A kept environment value (TUNNEL_DOMAIN, TUNNEL_EDGE_IP_VERSION...) that differs from what
the files give after interpolation is proof (fail). Secret values are never compared this way.`,
  },
  {
    id: 'proxy-config',
    layer: 'routing',
    kind: 'static',
    title: 'Proxy config parses and has the required shape',
    symptom:
      'The proxy exits at start, e.g. "cannot unmarshal !!seq into map[string]string" or "invalid upstream (must be scheme://host:port)".',
    cause:
      'The proxy config is not valid YAML, misses a required key (listen_addr, tls.cert_file, tls.key_file, routes), has routes as a list instead of a map, or an upstream that is not exactly scheme://host:port.',
    fix: 'Write routes as a map (routes: { name: http://host:port }), give every upstream as scheme://host:port with no path, then restart the proxy.',
    explain: `The proxy reads one YAML file (config/mcp-proxy.yaml, older: config/mcp-gateway.yaml; Helm:
gateway.config). Required: listen_addr (":8080"), tls.cert_file, tls.key_file and routes, a flat
map from route name to upstream. A YAML list under routes makes the proxy exit with "cannot
unmarshal !!seq into map[string]string"; an upstream with a path or without a port is rejected
with "invalid upstream (must be scheme://host:port)". Unknown keys are reported as warnings: they
are usually typos of a real key. The config is not hot-reloaded: restart after an edit.`,
  },
  {
    id: 'tunnel-domain',
    layer: 'routing',
    kind: 'static',
    title: "tunnel_domain equals the tunnel's assigned domain",
    symptom: 'The proxy logs "no route for host" and callers get "502 No route configured for host".',
    cause:
      'tunnel_domain does not equal the domain assigned to the tunnel, route keys do not match it, or the config was edited without restarting the proxy.',
    fix: 'Set tunnel_domain to the exact domain on the tunnel detail page (data/tunnel-domain), then restart the proxy (docker compose restart <proxy service>, or helm upgrade); when the domain comes from .env, run docker compose up -d <proxy service> instead (a restart alone does not re-read .env).',
    explain: `Requests arrive for <route>.<tunnel-domain>. The proxy first looks for an exact hostname among
the route keys, then strips tunnel_domain and looks up the rest. With tunnel_domain wrong or
empty, bare route keys such as "wiki" never match. The doctor compares tunnel_domain (with
\${VAR} expanded from .env) with --tunnel-domain or data/tunnel-domain, and checks that every route
key is either a bare label or a full hostname under that domain. A \${VAR} in the config is expanded
by the proxy from its own environment: the Compose service must pass the variable in (.env alone
only feeds Compose). With Helm in managed mode the chart passes -tunnel-domain itself.`,
  },
  {
    id: 'upstream-ip',
    layer: 'routing',
    kind: 'static+live',
    title: 'Every upstream address is allowed by the IP policy',
    symptom: 'The proxy logs "IP validation failed: <ip> is not a private address" and the route fails.',
    cause:
      'An upstream resolves to an IPv4 address outside upstream.allowed_ips (by default the RFC1918 ranges), or only to IPv6, which the proxy does not dial.',
    fix: 'Point the route at a private address, or add the narrowest CIDR that covers the address to upstream.allowed_ips, keeping the private ranges other upstreams use (setting allowed_ips replaces the default).',
    explain: `For SSRF protection the proxy dials only IPv4 addresses inside upstream.allowed_ips, which
defaults to 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16. Setting allowed_ips replaces that
default. Upstreams given as IP literals are judged offline; hostnames are resolved (A records
only) in a live run; "localhost" is judged as 127.0.0.1 (inside a container it is the proxy's
own network namespace, not the host). On Kubernetes, some managed distributions put the Service
CIDR outside RFC1918 (often in 100.64.0.0/10): add that CIDR when a Service address is refused.
The fix names the narrowest CIDR (the address's /32), a common CIDR when several addresses of
the same kind are refused, and the complete allowed_ips list to write.`,
  },
  {
    id: 'allowed-ips',
    layer: 'routing',
    kind: 'static',
    title: 'upstream.allowed_ips is a sound policy',
    symptom: 'The proxy refuses to start, or dials addresses it should not (SSRF exposure).',
    cause:
      'allowed_ips holds an invalid entry, an IPv6 entry (only IPv4 is supported), 0.0.0.0/0 (no protection), loopback outside a test setup, or is combined with disable_ip_validation.',
    fix: 'List only IPv4 CIDRs or addresses, as narrow as your upstreams need; drop 0.0.0.0/0 and 127.0.0.0/8 outside local testing; do not combine with disable_ip_validation.',
    explain: `upstream.allowed_ips takes IPv4 CIDRs or single addresses and replaces the RFC1918 default.
0.0.0.0/0 turns SSRF protection off; 127.0.0.0/8 is for local testing only; IPv6 entries cannot
match because the proxy dials IPv4 only; disable_ip_validation cannot be combined with it. A CIDR
with host bits set (10.1.2.3/8) is accepted by most parsers but usually a typo.`,
  },
  {
    id: 'upstream-tls',
    layer: 'routing',
    kind: 'static',
    title: 'https:// upstreams have a trust anchor',
    symptom: 'Requests to an https:// route fail with a certificate verification error in the proxy log.',
    cause:
      'An upstream uses https:// but upstream.tls has neither ca_file nor include_system_cas, so the proxy trusts no certificate.',
    fix: "Set upstream.tls.ca_file to the CA that signed the upstream's certificate (mounted into the container), or upstream.tls.include_system_cas: true for publicly trusted upstreams.",
    explain: `For https:// upstreams the proxy verifies the upstream's certificate against upstream.tls.ca_file
and, with include_system_cas, the system roots. With neither, there is no trust anchor and every
https:// upstream fails.`,
  },
  {
    id: 'upstream-reachable',
    layer: 'routing',
    kind: 'live',
    title: 'Every upstream accepts a connection',
    symptom: 'The proxy logs "dial tcp <ip>:<port>: connect: connection refused" and the caller gets 502.',
    cause:
      "Nothing listens on the upstream's address and port, or a firewall between the proxy and the upstream blocks it.",
    fix: "Start the MCP server, or correct the route's host and port; from the proxy's network, check that the port is open.",
    explain: `In a live run the doctor opens a TCP connection to each upstream whose address the proxy would
allow (never to one it would refuse), from where the doctor runs: run it beside the proxy for a
faithful answer.`,
  },
  {
    id: 'mcp-handshake',
    layer: 'routing',
    kind: 'live',
    title: 'Every MCP route answers the MCP handshake',
    symptom: 'The platform cannot connect to the MCP server, though the tunnel and the proxy are up.',
    cause:
      "An MCP route's upstream answers initialize with a web page, a 404, a redirect, the old HTTP+SSE transport, or an error, instead of an MCP result or a Bearer challenge.",
    fix: "Point the route at the MCP server's Streamable HTTP endpoint (--mcp-path tells the doctor where it is).",
    explain: `In a live run the doctor sends what the platform's client sends first (MCP 2025-11-25,
"Transports"): a JSON-RPC initialize POSTed to the MCP path (default /mcp) with
Accept: application/json, text/event-stream and the Host header <route>.<tunnel-domain>, to an
address of the route's upstream that the proxy's IP policy allows. It passes on an MCP result
(protocolVersion and serverInfo) or on a 401 with WWW-Authenticate: Bearer (the OAuth checks
then judge the discovery chain). Redirects are not followed. MCP routes are "mcp", any route
whose key starts with "mcp", and those named with --mcp-route.`,
  },
  // ---------------------------------------------------------------- OAuth discovery
  {
    id: 'protected-resource',
    layer: 'oauth',
    kind: 'static+live',
    title: 'Protected resource metadata points at the tunnel',
    symptom:
      'The MCP client cannot find the authorization server, or discovers the public one the backend cannot reach.',
    cause:
      'The /.well-known/oauth-protected-resource document does not name resource https://mcp.<tunnel-domain> or does not list https://auth.<tunnel-domain> in authorization_servers.',
    fix: 'Serve {"resource": "https://mcp.<tunnel-domain>", "authorization_servers": ["https://auth.<tunnel-domain>"]} from the MCP server.',
    explain: `The MCP server's RFC 9728 document tells the platform which authorization server protects it.
Behind a tunnel, resource must be https://mcp.<tunnel-domain> and authorization_servers must
list the tunnel issuer https://auth.<tunnel-domain>, so the backend-to-backend calls go through
the tunnel. In a live run the doctor walks the chain as the platform's client does (MCP
authorization 2025-11-25): the resource_metadata URL of the mcp route's Bearer challenge, else
/.well-known/oauth-protected-resource<mcp path> then /.well-known/oauth-protected-resource, each
fetched from the route's upstream with its Host header (a URL off the tunnel is not fetched); and
resource must then be identical to https://mcp.<tunnel-domain><mcp path> (RFC 9728 section 3.3).
The host alone, as in the vendor's example, is a warning: the MCP SDK client accepts a prefix, a
client comparing exactly does not. Without the live chain the report says which rules it could
not judge.`,
  },
  {
    id: 'oauth-metadata',
    layer: 'oauth',
    kind: 'static+live',
    title: 'Authorization server metadata uses split discovery correctly',
    symptom:
      'OAuth fails behind a source-IP allowlist: the platform cannot reach /token, /register or the discovery document.',
    cause:
      'The /.well-known/oauth-authorization-server document does not put issuer, token_endpoint and registration_endpoint on https://auth.<tunnel-domain>, puts authorization_endpoint on the tunnel, or lacks S256.',
    fix: 'Serve issuer, token_endpoint and registration_endpoint on https://auth.<tunnel-domain>, authorization_endpoint on your allowlisted public host, and code_challenge_methods_supported ["S256"]; add an "auth" route to the proxy.',
    explain: `Behind a source-IP allowlist, the platform's backend reaches the authorization server through
the tunnel while the user's browser keeps using the public, allowlisted host. The RFC 8414
document must therefore name issuer, token_endpoint and registration_endpoint on
https://auth.<tunnel-domain> and authorization_endpoint on the public host, and list S256 in
code_challenge_methods_supported. "auth" and "mcp" are ordinary route keys. In a live run the
metadata is the one the client finds from authorization_servers[0]: at
/.well-known/oauth-authorization-server<path>, then /.well-known/openid-configuration<path>, then
<path>/.well-known/openid-configuration (RFC 8414 section 3.1, OpenID Discovery section 4), and
its scopes_supported must list the scopes the mcp route's challenge asks for. A client ID
metadata document (client_id_metadata_document_supported) is a registration path as good as
registration_endpoint.`,
  },
  // ---------------------------------------------------------------- the setup job
  {
    id: 'helm-values',
    layer: 'setup',
    kind: 'static',
    title: 'Helm values are complete and consistent',
    symptom:
      'The mcp-tunnel-setup pre-install Job fails (authentication_error / invalid_grant, or a missing value), and is left behind.',
    cause:
      "A required ID is missing or has the wrong prefix, the tunnel ID sits under the key of the other chart generation, or api.wif.audience differs from the federation rule's audience (with or without https://).",
    fix: "Set the IDs with their prefixes (fdrl_..., wrkspc_..., an organization UUID), the tunnel ID under the key your chart version reads, and api.wif.audience byte for byte equal to the rule's audience; then delete the failed Job and retry.",
    explain: `Chart 1.x reads the tunnel ID at api.wif.tunnelId (scope org:manage_tunnels); 2.x reads tunnel.id
(scope workspace:manage_tunnels). The setup Job needs api.wif.federationRuleId (fdrl_...),
api.wif.organizationId (a UUID) and api.wif.workspaceId (wrkspc_...), unless api.token is used.
api.wif.audience defaults to api.anthropic.com without a scheme and must equal the rule's audience
byte for byte (the Console suggests https://api.anthropic.com). In external mode, gateway.config
must carry tunnel_domain. A failed hook Job stays: read it with kubectl logs job/mcp-tunnel-setup
-n mcp-tunnel and delete it before retrying.`,
  },
  {
    id: 'wif-token',
    layer: 'setup',
    kind: 'static',
    title: 'Identity token satisfies the federation rule',
    symptom:
      'The setup job\'s token exchange fails with 400 invalid_grant or 401 authentication_error "Authentication failed".',
    cause:
      'The identity JWT does not match the federation rule: issuer, audience or subject differ, it is expired or too long-lived, has no kid, or is signed with a symmetric algorithm.',
    fix: 'Make the rule match the token the workload really gets (issuer byte for byte, audience exactly, subject prefix), or configure the workload to request a token with that audience and a lifetime of at most one hour.',
    explain: `The setup job exchanges an OIDC JWT (grant urn:ietf:params:oauth:grant-type:jwt-bearer) through
a federation rule. The token must be at most 16 KiB, use an asymmetric algorithm with a kid, carry
sub, iat and exp, live at most one hour, and be inside its validity with 30 s of skew; iss must
equal the rule's issuer_url byte for byte, aud must contain the rule's audience exactly, and sub
must match subject_prefix (a trailing * is a prefix). The doctor only decodes the token from
--jwt-file: it never sends it anywhere and never prints it.`,
  },
  {
    id: 'setup-permissions',
    layer: 'setup',
    kind: 'log',
    title: 'The setup job is allowed to manage tunnels',
    symptom:
      'The setup job logs 403 from the Tunnels API after a successful token exchange, or invalid_grant / authentication_error at the exchange.',
    cause:
      "The federation rule's scope lacks org:manage_tunnels (chart 1.x) or workspace:manage_tunnels (2.x), or the rule's service account is not a member of the tunnel's workspace; an exchange error means the token and rule disagree.",
    fix: "Add the manage_tunnels scope to the rule and the service account to the tunnel's workspace; for exchange errors, run mcp-tunnel doctor --jwt-file <token> --federation-rule <rule.json>.",
    explain: `A 403 after the exchange succeeded is about permissions, not identity: the rule's oauth_scope
must include the manage_tunnels scope of your chart generation and the service account must be a
member of the tunnel's workspace.`,
  },
  {
    id: 'tunnel-quota',
    layer: 'setup',
    kind: 'log',
    title: 'The organization has room for another tunnel',
    symptom: 'Setup fails with "Organization already has the maximum of 10 non-archived Tunnels".',
    cause: 'The organization already has ten tunnels that are not archived.',
    fix: 'Archive tunnels you no longer use in the console (or through the API), or reuse an existing tunnel by setting its ID, then run setup again.',
    explain: `An organization can hold at most ten non-archived tunnels. Failed setup attempts that created a
tunnel count too.`,
  },
];

const byId = new Map(entries.map((e) => [e.id, e]));

export const CATALOG: readonly CatalogEntry[] = entries;

export function catalogEntry(id: string): CatalogEntry {
  const entry = byId.get(id);
  if (!entry) throw new Error(`unknown catalog id: ${id}`);
  return entry;
}

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return byId.get(id);
}

/** The IDs the doctor reports on, in catalog order. */
export function doctorIds(): string[] {
  return entries.filter((e) => e.kind !== 'log').map((e) => e.id);
}
