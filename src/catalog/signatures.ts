// The log signatures: for every catalog ID with log evidence, the lines that point to it.
// A signature is found by literal fragments (the byte prefilter searches for exactly these, so
// they must be plain substrings of the raw line, with no quotes or characters JSON escapes),
// then confirmed by `allOf` / `noneOf` and an optional test, and may pull facts out of the line.
// Order matters: the first signature that matches a line wins, so specific ones come first.
// `healthy` lines are counted as evidence that a layer works; `harmless` ones are explained
// and never reported as errors.
//
// Signatures are data: tests, facts and sentences are regular expressions, field names and
// templates that src/logs/matcher.ts interprets the same way for every signature.

import type { Severity } from '../core/types.js';

export type SignatureKind = 'problem' | 'healthy' | 'harmless';

/**
 * A value read from a line: the first non-empty of the named `fields` (logfmt, JSON or console
 * key=value); else, from the first of `patterns` that matches the line's text, capture `group`
 * (by default the first group that matched), trimmed.
 */
export interface ValueRule {
  fields?: readonly string[];
  patterns?: readonly RegExp[];
  group?: number;
  /** A number (a port, a size); a value that is not one is dropped. */
  number?: true;
}

/** A fact and where its value comes from; a later rule for the same fact replaces the value when it finds one. */
export type FactRule = readonly [fact: string, rule: ValueRule];

/** A test on a line; every part given must hold. */
export interface LineTest {
  /** The line's text (without the prefixes the environment adds) matches... */
  matches?: RegExp;
  /** ...and this one too... */
  andMatches?: RegExp;
  /** ...and not this one. */
  notMatches?: RegExp;
  /** The line is not debug or info: from its level, or its level word when a prefix hides it. */
  notQuiet?: true;
  /** Values of the line are these (compared without case); `orAbsent`: or the line has none. */
  values?: readonly { of: ValueRule; is: string; orAbsent?: true }[];
}

/**
 * A sentence built from the facts of every matching line. `{name}`: the values of a fact, up to
 * five ("a, b, ..."), or a count; `{name:N}`: the first N values, all shown; `{name:other}`:
 * each value with the value of fact `other` at the same place ("ip:port"); `{name|text}`: the
 * text when there are no values. `{lines}`: the number of matching lines.
 */
export interface Template {
  text: string;
  /** Used only when these facts (or counts) have values... */
  needs?: readonly string[];
  /** ...and these have none... */
  lacks?: readonly string[];
  /** ...and this fact has exactly one value (or this count is 1)... */
  one?: string;
  /** ...or more than one. */
  many?: string;
  /** ...and more lines matched than this count. */
  linesAbove?: string;
}

/**
 * A number for a summary, from what the signature saw: the number of distinct values of the fact
 * `distinct` (when there is none, the lines matched, at most `linesUpTo`); or the first value of
 * fact `fact` of the signature `signature`, when it is a positive number, else `otherwise`; never
 * less than the count `atLeast`.
 */
export interface CountRule {
  distinct?: string;
  linesUpTo?: number;
  signature?: string;
  fact?: string;
  otherwise?: number;
  atLeast?: string;
}

/** Values derived from a fact for the sentences: the values that match `keep`; or, with `summary`, one value. */
export interface DerivedFact {
  from: string;
  keep?: RegExp;
  /** 'allowed-ips-entries': what to add to allowed_ips for the addresses (see allowedIpsEntries). */
  summary?: 'allowed-ips-entries';
}

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
  /** A last word on the parsed line, for what literals cannot say; a list: any one of them. */
  test?: LineTest | readonly LineTest[];
  /** Facts worth reporting (IP, port, host, route, file, days...), in this order. */
  facts?: readonly FactRule[];
  /** Facts derived from the facts of all matching lines, for the detail and the summary. */
  derived?: Readonly<Record<string, DerivedFact>>;
  /** Counts for the summary, computed in this order. */
  counts?: Readonly<Record<string, CountRule>>;
  /** A sentence particular to what was matched: every template whose conditions hold, joined. */
  detail?: readonly Template[];
  /** For healthy lines: what they prove, in the same way. */
  summary?: readonly Template[];
  /** For harmless lines: why it is not a problem. */
  note?: string;
}

/**
 * A catalog ID whose matches change severity when another signature saw a fact: e.g. QUIC
 * failures are degraded, not fatal, when connections did register over HTTP/2.
 */
export interface SeverityChange {
  id: string;
  from: Severity;
  to: Severity;
  when: { signature: string; fact: string; includes: string };
  /** Added to the match's detail. */
  detail: string;
}

