// The log signatures: for every catalog ID with log evidence, the lines that point to it.
// A signature is found by literal fragments (the byte prefilter searches for exactly these, so
// they must be plain substrings of the raw line, with no quotes or characters JSON escapes),
// then confirmed by `allOf` / `noneOf` and an optional test, and may pull facts out of the line.
// Order matters: the first signature that matches a line wins, so specific ones come first.
// `healthy` lines are counted as evidence that a layer works; `harmless` ones are explained
// and never reported as errors.

import type { Severity } from '../core/types.js';
import type { ParsedLine } from '../logs/line.js';

export type SignatureKind = 'problem' | 'healthy' | 'harmless';

export type Facts = Record<string, string | number>;

export interface Signature {
  /** Stable kebab-case name, unique across all signatures. */
  name: string;
  /** Catalog ID; required for problems, optional for healthy and harmless lines. */
  id?: string;
  kind: SignatureKind;
  /** What a match implies; healthy and harmless signatures are always 'info'. */
  severity: Severity;
  /** The line contains at least one of these (literal, case-sensitive). */
  anyOf: readonly string[];
  /** ...and all of these. */
  allOf?: readonly string[];
  /** ...and none of these. */
  noneOf?: readonly string[];
  /** A last word on the parsed line, for what literals cannot say. */
  test?: (line: ParsedLine) => boolean;
  /** Facts worth reporting (IP, port, host, route, file, days...). */
  facts?: (line: ParsedLine) => Facts;
  /** A sentence particular to what was matched, from the facts of all matching lines. */
  detail?: (facts: FactSets) => string | undefined;
  /** For harmless lines: why it is not a problem. */
  note?: string;
}

/** Every distinct value seen per fact, in order of first appearance (capped). */
export type FactSets = Record<string, (string | number)[]>;

// ------------------------------------------------------------------ fact helpers

const IPV4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const DIAL = new RegExp(String.raw`dial (?:tcp|udp)[46]? (\[[0-9a-fA-F:.]+\]|${IPV4}|[A-Za-z0-9.-]+):(\d+)`);
const LOOKUP = /lookup ([A-Za-z0-9_.-]+)(?: on ([0-9a-fA-F.:[\]]+))?/;

