// listener-protocol: the proxy's listener answers a WebSocket upgrade (plaintext HTTP, then
// WebSocket). A listener speaking plain HTTP only, TLS directly, or nothing is named for what it
// is. `wrong version number` from `curl https://<proxy>:<port>` is expected and never a fault.

import { defineCheck, fillTemplate } from '../../src/core/check.js';

const ID = 'listener-protocol';
const CURL_NOTE =
  '"wrong version number" from curl https://<proxy>:<port> is expected: the listener is plaintext WebSocket and TLS runs ' +
  'inside the WebSocket stream.';
/** Added to the cause when the address was guessed from listen_addr and nothing answered there. */
const GUESSED =
  ' (The address was taken from listen_addr; pass --proxy when the doctor does not run beside the proxy.)';
const NOTE = ` Note: ${CURL_NOTE}`;
/** connect-timeout covers two failures that read differently. */
const NOT_REACHED = {
  timeout: {
    cause: 'TCP to {url} got no answer before the deadline.',
    fix: 'Run the doctor where the proxy is reachable (its network namespace), or check the firewall.',
  },
  unreachable: {
    cause: 'There is no route to {url}.',
    fix: 'Run the doctor where the proxy is reachable (its network namespace).',
  },
};

const MESSAGE_OF_KIND = {
  http: 'plain-http',
  tls: 'tls-direct',
  silent: 'no-answer',
  closed: 'closed',
  reset: 'reset',
  refused: 'not-listening',
  timeout: 'connect-timeout',
  unreachable: 'connect-timeout',
  other: 'unknown-protocol',
} as const;

export const check = defineCheck({
  id: ID,
  requires: ['live.proxy'],
  messages: {
    'plain-http': {
      severity: 'error',
      meaning: 'The listener answered plain HTTP and did not upgrade to WebSocket.',
      cause:
        "{url} answered the WebSocket upgrade with plain HTTP {status} and did not upgrade: it is not the MCP proxy's " +
        'listener (another web server, or a reverse proxy that drops Upgrade headers).{guessed}',
      fix:
        'Point --proxy (or listen_addr) at the proxy itself; a reverse proxy in front must pass "Upgrade: websocket" and "Connection: Upgrade".' +
        NOTE,
    },
    'tls-direct': {
      severity: 'error',
      meaning: "The listener speaks TLS directly; the proxy's listener is plaintext WebSocket.",
      cause:
        "{url} speaks TLS directly; the proxy's listener is plaintext WebSocket with TLS inside it, so this is something else " +
        '(a TLS terminator, or the wrong port).{guessed}',
      fix:
        "Use the proxy's listen_addr port, without TLS in front of it: the platform brings its own TLS inside the WebSocket." +
        NOTE,
    },
    'no-answer': {
      severity: 'error',
      meaning: 'The listener accepted the connection but never answered the upgrade.',
      cause:
        '{url} accepted the connection but never answered the WebSocket upgrade: a stalled process or a middlebox ' +
        'holding the connection.{guessed}',
      fix:
        'Check that the proxy is healthy (docker compose logs <proxy>) and that nothing sits between it and the doctor.' +
        NOTE,
    },
    closed: {
      severity: 'error',
      meaning: 'The listener closed the connection without answering the upgrade.',
      cause: '{url} closed the connection without answering the WebSocket upgrade.{guessed}',
      fix: "Check the proxy's logs; make sure the port is the proxy's listen_addr." + NOTE,
    },
    reset: {
      severity: 'error',
      meaning: 'The listener reset the connection on the upgrade.',
      cause: '{url} reset the connection on the WebSocket upgrade.{guessed}',
      fix: "Check the proxy's logs and any firewall between the doctor and the proxy." + NOTE,
    },
    'not-listening': {
      severity: 'error',
      meaning: 'Nothing listens at the proxy address (connection refused).',
      cause:
        'Nothing listens at {url} (connection refused): the proxy is not running, or listens elsewhere. cloudflared logs ' +
        '"Unable to reach the origin service" in that case.{guessed}',
      fix:
        "Start the proxy (docker compose up -d) and check listen_addr; run the doctor in the proxy's network namespace " +
        '(docker run --network container:<proxy> ...).' +
        NOTE,
    },
    'connect-timeout': {
      severity: 'error',
      meaning: 'The proxy address could not be reached before the deadline.',
      cause: '{notReached}{guessed}',
      fix: '{fix}' + NOTE,
    },
    'unknown-protocol': {
      severity: 'error',
      meaning: 'The listener answered with bytes that are neither HTTP nor TLS.',
      cause: '{url} answered with bytes that are neither HTTP nor TLS ({firstBytes}).{guessed}',
      fix: 'Check which program listens on that port.' + NOTE,
    },
    websocket: {
      severity: 'info',
      meaning: 'The listener upgrades to WebSocket (info).',
      symptom: '{url} upgrades to WebSocket.',
      cause: CURL_NOTE,
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const { proxy } = facts.live;
    const l = proxy.listener;
    const evidence = {
      url: proxy.url,
      from: proxy.urlSource === 'flag' ? '--proxy' : 'listen_addr',
      kind: l.kind,
      httpStatus: l.httpStatus,
      firstBytes: l.firstBytesHex,
      latencyMs: l.latencyMs,
    };
    if (l.kind === 'guard') return report.skip(l.detail ?? 'refused by loopback-only guard');
    if (l.kind === 'websocket') {
      report('websocket', { url: proxy.url }, null, { evidence });
      return;
    }
    // Without --proxy the doctor guessed listen_addr on this machine: a refusal there may only
    // mean it runs elsewhere, so it is a warning, not a failure.
    const guessed =
      proxy.urlSource === 'listen_addr' && (l.kind === 'refused' || l.kind === 'timeout' || l.kind === 'unreachable');
    const data = {
      url: proxy.url,
      status: String(l.httpStatus ?? ''),
      firstBytes: l.firstBytesHex ?? '',
      guessed: guessed ? GUESSED : '',
    };
    const options = guessed ? { severity: 'warn' as const, evidence } : { evidence };
    if (l.kind === 'timeout' || l.kind === 'unreachable') {
      const words = NOT_REACHED[l.kind];
      report(
        'connect-timeout',
        { ...data, notReached: fillTemplate(words.cause, data, ID), fix: words.fix },
        null,
        options,
      );
      return;
    }
    report(MESSAGE_OF_KIND[l.kind], data, null, options);
  },
});