// ------------------------------------------------------------------ value rules shared by signatures

const IPV4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const DIAL_TARGET = String.raw`dial (?:tcp|udp)[46]? (?:\[([0-9a-fA-F:.]+)\]|(${IPV4}|[A-Za-z0-9.-]+))`;
const DIAL_IP: ValueRule = { patterns: [new RegExp(`${DIAL_TARGET}:\\d+`)] };
const DIAL_PORT: ValueRule = { patterns: [new RegExp(`${DIAL_TARGET}:(\\d+)`)], group: 3, number: true };
const DIAL_ERROR: ValueRule = {
  patterns: [/connect: ([a-z ]+)|(i\/o timeout)|(no such host)|(connection reset by peer)/],
};
const field = (...fields: string[]): ValueRule => ({ fields });
const rules = (byFact: Readonly<Record<string, ValueRule>>): FactRule[] => Object.entries(byFact);

/** A dial's address, port and error. */
const DIAL_FACTS = rules({ ip: DIAL_IP, port: DIAL_PORT, error: DIAL_ERROR });

/** A connection to the edge: its address (as cloudflared logs it, else as dialled), port, error and index. */
const EDGE_FACTS: readonly FactRule[] = [
  ...DIAL_FACTS,
  ['ip', field('ip', 'edge_ip')],
  ['connIndex', field('connIndex')],
];

const LOOKUP = /lookup ([A-Za-z0-9_.-]+)(?: on ([0-9a-fA-F.:[\]]*[0-9a-fA-F.\]]))?/;
const LOOKUP_FACTS = rules({ host: { patterns: [LOOKUP], group: 1 }, resolver: { patterns: [LOOKUP], group: 2 } });