function field(line: ParsedLine, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = line.fields[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/**
 * Debug or info: from the parsed level, or, when a prefix the reader does not know hides it, from
 * the level words cloudflared and the usual loggers write.
 */
function quiet(line: ParsedLine): boolean {
  if (line.level) return line.level === 'debug' || line.level === 'info';
  return /(?:^|\s)(?:DBG|INF|TRC)\s|\blevel=(?:debug|info)\b|"level":"(?:debug|info)"/i.test(line.text);
}

function put(out: Facts, key: string, value: string | number | undefined | null): Facts {
  if (value !== undefined && value !== null && value !== '') out[key] = value;
  return out;
}

function dialFacts(line: ParsedLine): Facts {
  const out: Facts = {};
  const m = DIAL.exec(line.text);
  if (m) {
    put(out, 'ip', m[1].replace(/^\[|\]$/g, ''));
    put(out, 'port', Number(m[2]));
  }
  const err = /connect: ([a-z ]+)|(i\/o timeout)|(no such host)|(connection reset by peer)/.exec(line.text);
  if (err) put(out, 'error', err[1] ?? err[2] ?? err[3] ?? err[4]);
  return out;
}

function edgeFacts(line: ParsedLine): Facts {
  const out = dialFacts(line);
  put(out, 'ip', field(line, 'ip', 'edge_ip') ?? out.ip);
  put(out, 'connIndex', field(line, 'connIndex'));
  return out;
}

function lookupFacts(line: ParsedLine): Facts {
  const out: Facts = {};
  const m = LOOKUP.exec(line.text);
  if (m) {
    put(out, 'host', m[1]);
    put(out, 'resolver', m[2]?.replace(/:$/, ''));
  }
  return out;
}

function fileFacts(line: ParsedLine): Facts {
  const m = /open ([^\s:"]+): ([a-z ]+)/.exec(line.text);
  return m ? { file: m[1], error: m[2].trim() } : {};
}

function hostFacts(line: ParsedLine): Facts {
  const out: Facts = {};
  const m = /(?:no route (?:configured )?for host)[:=\s"]*([A-Za-z0-9*_.-]+\.[A-Za-z0-9_.-]+)/i.exec(line.text);
  put(out, 'host', field(line, 'host', 'hostname', 'Host') ?? m?.[1]);
  return out;
}

const list = (values: readonly (string | number)[] | undefined, max = 5): string =>
  (values ?? []).slice(0, max).join(', ') + ((values?.length ?? 0) > max ? ', ...' : '');

// ------------------------------------------------------------------ the signatures

const PRECHECK_COMPONENT: Record<string, string> = {
  'DNS Resolution': 'edge-dns',
  'UDP Connectivity': 'edge-udp',
  'TCP Connectivity': 'edge-tcp',
  'Cloudflare API': 'edge-tcp',
};

function precheckStatus(line: ParsedLine): string | undefined {
  const s = field(line, 'status');
  if (s) return s.toUpperCase();
  return /\b(PASS|FAIL|SKIP)\b/.exec(line.text)?.[1];
}

function precheckFacts(line: ParsedLine): Facts {
  const out: Facts = {};
  put(out, 'component', field(line, 'component'));
  put(out, 'target', field(line, 'target'));
  put(out, 'details', field(line, 'details'));
  return out;
}

function precheck(component: string, status: 'FAIL' | 'PASS'): (line: ParsedLine) => boolean {
  return (line) => {
    const c = field(line, 'component');
    if (c !== undefined && c !== component) return false;
    return precheckStatus(line) === status;
  };
}

const PRECHECK_ADVICE = /^(?:ERROR|WARNING): |[|│]\s*(?:ERROR|WARNING): .*[|│]\s*$/;

const ORIGIN_DIAL_ERRORS = ['connection refused', 'i/o timeout', 'no such host', 'connection reset by peer', 'no route to host', 'network is unreachable', 'connection timed out'];

export const SIGNATURES: readonly Signature[] = [
  // ------------------------------------------------ noise first: these win over anything else on the line
  {
    name: 'request-canceled',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['context canceled', 'context cancelled', 'Incoming request ended abruptly', 'canceled by remote with error code 0'],
    note: 'A request was cancelled by its caller (or cloudflared stopped while serving it): not a fault.',
  },
  {
    name: 'udp-receive-buffer',
    id: 'udp-receive-buffer',
    kind: 'harmless',
    severity: 'info',
    // quic-go's own text starts with "failed"; pastes and some builds start it with "Failed".
    anyOf: ['to sufficiently increase receive buffer size', 'to sufficiently increase send buffer size'],
    facts: (l): Facts => {
      const m = /was: (\d+) kiB, wanted: (\d+) kiB, got: (\d+) kiB/.exec(l.text);
      return m ? { wantedKiB: Number(m[2]), gotKiB: Number(m[3]) } : {};
    },
    note: 'A QUIC tuning hint from quic-go, not an error: the tunnel works.',
  },
  {
    name: 'icmp-proxy-disabled',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['ICMP proxy feature is disabled', 'ping_group_range', 'Failed to create icmp', 'for error messages such as ICMP'],
    note: 'Only ping/traceroute through the tunnel need ICMP; MCP traffic does not.',
  },
  {
    name: 'update-check-failed',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['update check failed', 'Failed to update cloudflared', 'Cannot determine default configuration path'],
    note: 'cloudflared could not check for updates or found no config file; with a token and --no-autoupdate neither is needed.',
  },
  {
    name: 'curl-wrong-version-number',
    id: 'listener-protocol',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['wrong version number', 'WRONG_VERSION_NUMBER', 'packet length too long'],
    note: 'Expected: the proxy listener is plaintext WebSocket and the TLS runs inside it, so a TLS client gets plaintext back.',
  },

  // ------------------------------------------------ layer 1: the edge
  {
    name: 'token-not-valid',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['Provided Tunnel token is not valid', 'tunnel token is not valid', 'Invalid tunnel token'],
  },
  {
    name: 'token-file-unreadable',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['Failed to read token file'],
    facts: fileFacts,
    detail: (f) => (f.file ? `cloudflared could not read ${list(f.file)} (${list(f.error)}).` : undefined),
  },
  {
    name: 'token-missing',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    // Older releases: "requires exactly 1 argument, the ID of the tunnel to run."
    anyOf: ['requires the ID or name of the tunnel', 'requires exactly 1 argument, the ID of the tunnel'],
    detail: () => 'cloudflared started "tunnel run" without a token: TUNNEL_TOKEN is empty or not passed to the container.',
  },
  {
    name: 'edge-unauthorized',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['Unauthorized: ', 'Invalid tunnel secret', "Account doesn't have tunnel"],
    test: (l) => /tunnel secret|Failed to get tunnel|Account doesn't have|Register tunnel|[Tt]unnel/.test(l.text),
    facts: (l) => {
      const err = field(l, 'error', 'err');
      const source = err?.includes('Unauthorized: ') ? err : l.text;
      const m = /Unauthorized: (.+?)(?:\\?"|\s+[A-Za-z_]+=|$)/.exec(source);
      return put({}, 'reason', m?.[1]?.trim());
    },
    detail: (f) => (f.reason ? `The edge refused the tunnel credentials: ${list(f.reason)}.` : undefined),
  },
  {
    name: 'credentials-file-missing',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['credentials file', 'read tunnel credentials', 'origin certificate path', 'Error locating origin cert'],
    test: (l) => /doesn't exist|not found|no such file|Cannot determine|specify the origin certificate|locating origin cert/i.test(l.text),
  },
  {
    name: 'txt-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'info',
    anyOf: ['Failed to fetch features', 'Unable to lookup protocol', 'failed to look up features', 'Failed to lookup protocol', 'cfd-features.argotunnel.com', 'protocol-v2.argotunnel.com'],
    detail: () => 'Only the optional TXT lookups failed; this alone does not stop the tunnel, but it shows DNS is restricted.',
  },
  {
    name: 'srv-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    // Also the advice cloudflared prints after the failure ("ensure that argotunnel.com is returning
    // "origintunneld" service records", "... not returning compressed SRV records") and the older
    // capitalised "Error looking up Cloudflare edge IPs".
    anyOf: ['Could not lookup srv records', 'looking up Cloudflare edge IPs', "Couldn't resolve SRV record", 'edge discovery: ', 'origintunneld', 'compressed SRV records'],
    test: (l) => !quiet(l) || /error|fail|could not|couldn't/i.test(l.text),
    facts: lookupFacts,
    detail: (f) => (f.resolver ? `The lookup went to ${list(f.resolver)}.` : undefined),
  },
  {
    name: 'region-host-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['.argotunnel.com', 'cftunnel.com'],
    test: (l) => /lookup [^\s]*(?:argotunnel|cftunnel)\.com[^"]*?(?:no such host|server misbehaving|i\/o timeout|connection refused|Temporary failure|no answer)/.test(l.text),
    facts: lookupFacts,
    detail: (f) => (f.host ? `Could not resolve ${list(f.host)}${f.resolver ? ` (resolver ${list(f.resolver)})` : ''}.` : undefined),
  },
  {
    name: 'fewer-ha-connections',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['HA connections but I can give you at most'],
    facts: (l): Facts => {
      const m = /requested (\d+) HA connections but I can give you at most (\d+)/.exec(l.text);
      return m ? { requested: Number(m[1]), available: Number(m[2]) } : {};
    },
    detail: (f) => (f.available ? `Only ${list(f.available)} edge addresses were found for ${list(f.requested)} connections: the resolver returns fewer addresses than expected.` : undefined),
  },
  {
    name: 'no-edge-addresses',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['no free edge addresses left'],
    detail: () => 'cloudflared has no edge address left to dial: the region hosts resolved to nothing it can use (often only IPv6 answers on a host without IPv6, see --edge-ip-version), or every address failed.',
  },
  {
    name: 'precheck-dns-fail',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['DNS Resolution'],
    test: precheck('DNS Resolution', 'FAIL'),
    facts: precheckFacts,
  },
  {
    name: 'quic-udp-not-permitted',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['operation not permitted'],
    test: (l) => /quic|write udp|sendto|sendmsg/i.test(l.text),
    facts: edgeFacts,
    detail: () => 'This host refused to send UDP to port 7844 (sendto: operation not permitted): a local firewall rule or the container runtime drops QUIC before it leaves.',
  },
  {
    name: 'quic-handshake-rejected',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['CRYPTO_ERROR'],
    test: (l) => /quic/i.test(l.text),
    facts: edgeFacts,
    detail: () => 'The QUIC handshake to the edge was answered with a TLS alert: something on the path intercepts UDP 7844. Let QUIC to the edge through untouched, or run cloudflared with --protocol http2.',
  },
  {
    name: 'quic-udp-io-error',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: [':7844: '],
    // A UDP read or write to the edge that failed locally (datagram too large on a VPN, socket
    // errors): QUIC cannot leave this host as configured.
    test: (l) => /(?:write|read) udp \S*:7844: /.test(l.text),
    facts: edgeFacts,
    detail: () => 'Sending QUIC datagrams to the edge failed on this host (for example a VPN or tunnel interface with a smaller MTU); allow UDP 7844 on a plain path or run cloudflared with --protocol http2.',
  },
  {
    name: 'quic-dial-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    // Releases before 2022 wrapped every QUIC dial error as "failed to dial to edge: ...".
    anyOf: ['Failed to dial a quic connection', 'Failed to create new quic connection', 'failed to dial to edge with quic', 'failed to dial to edge: '],
    noneOf: ['handshake did not complete in time'],
    facts: edgeFacts,
    detail: (f) => (f.ip ? `QUIC to ${list(f.ip)} on UDP 7844 got no answer.` : undefined),
  },
  {
    name: 'quic-handshake-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['handshake did not complete in time'],
    noneOf: ['TLS handshake with edge'],
    facts: edgeFacts,
    detail: () => 'QUIC started but the handshake never finished: UDP 7844 is filtered or very lossy.',
  },
  {
    // cloudflared's QUIC connection serving: its stream listener, control stream or datagram
    // manager stopped; the connection to the edge broke and cloudflared reconnects.
    name: 'edge-connection-broke',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['encountered a failure while serving'],
    facts: edgeFacts,
    detail: () => 'A QUIC connection to the edge broke while serving (its stream listener, control stream or datagram manager failed); cloudflared reconnects. When it repeats, the UDP path drops established flows: run cloudflared with --protocol http2.',
  },
  {
    name: 'quic-idle-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['no recent network activity'],
    facts: edgeFacts,
    detail: () => 'An established QUIC connection went quiet and was closed (often a NAT or firewall forgetting the UDP flow); cloudflared reconnects.',
  },
  {
    name: 'quic-fallback-http2',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    // The warning spans two lines; the second ("... unless your cloudflared can connect with
    // Cloudflare Network with `quic`") arrives alone in console and journald output.
    anyOf: ['Switching to fallback protocol', 'If this log occurs persistently', 'egress UDP to port 7844', 'falling back to http2', 'connect with Cloudflare Network with'],
    detail: () => 'cloudflared gave up on QUIC and runs over HTTP/2 (TCP 7844) until it restarts.',
  },
  {
    name: 'precheck-udp-fail',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['UDP Connectivity'],
    test: precheck('UDP Connectivity', 'FAIL'),
    facts: precheckFacts,
  },
  {
    name: 'edge-tls-handshake',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['TLS handshake with edge error', 'TLS handshake with edge'],
    facts: edgeFacts,
    detail: () => 'TCP 7844 connects but the TLS handshake with the edge fails: something on the path (a proxy or TLS inspection) intercepts it.',
  },
  {
    name: 'edge-tls-intercepted',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['certificate signed by unknown authority', 'certificate is valid for', 'certificate is not valid for any names'],
    test: (l) => /connIndex|Serve tunnel|tunnel connection|Cloudflare edge|cftunnel\.com|:7844/.test(l.text) && !/originService|Unable to reach the origin/.test(l.text),
    facts: edgeFacts,
    detail: () => 'cloudflared did not get the edge certificate it expects: a middlebox is intercepting TLS to the edge; exempt h2.cftunnel.com and quic.cftunnel.com from inspection.',
  },
  {
    name: 'edge-tcp-dial',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: [':7844: ', 'Unable to establish connection with Cloudflare edge', 'Unable to establish connection with the edge'],
    test: (l) => /:7844: (?:i\/o timeout|connect:|read:|write:)|Unable to establish connection/.test(l.text) && !/quic/i.test(l.text),
    facts: edgeFacts,
    detail: (f) => (f.ip ? `TCP to ${list(f.ip)} port 7844 failed${f.error ? ` (${list(f.error)})` : ''}.` : undefined),
  },
  {
    name: 'precheck-tcp-fail',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['TCP Connectivity'],
    test: precheck('TCP Connectivity', 'FAIL'),
    facts: precheckFacts,
  },
  {
    name: 'precheck-api-fail',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['Cloudflare API'],
    test: precheck('Cloudflare API', 'FAIL'),
    facts: precheckFacts,
    detail: () => 'api.cloudflare.com on TCP 443 is optional for a token-run tunnel; the tunnel can still work.',
  },
  // The pre-check's advice lines ("ERROR: ..." / "WARNING: ...") name the transport they are about.
  ...(
    [
      ['udp', 'edge-udp', /UDP|QUIC/],
      ['tcp', 'edge-tcp', /TCP|HTTP\/2|http2/],
      ['dns', 'edge-dns', /DNS|resolv/i],
    ] as const
  ).map(
    ([topic, id, re]): Signature => ({
      name: `precheck-advice-${topic}`,
      id,
      kind: 'problem',
      severity: 'warn',
      anyOf: ['ERROR: ', 'WARNING: '],
      // Alone on a line, or as a row of the table ("|  ERROR: ...  |"), which cloudflared's console
      // logger prints after its own timestamp and level.
      test: (l) => PRECHECK_ADVICE.test(l.text) && re.test(l.text) && (topic === 'udp' || !/UDP|QUIC/.test(l.text)),
    }),
  ),
  {
    name: 'no-ingress-rules',
    id: 'cloudflared-ingress',
    kind: 'problem',
    severity: 'error',
    anyOf: ['No ingress rules were defined'],
    detail: () => 'cloudflared has no --url and no ingress rules, so it answers every request with an error.',
  },
  {
    // cloudflared's own request to its --url target failing TLS: the URL says https://, but the
    // proxy listener is plaintext WebSocket (the TLS runs inside it), so --url must be http://.
    name: 'origin-https-to-plaintext',
    id: 'cloudflared-ingress',
    kind: 'problem',
    severity: 'error',
    anyOf: ['first record does not look like a TLS handshake', 'x509: ', 'tls: '],
    test: (l) => /originService["=:\s]+https:\/\//.test(l.text) || (/Unable to reach the origin/.test(l.text) && /first record does not look like a TLS handshake/.test(l.text)),
    facts: (l) => put({}, 'origin', field(l, 'originService')),
    detail: (f) => `cloudflared's --url is ${list(f.origin ?? []) || 'an https:// URL'}: the proxy listener is plaintext, so use http://localhost:<listen port>.`,
  },
  {
    name: 'origin-unreachable',
    id: 'proxy-unreachable',
    kind: 'problem',
    severity: 'error',
    // Older releases: "Error proxying request to origin: ..." and "unable to connect to the origin";
    // the sentence after the first one survives when users paraphrase it.
    anyOf: ['Unable to reach the origin service', 'responding to traffic from cloudflared', 'Error proxying request to origin', 'unable to connect to the origin'],
    facts: (l) => put(dialFacts(l), 'origin', field(l, 'originService')),
    detail: (f) =>
      f.ip || f.origin
        ? `cloudflared dialled ${list(f.origin ?? [])}${f.ip ? ` (${list(f.ip)}:${list(f.port)})` : ''} and got ${list(f.error) || 'an error'}.`
        : undefined,
  },
  {
    name: 'origin-dial-error',
    id: 'proxy-unreachable',
    kind: 'problem',
    severity: 'error',
    anyOf: ORIGIN_DIAL_ERRORS,
    // cloudflared's own lines dialling the local target: request fields (originService, cfRay,
    // dest...), or a TCP dial on a connection's line; edge dials are matched above. UDP dials
    // (DNS, ICMP source lookup) and WARP private routing are not the proxy.
    test: (l) =>
      !/dial udp|originService[=":]+warp-routing/.test(l.text) &&
      (/originService|ingressRule|cfRay|\bdest=|"dest"/.test(l.text) || (/connIndex/.test(l.text) && /dial tcp/.test(l.text))),
    facts: (l) => put(dialFacts(l), 'origin', field(l, 'originService')),
    detail: (f) => (f.origin ? `cloudflared could not reach ${list(f.origin)} (${list(f.error) || 'dial error'}).` : undefined),
  },

  // ------------------------------------------------ layer 2: the inner TLS
  {
    name: 'tls-unknown-ca',
    id: 'ca-registration',
    kind: 'problem',
    severity: 'error',
    anyOf: ['unknown certificate authority', 'unknown_ca'],
    detail: () => 'The platform does not trust the CA that signed tls.crt: register data/ca.crt for this tunnel, or re-issue tls.crt from the registered CA.',
  },
  {
    name: 'tls-expired-certificate',
    id: 'certificate-expiry',
    kind: 'problem',
    severity: 'error',
    anyOf: ['expired certificate', 'certificate_expired'],
    noneOf: ['x509: '],
    detail: () => 'The platform refused the proxy certificate as expired: renew tls.crt.',
  },
  {
    name: 'tls-bad-certificate',
    id: 'server-certificate',
    kind: 'problem',
    severity: 'error',
    anyOf: ['bad certificate', 'bad_certificate', 'unsupported certificate', 'certificate unknown'],
    detail: () => 'The platform rejected the certificate the proxy served: run mcp-tunnel doctor to see which rule it breaks (SAN, expiry, issuer, key usage).',
  },
  {
    name: 'key-unreadable',
    id: 'private-key',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission denied', 'no such file or directory'],
    test: (l) => /open [^\s:"]*(?:\.key|key\.pem)\b/.test(l.text),
    facts: fileFacts,
    detail: (f) => (f.file ? `The proxy could not open ${list(f.file)} (${list(f.error)}); it runs as UID 65532.` : undefined),
  },
  {
    name: 'key-invalid',
    id: 'private-key',
    kind: 'problem',
    severity: 'error',
    anyOf: ['private key does not match public key', 'failed to find any PEM data in key input', 'failed to parse private key', 'failed to find certificate PEM data in certificate input, but did find a private key', 'decryption password incorrect'],
  },
  {
    name: 'certificate-unreadable',
    id: 'server-certificate',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission denied', 'no such file or directory', 'failed to find any PEM data in certificate input'],
    test: (l) => /failed to find any PEM data in certificate input|open [^\s:"]*(?:\.crt|\.pem|\.cer)\b/.test(l.text) && !/ca_file|ca\.crt/.test(l.text),
    facts: fileFacts,
    detail: (f) => (f.file ? `The proxy could not read its certificate ${list(f.file)} (${list(f.error)}).` : undefined),
  },
  {
    name: 'tls-handshake-failed',
    id: 'inner-tls',
    kind: 'problem',
    severity: 'error',
    anyOf: ['tls handshake failed', 'TLS handshake failed', 'tls handshake error', 'TLS handshake error'],
    noneOf: ['TLS handshake with edge'],
    facts: (l) => {
      const out: Facts = {};
      put(out, 'reason', /(?:remote error: )?tls: ([a-z ]+)/.exec(l.text)?.[1]?.trim());
      put(out, 'sni', field(l, 'sni', 'server_name', 'host'));
      return out;
    },
    detail: (f) => (f.reason ? `Reason given: ${list(f.reason)}.` : undefined),
  },

  // ------------------------------------------------ layer 3: routing
  {
    name: 'routes-as-list',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['cannot unmarshal !!seq into map[string]string'],
    detail: () => 'routes is a YAML list; it must be a map (routes: { name: http://host:port }).',
  },
  {
    name: 'invalid-upstream',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['invalid upstream'],
    facts: (l) => {
      const out: Facts = {};
      put(out, 'route', field(l, 'route', 'name'));
      const urls = [...l.text.matchAll(/([a-z][a-z0-9+.-]*:\/\/[^\s"\\]+)/g)].map((u) => u[1]).filter((u) => !u.startsWith('scheme://'));
      put(out, 'upstream', field(l, 'upstream', 'url') ?? urls[0]);
      return out;
    },
    detail: (f) => (f.upstream ? `Upstream ${list(f.upstream)} is not exactly scheme://host:port.` : undefined),
  },
  {
    name: 'config-yaml-error',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['yaml: line ', 'yaml: unmarshal errors', 'cannot unmarshal', 'mapping values are not allowed', 'did not find expected', 'not found in type'],
    facts: (l) => put({}, 'line', Number(/yaml: line (\d+)/.exec(l.text)?.[1] ?? NaN) || undefined),
    detail: (f) => (f.line ? `The YAML error is at line ${list(f.line)} of the proxy config.` : undefined),
  },
  {
    name: 'config-unreadable',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission denied', 'no such file or directory', 'failed to load config', 'failed to read config', 'error loading config'],
    test: (l) => /config|\.ya?ml/i.test(l.text),
    facts: fileFacts,
  },
  {
    name: 'no-route-for-host',
    id: 'tunnel-domain',
    kind: 'problem',
    severity: 'error',
    anyOf: ['no route for host', 'No route configured for host', 'no route configured for host'],
    facts: hostFacts,
    detail: (f) => (f.host ? `Requests for ${list(f.host)} found no route: check tunnel_domain and the route keys, then restart the proxy.` : undefined),
  },
  {
    name: 'ip-validation-failed',
    id: 'upstream-ip',
    kind: 'problem',
    severity: 'error',
    anyOf: ['IP validation failed', 'is not a private address', 'not in allowed_ips', 'not an allowed address'],
    facts: (l) => {
      const out: Facts = {};
      const m = /(?:failed: |address )\[?([0-9a-fA-F:.]+)\]? is not/.exec(l.text) ?? /\b(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+)\b/.exec(l.text);
      put(out, 'ip', field(l, 'ip', 'addr', 'address') ?? m?.[1]);
      put(out, 'route', field(l, 'route'));
      put(out, 'host', field(l, 'host', 'upstream'));
      return out;
    },
    detail: (f) => {
      const ips = (f.ip ?? []).map(String);
      if (ips.length === 0) return undefined;
      const v6 = ips.filter((ip) => ip.includes(':'));
      if (v6.length > 0) return `The upstream resolved to IPv6 (${list(v6)}); the proxy dials IPv4 only: give it an IPv4 address.`;
      // One narrow CIDR when the addresses are neighbours; never a wide one (that would open the SSRF guard).
      const cidr = coveringCidr(ips);
      const add = Number(cidr.split('/')[1]) >= 24 ? cidr : ips.slice(0, 5).map((ip) => `${ip}/32`).join(', ');
      return `Refused address${ips.length > 1 ? 'es' : ''} ${list(ips)}: if legitimate, add ${add} to upstream.allowed_ips (keep the private ranges your other upstreams use).`;
    },
  },
  {
    name: 'invalid-allowed-ips',
    id: 'allowed-ips',
    kind: 'problem',
    severity: 'error',
    anyOf: ['invalid CIDR address', 'allowed_ips', 'disable_ip_validation'],
    test: (l) => /invalid CIDR|invalid|cannot|conflict|both/i.test(l.text) && !quiet(l),
    facts: (l) => put({}, 'entry', /invalid CIDR address: (\S+)/.exec(l.text)?.[1]?.replace(/["\\]+$/, '')),
  },
  {
    name: 'upstream-unknown-authority',
    id: 'upstream-tls',
    kind: 'problem',
    severity: 'error',
    anyOf: ['certificate signed by unknown authority', 'certificate is valid for', 'certificate is not valid for any names', 'x509: certificate has expired', 'server gave HTTP response to HTTPS client', 'first record does not look like a TLS handshake'],
    facts: (l) => put(dialFacts(l), 'upstream', field(l, 'upstream', 'host', 'url')),
    detail: (f) => (f.upstream ? `The https:// upstream ${list(f.upstream)} could not be verified.` : undefined),
  },
  {
    name: 'upstream-dial-failed',
    id: 'upstream-reachable',
    kind: 'problem',
    severity: 'error',
    anyOf: [...ORIGIN_DIAL_ERRORS, 'server misbehaving', 'Temporary failure in name resolution'],
    // Not cloudflared's own calls to Cloudflare (edge, API, quick tunnels, updates).
    test: (l) => /dial tcp|lookup |connect: |dial: /.test(l.text) && !/:7844\b|argotunnel|cftunnel|cloudflare\.com|originService/.test(l.text),
    facts: (l) => {
      const out = dialFacts(l);
      const lk = /lookup ([A-Za-z0-9_.-]+)/.exec(l.text);
      put(out, 'host', lk?.[1]);
      put(out, 'route', field(l, 'route'));
      return out;
    },
    detail: (f) =>
      f.ip ? `Nothing accepted the connection at ${(f.ip ?? []).slice(0, 5).map((ip, i) => `${ip}:${f.port?.[i] ?? f.port?.[0] ?? '?'}`).join(', ')} (${list(f.error)}).`
      : f.host ? `Upstream host ${list(f.host)} does not resolve (${list(f.error)}).` : undefined,
  },

  // ------------------------------------------------ the setup job
  {
    name: 'tunnel-quota',
    id: 'tunnel-quota',
    kind: 'problem',
    severity: 'error',
    anyOf: ['non-archived Tunnels', 'non-archived tunnels'],
  },
  {
    name: 'exchange-refused',
    id: 'setup-permissions',
    kind: 'problem',
    severity: 'error',
    anyOf: ['invalid_grant', 'authentication_error'],
    facts: (l) => put({}, 'error', /(invalid_grant|authentication_error)/.exec(l.text)?.[1]),
    detail: () => 'The identity token was refused at the exchange: check it against the federation rule with mcp-tunnel doctor --jwt-file <token> --federation-rule <rule.json>.',
  },
  {
    name: 'tunnels-api-forbidden',
    id: 'setup-permissions',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission_error', '403 Forbidden', 'manage_tunnels'],
    test: (l) => /permission_error|403|forbidden|not a member/i.test(l.text),
  },
  {
    name: 'setup-job-left-behind',
    id: 'helm-values',
    kind: 'problem',
    severity: 'error',
    anyOf: ['mcp-tunnel-setup', 'failed pre-install'],
    test: (l) => /already exists|failed pre-install|BackoffLimitExceeded|job failed/i.test(l.text),
    detail: () => 'A failed setup Job is left behind: read it (kubectl logs job/mcp-tunnel-setup -n mcp-tunnel), fix the cause, then kubectl -n mcp-tunnel delete job mcp-tunnel-setup and retry.',
  },

  // ------------------------------------------------ consequences and lifecycle: explained, never causes
  {
    name: 'reconnecting',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['Retrying connection in up to', 'Unregistered tunnel connection', 'Lost connection with the edge', 'Connection terminated', 'Application error 0x0'],
    note: 'cloudflared is reconnecting; the reason, if any, is in the error line before it.',
  },
  {
    name: 'connector-stopped',
    kind: 'harmless',
    severity: 'info',
    anyOf: ['Initiating shutdown', 'Tunnel server stopped', 'initial tunnel connection failed', 'Initiating graceful shutdown'],
    note: 'cloudflared stopped; the cause, if it was not asked to, is in the lines before it.',
  },

  // ------------------------------------------------ healthy evidence
  {
    name: 'connection-registered',
    kind: 'healthy',
    severity: 'info',
    anyOf: ['Registered tunnel connection', ' registered connIndex'],
    facts: (l) => {
      const out: Facts = {};
      put(out, 'connIndex', field(l, 'connIndex'));
      put(out, 'protocol', field(l, 'protocol'));
      put(out, 'location', field(l, 'location'));
      return out;
    },
  },
  {
    name: 'route-configured',
    id: 'proxy-config',
    kind: 'healthy',
    severity: 'info',
    anyOf: ['route configured'],
    facts: (l) => {
      const out: Facts = {};
      const m = /route configured:?\s+([A-Za-z0-9_.*-]+)(?:\s+->\s+(\S+))?/.exec(l.text);
      put(out, 'route', field(l, 'route', 'name', 'host', 'hostname') ?? m?.[1]);
      put(out, 'upstream', field(l, 'upstream', 'target', 'url') ?? m?.[2]);
      return out;
    },
  },
  ...Object.entries(PRECHECK_COMPONENT).map(
    ([component, id]): Signature => ({
      name: `precheck-pass-${component.split(' ')[0].toLowerCase()}`,
      id,
      kind: 'healthy',
      severity: 'info',
      anyOf: [component],
      test: precheck(component, 'PASS'),
      facts: precheckFacts,
    }),
  ),
];

/**
 * Markers of an error-level line in every format the reader knows. Lines carrying one that no
 * signature explains are counted as "unmatched", so users see what the tool does not know yet.
 */
export const ERROR_LEVEL_MARKERS: readonly string[] = [
  ' ERR ', ' FTL ', ' PNC ',
  '"level":"error"', '"level":"fatal"', '"level":"ERROR"', '"level":"FATAL"', '"level":"panic"',
  'level=error', 'level=fatal', 'level=ERROR', 'level=FATAL',
  '\tERROR\t', '\tFATAL\t', '\tDPANIC\t', '\tPANIC\t',
  'ERROR: ', 'Error: ', '[ERROR]', 'panic: ',
];

/** Every literal the byte prefilter searches for: the signatures' anyOf fragments and the level markers. */
export function prefilterFragments(): string[] {
  const all = new Set<string>();
  for (const s of SIGNATURES) for (const f of s.anyOf) all.add(f);
  for (const f of ERROR_LEVEL_MARKERS) all.add(f);
  // A fragment that contains another one is implied by it: searching the shorter one suffices.
  const frags = [...all];
  return frags.filter((f) => !frags.some((g) => g !== f && f.includes(g))).sort();
}

/** The smallest IPv4 CIDR that covers all the addresses (a single address gives /32). */
export function coveringCidr(ips: readonly string[]): string {
  const nums = ips
    .map((ip) => ip.split('.').map(Number))
    .filter((p) => p.length === 4 && p.every((n) => Number.isInteger(n) && n >= 0 && n <= 255))
    .map((p) => ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0);
  if (nums.length === 0) return ips[0] ?? '';
  let prefix = 32;
  const first = nums[0];
  for (const n of nums) {
    while (prefix > 0 && (first >>> (32 - prefix)) !== (n >>> (32 - prefix))) prefix--;
  }
  const base = prefix === 0 ? 0 : ((first >>> (32 - prefix)) << (32 - prefix)) >>> 0;
  return `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${prefix}`;
}