const OPEN = /open ([^\s:"]+): ([a-z ]+)/;
const FILE_FACTS = rules({ file: { patterns: [OPEN], group: 1 }, error: { patterns: [OPEN], group: 2 } });

const HOST_FACTS = rules({
  host: {
    fields: ['host', 'hostname', 'Host'],
    patterns: [/(?:no route (?:configured )?for host)[:=\s"]*([A-Za-z0-9*_.-]+\.[A-Za-z0-9_.-]+)/i],
  },
});

const PRECHECK_COMPONENT: Record<string, string> = {
  'DNS Resolution': 'edge-dns',
  'UDP Connectivity': 'edge-udp',
  'TCP Connectivity': 'edge-tcp',
  'Cloudflare API': 'edge-tcp',
};

const PRECHECK_FACTS = rules({ component: field('component'), target: field('target'), details: field('details') });

/** A row of cloudflared's pre-check table for this component (or a line without one) with this status. */
function precheck(component: string, status: 'FAIL' | 'PASS'): LineTest {
  return {
    values: [
      { of: field('component'), is: component, orAbsent: true },
      { of: { fields: ['status'], patterns: [/\b(PASS|FAIL|SKIP)\b/] }, is: status },
    ],
  };
}

const PRECHECK_ADVICE = /^(?:ERROR|WARNING): |[|│]\s*(?:ERROR|WARNING): .*[|│]\s*$/;

const ORIGIN_DIAL_ERRORS = [
  'connection refused',
  'i/o timeout',
  'no such host',
  'connection reset by peer',
  'no route to host',
  'network is unreachable',
  'connection timed out',
];

/** Connections a healthy cloudflared opens unless told otherwise. */
const DEFAULT_HA_CONNECTIONS = 4;

const ROUTE_CONFIGURED = /route configured:?\s+([A-Za-z0-9_.*-]+)(?:\s+->\s+(\S+))?/;

export const SIGNATURES: readonly Signature[] = [
  // ------------------------------------------------ noise first: these win over anything else on the line
  {
    name: 'request-canceled',
    kind: 'harmless',
    severity: 'info',
    anyOf: [
      'context canceled',
      'context cancelled',
      'Incoming request ended abruptly',
      'canceled by remote with error code 0',
    ],
    note: 'A request was cancelled by its caller (or cloudflared stopped while serving it): not a fault.',
  },
  {
    name: 'udp-receive-buffer',
    id: 'udp-receive-buffer',
    kind: 'harmless',
    severity: 'info',
    // quic-go's own text starts with "failed"; pastes and some builds start it with "Failed".
    anyOf: ['to sufficiently increase receive buffer size', 'to sufficiently increase send buffer size'],
    facts: rules({
      wantedKiB: { patterns: [/was: \d+ kiB, wanted: (\d+) kiB, got: \d+ kiB/], number: true },
      gotKiB: { patterns: [/was: \d+ kiB, wanted: \d+ kiB, got: (\d+) kiB/], number: true },
    }),
    note: 'A QUIC tuning hint from quic-go, not an error: the tunnel works.',
  },
  {
    name: 'icmp-proxy-disabled',
    kind: 'harmless',
    severity: 'info',
    anyOf: [
      'ICMP proxy feature is disabled',
      'ping_group_range',
      'Failed to create icmp',
      'for error messages such as ICMP',
    ],
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
    facts: FILE_FACTS,
    detail: [{ text: 'cloudflared could not read {file} ({error}).', needs: ['file'] }],
  },
  {
    name: 'token-missing',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    // Older releases: "requires exactly 1 argument, the ID of the tunnel to run."
    anyOf: ['requires the ID or name of the tunnel', 'requires exactly 1 argument, the ID of the tunnel'],
    detail: [
      {
        text: 'cloudflared started "tunnel run" without a token: TUNNEL_TOKEN is empty or not passed to the container.',
      },
    ],
  },
  {
    name: 'edge-unauthorized',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['Unauthorized: ', 'Invalid tunnel secret', "Account doesn't have tunnel"],
    test: { matches: /tunnel secret|Failed to get tunnel|Account doesn't have|Register tunnel|[Tt]unnel/ },
    // The text, not the error field: the pattern stops at the closing quote of the field.
    facts: rules({ reason: { patterns: [/Unauthorized: (.+?)(?:\\?"|\s+[A-Za-z_]+=|$)/] } }),
    detail: [{ text: 'The edge refused the tunnel credentials: {reason}.', needs: ['reason'] }],
  },
  {
    name: 'credentials-file-missing',
    id: 'tunnel-token',
    kind: 'problem',
    severity: 'error',
    anyOf: ['credentials file', 'read tunnel credentials', 'origin certificate path', 'Error locating origin cert'],
    test: {
      matches:
        /doesn't exist|not found|no such file|Cannot determine|specify the origin certificate|locating origin cert/i,
    },
  },
  {
    name: 'txt-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'info',
    anyOf: [
      'Failed to fetch features',
      'Unable to lookup protocol',
      'failed to look up features',
      'Failed to lookup protocol',
      'cfd-features.argotunnel.com',
      'protocol-v2.argotunnel.com',
    ],
    detail: [
      {
        text: 'Only the optional TXT lookups failed; this alone does not stop the tunnel, but it shows DNS is restricted.',
      },
    ],
  },
  {
    name: 'srv-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    // Also the advice cloudflared prints after the failure ("ensure that argotunnel.com is returning
    // "origintunneld" service records", "... not returning compressed SRV records") and the older
    // capitalised "Error looking up Cloudflare edge IPs".
    anyOf: [
      'Could not lookup srv records',
      'looking up Cloudflare edge IPs',
      "Couldn't resolve SRV record",
      'edge discovery: ',
      'origintunneld',
      'compressed SRV records',
    ],
    test: [{ notQuiet: true }, { matches: /error|fail|could not|couldn't/i }],
    facts: LOOKUP_FACTS,
    detail: [{ text: 'The lookup went to {resolver}.', needs: ['resolver'] }],
  },
  {
    name: 'region-host-lookup-failed',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['.argotunnel.com', 'cftunnel.com'],
    test: {
      matches:
        /lookup [^\s]*(?:argotunnel|cftunnel)\.com[^"]*?(?:no such host|server misbehaving|i\/o timeout|connection refused|Temporary failure|no answer)/,
    },
    facts: LOOKUP_FACTS,
    detail: [
      { text: 'Could not resolve {host} (resolver {resolver}).', needs: ['host', 'resolver'] },
      { text: 'Could not resolve {host}.', needs: ['host'], lacks: ['resolver'] },
    ],
  },
  {
    name: 'fewer-ha-connections',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['HA connections but I can give you at most'],
    facts: rules({
      requested: { patterns: [/requested (\d+) HA connections but I can give you at most \d+/], number: true },
      available: { patterns: [/requested \d+ HA connections but I can give you at most (\d+)/], number: true },
    }),
    detail: [
      {
        text: 'Only {available} edge addresses were found for {requested} connections: the resolver returns fewer addresses than expected.',
        needs: ['available'],
      },
    ],
  },
  {
    name: 'no-edge-addresses',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['no free edge addresses left'],
    detail: [
      {
        text: 'cloudflared has no edge address left to dial: the region hosts resolved to nothing it can use (often only IPv6 answers on a host without IPv6, see --edge-ip-version), or every address failed.',
      },
    ],
  },
  {
    name: 'precheck-dns-fail',
    id: 'edge-dns',
    kind: 'problem',
    severity: 'error',
    anyOf: ['DNS Resolution'],
    test: precheck('DNS Resolution', 'FAIL'),
    facts: PRECHECK_FACTS,
  },
  {
    name: 'quic-udp-not-permitted',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['operation not permitted'],
    test: { matches: /quic|write udp|sendto|sendmsg/i },
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'This host refused to send UDP to port 7844 (sendto: operation not permitted): a local firewall rule or the container runtime drops QUIC before it leaves.',
      },
    ],
  },
  {
    name: 'quic-handshake-rejected',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['CRYPTO_ERROR'],
    test: { matches: /quic/i },
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'The QUIC handshake to the edge was answered with a TLS alert: something on the path intercepts UDP 7844. Let QUIC to the edge through untouched, or run cloudflared with --protocol http2.',
      },
    ],
  },
  {
    name: 'quic-udp-io-error',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: [':7844: '],
    // A UDP read or write to the edge that failed locally (datagram too large on a VPN, socket
    // errors): QUIC cannot leave this host as configured.
    test: { matches: /(?:write|read) udp \S*:7844: / },
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'Sending QUIC datagrams to the edge failed on this host (for example a VPN or tunnel interface with a smaller MTU); allow UDP 7844 on a plain path or run cloudflared with --protocol http2.',
      },
    ],
  },
  {
    name: 'quic-dial-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    // Releases before 2022 wrapped every QUIC dial error as "failed to dial to edge: ...".
    anyOf: [
      'Failed to dial a quic connection',
      'Failed to create new quic connection',
      'failed to dial to edge with quic',
      'failed to dial to edge: ',
    ],
    noneOf: ['handshake did not complete in time'],
    facts: EDGE_FACTS,
    detail: [{ text: 'QUIC to {ip} on UDP 7844 got no answer.', needs: ['ip'] }],
  },
  {
    name: 'quic-handshake-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['handshake did not complete in time'],
    noneOf: ['TLS handshake with edge'],
    facts: EDGE_FACTS,
    detail: [{ text: 'QUIC started but the handshake never finished: UDP 7844 is filtered or very lossy.' }],
  },
  {
    // cloudflared's QUIC connection serving: its stream listener, control stream or datagram
    // manager stopped; the connection to the edge broke and cloudflared reconnects.
    name: 'edge-connection-broke',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['encountered a failure while serving'],
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'A QUIC connection to the edge broke while serving (its stream listener, control stream or datagram manager failed); cloudflared reconnects. When it repeats, the UDP path drops established flows: run cloudflared with --protocol http2.',
      },
    ],
  },
  {
    name: 'quic-idle-timeout',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['no recent network activity'],
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'An established QUIC connection went quiet and was closed (often a NAT or firewall forgetting the UDP flow); cloudflared reconnects.',
      },
    ],
  },
  {
    name: 'quic-fallback-http2',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'warn',
    // The warning spans two lines; the second ("... unless your cloudflared can connect with
    // Cloudflare Network with `quic`") arrives alone in console and journald output.
    anyOf: [
      'Switching to fallback protocol',
      'If this log occurs persistently',
      'egress UDP to port 7844',
      'falling back to http2',
      'connect with Cloudflare Network with',
    ],
    detail: [{ text: 'cloudflared gave up on QUIC and runs over HTTP/2 (TCP 7844) until it restarts.' }],
  },
  {
    name: 'precheck-udp-fail',
    id: 'edge-udp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['UDP Connectivity'],
    test: precheck('UDP Connectivity', 'FAIL'),
    facts: PRECHECK_FACTS,
  },
  {
    name: 'edge-tls-handshake',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['TLS handshake with edge error', 'TLS handshake with edge'],
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'TCP 7844 connects but the TLS handshake with the edge fails: something on the path (a proxy or TLS inspection) intercepts it.',
      },
    ],
  },
  {
    name: 'edge-tls-intercepted',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      'certificate signed by unknown authority',
      'certificate is valid for',
      'certificate is not valid for any names',
    ],
    test: {
      matches: /connIndex|Serve tunnel|tunnel connection|Cloudflare edge|cftunnel\.com|:7844/,
      notMatches: /originService|Unable to reach the origin/,
    },
    facts: EDGE_FACTS,
    detail: [
      {
        text: 'cloudflared did not get the edge certificate it expects: a middlebox is intercepting TLS to the edge; exempt h2.cftunnel.com and quic.cftunnel.com from inspection.',
      },
    ],
  },
  {
    name: 'edge-tcp-dial',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      ':7844: ',
      'Unable to establish connection with Cloudflare edge',
      'Unable to establish connection with the edge',
    ],
    test: {
      matches: /:7844: (?:i\/o timeout|connect:|read:|write:)|Unable to establish connection/,
      notMatches: /quic/i,
    },
    facts: EDGE_FACTS,
    detail: [
      { text: 'TCP to {ip} port 7844 failed ({error}).', needs: ['ip', 'error'] },
      { text: 'TCP to {ip} port 7844 failed.', needs: ['ip'], lacks: ['error'] },
    ],
  },
  {
    name: 'precheck-tcp-fail',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'error',
    anyOf: ['TCP Connectivity'],
    test: precheck('TCP Connectivity', 'FAIL'),
    facts: PRECHECK_FACTS,
  },
  {
    name: 'precheck-api-fail',
    id: 'edge-tcp',
    kind: 'problem',
    severity: 'warn',
    anyOf: ['Cloudflare API'],
    test: precheck('Cloudflare API', 'FAIL'),
    facts: PRECHECK_FACTS,
    detail: [{ text: 'api.cloudflare.com on TCP 443 is optional for a token-run tunnel; the tunnel can still work.' }],
  },
  // The pre-check's advice lines ("ERROR: ..." / "WARNING: ...") name the transport they are about.
  ...(
    [
      ['udp', 'edge-udp', /UDP|QUIC/],
      ['tcp', 'edge-tcp', /TCP|HTTP\/2|http2/],
      ['dns', 'edge-dns', /DNS|resolv/i],
    ] as const
  ).map(([topic, id, re]): Signature => ({
    name: `precheck-advice-${topic}`,
    id,
    kind: 'problem',
    severity: 'warn',
    anyOf: ['ERROR: ', 'WARNING: '],
    // Alone on a line, or as a row of the table ("|  ERROR: ...  |"), which cloudflared's console
    // logger prints after its own timestamp and level.
    test: { matches: PRECHECK_ADVICE, andMatches: re, ...(topic === 'udp' ? {} : { notMatches: /UDP|QUIC/ }) },
  })),
  {
    name: 'no-ingress-rules',
    id: 'cloudflared-ingress',
    kind: 'problem',
    severity: 'error',
    anyOf: ['No ingress rules were defined'],
    detail: [{ text: 'cloudflared has no --url and no ingress rules, so it answers every request with an error.' }],
  },
  {
    // cloudflared's own request to its --url target failing TLS: the URL says https://, but the
    // proxy listener is plaintext WebSocket (the TLS runs inside it), so --url must be http://.
    name: 'origin-https-to-plaintext',
    id: 'cloudflared-ingress',
    kind: 'problem',
    severity: 'error',
    anyOf: ['first record does not look like a TLS handshake', 'x509: ', 'tls: '],
    test: [
      { matches: /originService["=:\s]+https:\/\// },
      { matches: /Unable to reach the origin/, andMatches: /first record does not look like a TLS handshake/ },
    ],
    facts: rules({ origin: field('originService') }),
    detail: [
      {
        text: "cloudflared's --url is {origin|an https:// URL}: the proxy listener is plaintext, so use http://localhost:<listen port>.",
      },
    ],
  },
  {
    name: 'origin-unreachable',
    id: 'proxy-unreachable',
    kind: 'problem',
    severity: 'error',
    // Older releases: "Error proxying request to origin: ..." and "unable to connect to the origin";
    // the sentence after the first one survives when users paraphrase it.
    anyOf: [
      'Unable to reach the origin service',
      'responding to traffic from cloudflared',
      'Error proxying request to origin',
      'unable to connect to the origin',
    ],
    facts: [...DIAL_FACTS, ['origin', field('originService')]],
    detail: [
      { text: 'cloudflared dialled {origin} ({ip}:{port}) and got {error|an error}.', needs: ['ip'] },
      { text: 'cloudflared dialled {origin} and got {error|an error}.', needs: ['origin'], lacks: ['ip'] },
    ],
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
    test: [
      {
        matches: /originService|ingressRule|cfRay|\bdest=|"dest"/,
        notMatches: /dial udp|originService[=":]+warp-routing/,
      },
      { matches: /connIndex/, andMatches: /dial tcp/, notMatches: /dial udp|originService[=":]+warp-routing/ },
    ],
    facts: [...DIAL_FACTS, ['origin', field('originService')]],
    detail: [{ text: 'cloudflared could not reach {origin} ({error|dial error}).', needs: ['origin'] }],
  },

  // ------------------------------------------------ layer 2: the inner TLS
  {
    name: 'tls-unknown-ca',
    id: 'ca-registration',
    kind: 'problem',
    severity: 'error',
    anyOf: ['unknown certificate authority', 'unknown_ca'],
    detail: [
      {
        text: 'The platform does not trust the CA that signed tls.crt: register data/ca.crt for this tunnel, or re-issue tls.crt from the registered CA.',
      },
    ],
  },
  {
    name: 'tls-expired-certificate',
    id: 'certificate-expiry',
    kind: 'problem',
    severity: 'error',
    anyOf: ['expired certificate', 'certificate_expired'],
    noneOf: ['x509: '],
    detail: [{ text: 'The platform refused the proxy certificate as expired: renew tls.crt.' }],
  },
  {
    name: 'tls-bad-certificate',
    id: 'server-certificate',
    kind: 'problem',
    severity: 'error',
    anyOf: ['bad certificate', 'bad_certificate', 'unsupported certificate', 'certificate unknown'],
    detail: [
      {
        text: 'The platform rejected the certificate the proxy served: run mcp-tunnel doctor to see which rule it breaks (SAN, expiry, issuer, key usage).',
      },
    ],
  },
  {
    name: 'key-unreadable',
    id: 'private-key',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission denied', 'no such file or directory'],
    test: { matches: /open [^\s:"]*(?:\.key|key\.pem)\b/ },
    facts: FILE_FACTS,
    detail: [{ text: 'The proxy could not open {file} ({error}); it runs as UID 65532.', needs: ['file'] }],
  },
  {
    name: 'key-invalid',
    id: 'private-key',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      'private key does not match public key',
      'failed to find any PEM data in key input',
      'failed to parse private key',
      'failed to find certificate PEM data in certificate input, but did find a private key',
      'decryption password incorrect',
    ],
  },
  {
    name: 'certificate-unreadable',
    id: 'server-certificate',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission denied', 'no such file or directory', 'failed to find any PEM data in certificate input'],
    test: {
      matches: /failed to find any PEM data in certificate input|open [^\s:"]*(?:\.crt|\.pem|\.cer)\b/,
      notMatches: /ca_file|ca\.crt/,
    },
    facts: FILE_FACTS,
    detail: [{ text: 'The proxy could not read its certificate {file} ({error}).', needs: ['file'] }],
  },
  {
    name: 'tls-handshake-failed',
    id: 'inner-tls',
    kind: 'problem',
    severity: 'error',
    anyOf: ['tls handshake failed', 'TLS handshake failed', 'tls handshake error', 'TLS handshake error'],
    noneOf: ['TLS handshake with edge'],
    facts: rules({
      reason: { patterns: [/(?:remote error: )?tls: ([a-z ]+)/] },
      sni: field('sni', 'server_name', 'host'),
    }),
    detail: [{ text: 'Reason given: {reason}.', needs: ['reason'] }],
  },

  // ------------------------------------------------ layer 3: routing
  {
    name: 'routes-as-list',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['cannot unmarshal !!seq into map[string]string'],
    detail: [{ text: 'routes is a YAML list; it must be a map (routes: { name: http://host:port }).' }],
  },
  {
    name: 'invalid-upstream',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: ['invalid upstream'],
    facts: rules({
      route: field('route', 'name'),
      // The first URL in the text that is not the "scheme://host:port" of the message itself.
      upstream: {
        fields: ['upstream', 'url'],
        patterns: [/(?<![a-z0-9+.-])(?!scheme:\/\/)([a-z][a-z0-9+.-]*:\/\/[^\s"\\]+)/],
      },
    }),
    detail: [{ text: 'Upstream {upstream} is not exactly scheme://host:port.', needs: ['upstream'] }],
  },
  {
    name: 'config-yaml-error',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      'yaml: line ',
      'yaml: unmarshal errors',
      'cannot unmarshal',
      'mapping values are not allowed',
      'did not find expected',
      'not found in type',
    ],
    facts: rules({ line: { patterns: [/yaml: line ([1-9]\d*)/], number: true } }),
    detail: [{ text: 'The YAML error is at line {line} of the proxy config.', needs: ['line'] }],
  },
  {
    name: 'config-unreadable',
    id: 'proxy-config',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      'permission denied',
      'no such file or directory',
      'failed to load config',
      'failed to read config',
      'error loading config',
    ],
    test: { matches: /config|\.ya?ml/i },
    facts: FILE_FACTS,
  },
  {
    name: 'no-route-for-host',
    id: 'tunnel-domain',
    kind: 'problem',
    severity: 'error',
    anyOf: ['no route for host', 'No route configured for host', 'no route configured for host'],
    facts: HOST_FACTS,
    detail: [
      {
        text: 'Requests for {host} found no route: check tunnel_domain and the route keys, then restart the proxy.',
        needs: ['host'],
      },
    ],
  },
  {
    name: 'ip-validation-failed',
    id: 'upstream-ip',
    kind: 'problem',
    severity: 'error',
    anyOf: ['IP validation failed', 'is not a private address', 'not in allowed_ips', 'not an allowed address'],
    facts: rules({
      ip: {
        fields: ['ip', 'addr', 'address'],
        patterns: [
          /(?:failed: |address )\[?([0-9a-fA-F:.]+)\]? is not/,
          /\b(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+)\b/,
        ],
      },
      route: field('route'),
      host: field('host', 'upstream'),
    }),
    // One narrow CIDR when the addresses are neighbours; never a wide one (that would open the SSRF guard).
    derived: { ipv6: { from: 'ip', keep: /:/ }, add: { from: 'ip', summary: 'allowed-ips-entries' } },
    detail: [
      {
        text: 'The upstream resolved to IPv6 ({ipv6}); the proxy dials IPv4 only: give it an IPv4 address.',
        needs: ['ipv6'],
      },
      {
        text: 'Refused addresses {ip}: if legitimate, add {add} to upstream.allowed_ips (keep the private ranges your other upstreams use).',
        needs: ['ip'],
        lacks: ['ipv6'],
        many: 'ip',
      },
      {
        text: 'Refused address {ip}: if legitimate, add {add} to upstream.allowed_ips (keep the private ranges your other upstreams use).',
        needs: ['ip'],
        lacks: ['ipv6'],
        one: 'ip',
      },
    ],
  },
  {
    name: 'invalid-allowed-ips',
    id: 'allowed-ips',
    kind: 'problem',
    severity: 'error',
    anyOf: ['invalid CIDR address', 'allowed_ips', 'disable_ip_validation'],
    test: { matches: /invalid CIDR|invalid|cannot|conflict|both/i, notQuiet: true },
    // The entry without the quote or backslash that closes the field around it.
    facts: rules({ entry: { patterns: [/invalid CIDR address: (\S*?)["\\]*(?=\s|$)/] } }),
  },
  {
    name: 'upstream-unknown-authority',
    id: 'upstream-tls',
    kind: 'problem',
    severity: 'error',
    anyOf: [
      'certificate signed by unknown authority',
      'certificate is valid for',
      'certificate is not valid for any names',
      'x509: certificate has expired',
      'server gave HTTP response to HTTPS client',
      'first record does not look like a TLS handshake',
    ],
    facts: [...DIAL_FACTS, ['upstream', field('upstream', 'host', 'url')]],
    detail: [{ text: 'The https:// upstream {upstream} could not be verified.', needs: ['upstream'] }],
  },
  {
    name: 'upstream-dial-failed',
    id: 'upstream-reachable',
    kind: 'problem',
    severity: 'error',
    anyOf: [...ORIGIN_DIAL_ERRORS, 'server misbehaving', 'Temporary failure in name resolution'],
    // Not cloudflared's own calls to Cloudflare (edge, API, quick tunnels, updates).
    test: {
      matches: /dial tcp|lookup |connect: |dial: /,
      notMatches: /:7844\b|argotunnel|cftunnel|cloudflare\.com|originService/,
    },
    facts: [...DIAL_FACTS, ['host', { patterns: [/lookup ([A-Za-z0-9_.-]+)/] }], ['route', field('route')]],
    detail: [
      { text: 'Nothing accepted the connection at {ip:port} ({error}).', needs: ['ip'] },
      { text: 'Upstream host {host} does not resolve ({error}).', needs: ['host'], lacks: ['ip'] },
    ],
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
    facts: rules({ error: { patterns: [/(invalid_grant|authentication_error)/] } }),
    detail: [
      {
        text: 'The identity token was refused at the exchange: check it against the federation rule with mcp-tunnel doctor --jwt-file <token> --federation-rule <rule.json>.',
      },
    ],
  },
  {
    name: 'tunnels-api-forbidden',
    id: 'setup-permissions',
    kind: 'problem',
    severity: 'error',
    anyOf: ['permission_error', '403 Forbidden', 'manage_tunnels'],
    test: { matches: /permission_error|403|forbidden|not a member/i },
  },
  {
    name: 'setup-job-left-behind',
    id: 'helm-values',
    kind: 'problem',
    severity: 'error',
    anyOf: ['mcp-tunnel-setup', 'failed pre-install'],
    test: { matches: /already exists|failed pre-install|BackoffLimitExceeded|job failed/i },
    detail: [
      {
        text: 'A failed setup Job is left behind: read it (kubectl logs job/mcp-tunnel-setup -n mcp-tunnel), fix the cause, then kubectl -n mcp-tunnel delete job mcp-tunnel-setup and retry.',
      },
    ],
  },

  // ------------------------------------------------ consequences and lifecycle: explained, never causes
  {
    name: 'reconnecting',
    kind: 'harmless',
    severity: 'info',
    anyOf: [
      'Retrying connection in up to',
      'Unregistered tunnel connection',
      'Lost connection with the edge',
      'Connection terminated',
      'Application error 0x0',
    ],
    note: 'cloudflared is reconnecting; the reason, if any, is in the error line before it.',
  },
  {
    name: 'connector-stopped',
    kind: 'harmless',
    severity: 'info',
    anyOf: [
      'Initiating shutdown',
      'Tunnel server stopped',
      'initial tunnel connection failed',
      'Initiating graceful shutdown',
    ],
    note: 'cloudflared stopped; the cause, if it was not asked to, is in the lines before it.',
  },

  // ------------------------------------------------ healthy evidence
  {
    name: 'connection-registered',
    kind: 'healthy',
    severity: 'info',
    anyOf: ['Registered tunnel connection', ' registered connIndex'],
    facts: rules({ connIndex: field('connIndex'), protocol: field('protocol'), location: field('location') }),
    counts: {
      connections: { distinct: 'connIndex', linesUpTo: DEFAULT_HA_CONNECTIONS },
      // Fewer when cloudflared said it could not open as many (a resolver with few edge addresses).
      expected: {
        signature: 'fewer-ha-connections',
        fact: 'available',
        otherwise: DEFAULT_HA_CONNECTIONS,
        atLeast: 'connections',
      },
    },
    summary: [
      { text: '{connections} of {expected} connections registered' },
      { text: ' (protocol {protocol:20})', needs: ['protocol'] },
      { text: ' at {location:4}', needs: ['location'] },
      { text: '; {lines} registrations in all (reconnects)', linesAbove: 'connections' },
    ],
  },
  {
    name: 'route-configured',
    id: 'proxy-config',
    kind: 'healthy',
    severity: 'info',
    anyOf: ['route configured'],
    facts: rules({
      route: { fields: ['route', 'name', 'host', 'hostname'], patterns: [ROUTE_CONFIGURED], group: 1 },
      upstream: { fields: ['upstream', 'target', 'url'], patterns: [ROUTE_CONFIGURED], group: 2 },
    }),
    counts: { routes: { distinct: 'route', linesUpTo: Infinity } },
    summary: [
      { text: '{routes} route configured', one: 'routes' },
      { text: '{routes} routes configured', many: 'routes' },
      { text: ': {route:10}', needs: ['route'] },
    ],
  },
  ...Object.entries(PRECHECK_COMPONENT).map(([component, id]): Signature => ({
    name: `precheck-pass-${(component.split(' ')[0] ?? '').toLowerCase()}`,
    id,
    kind: 'healthy',
    severity: 'info',
    anyOf: [component],
    test: precheck(component, 'PASS'),
    facts: PRECHECK_FACTS,
    summary: [
      {
        text: `cloudflared pre-check {component|precheck-pass-${(component.split(' ')[0] ?? '').toLowerCase()}} passed`,
      },
    ],
  })),
];

/**
 * Markers of an error-level line in every format the reader knows. Lines carrying one that no
 * signature explains are counted as "unmatched", so users see what the tool does not know yet.
 */
export const ERROR_LEVEL_MARKERS: readonly string[] = [
  ' ERR ',
  ' FTL ',
  ' PNC ',
  '"level":"error"',
  '"level":"fatal"',
  '"level":"ERROR"',
  '"level":"FATAL"',
  '"level":"panic"',
  'level=error',
  'level=fatal',
  'level=ERROR',
  'level=FATAL',
  '\tERROR\t',
  '\tFATAL\t',
  '\tDPANIC\t',
  '\tPANIC\t',
  'ERROR: ',
  'Error: ',
  '[ERROR]',
  'panic: ',
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

/** Severity changes the matcher applies after reading (see SeverityChange). */
export const SEVERITY_CHANGES: readonly SeverityChange[] = [
  {
    // UDP blocked while connections register over HTTP/2: the tunnel works, degraded.
    id: 'edge-udp',
    from: 'error',
    to: 'warn',
    when: { signature: 'connection-registered', fact: 'protocol', includes: 'http2' },
    detail: 'Connections did register over HTTP/2, so the tunnel works, degraded.',
  },
];
