// listener-protocol: the proxy's listener answers a WebSocket upgrade (plaintext HTTP, then
// WebSocket). A listener speaking plain HTTP only, TLS directly, or nothing is named for what it
// is. `wrong version number` from `curl https://<proxy>:<port>` is expected and never a fault.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { ListenerKind } from '../../src/core/live-facts.js';
import { liveSkip } from '../../src/core/live.js';

const ID = 'listener-protocol';
const CURL_NOTE = '"wrong version number" from curl https://<proxy>:<port> is expected: the listener is plaintext WebSocket and TLS runs inside the WebSocket stream.';

const TEXT: Partial<Record<ListenerKind, { messageId: string; cause: string; fix: string }>> = {
  http: { messageId: 'plain-http', cause: '{u} answered the WebSocket upgrade with plain HTTP {s} and did not upgrade: it is not the MCP proxy\'s listener (another web server, or a reverse proxy that drops Upgrade headers).', fix: 'Point --proxy (or listen_addr) at the proxy itself; a reverse proxy in front must pass "Upgrade: websocket" and "Connection: Upgrade".' },
  tls: { messageId: 'tls-direct', cause: '{u} speaks TLS directly; the proxy\'s listener is plaintext WebSocket with TLS inside it, so this is something else (a TLS terminator, or the wrong port).', fix: 'Use the proxy\'s listen_addr port, without TLS in front of it: the platform brings its own TLS inside the WebSocket.' },
  silent: { messageId: 'no-answer', cause: '{u} accepted the connection but never answered the WebSocket upgrade: a stalled process or a middlebox holding the connection.', fix: 'Check that the proxy is healthy (docker compose logs <proxy>) and that nothing sits between it and the doctor.' },
  closed: { messageId: 'closed', cause: '{u} closed the connection without answering the WebSocket upgrade.', fix: 'Check the proxy\'s logs; make sure the port is the proxy\'s listen_addr.' },
  reset: { messageId: 'reset', cause: '{u} reset the connection on the WebSocket upgrade.', fix: 'Check the proxy\'s logs and any firewall between the doctor and the proxy.' },
  refused: { messageId: 'not-listening', cause: 'Nothing listens at {u} (connection refused): the proxy is not running, or listens elsewhere. cloudflared logs "Unable to reach the origin service" in that case.', fix: 'Start the proxy (docker compose up -d) and check listen_addr; run the doctor in the proxy\'s network namespace (docker run --network container:<proxy> ...).' },
  timeout: { messageId: 'connect-timeout', cause: 'TCP to {u} got no answer before the deadline.', fix: 'Run the doctor where the proxy is reachable (its network namespace), or check the firewall.' },
  unreachable: { messageId: 'connect-timeout', cause: 'There is no route to {u}.', fix: 'Run the doctor where the proxy is reachable (its network namespace).' },
  other: { messageId: 'unknown-protocol', cause: '{u} answered with bytes that are neither HTTP nor TLS ({b}).', fix: 'Check which program listens on that port.' },
};

export const check: LegacyCheck = {
  id: ID,
  layer: 'tls',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const proxy = facts.live.proxy;
    if (!proxy) return skip(facts.live.proxySkipped ?? 'the proxy listener was not probed');
    const l = proxy.listener;
    const evidence = { url: proxy.url, from: proxy.urlSource === 'flag' ? '--proxy' : 'listen_addr', kind: l.kind, httpStatus: l.httpStatus, firstBytes: l.firstBytesHex, latencyMs: l.latencyMs };
    if (l.kind === 'guard') return skip(l.detail ?? 'refused by loopback-only guard');
    if (l.kind === 'websocket') {
      return judge([finding(ID, { messageId: 'websocket', severity: 'info', symptom: `${proxy.url} upgrades to WebSocket.`, cause: CURL_NOTE, fix: 'Nothing to do.', evidence })]);
    }
    const text = TEXT[l.kind] ?? TEXT.other!;
    // Without --proxy the doctor guessed listen_addr on this machine: a refusal there may only
    // mean it runs elsewhere, so it is a warning, not a failure.
    const guessed = proxy.urlSource === 'listen_addr' && (l.kind === 'refused' || l.kind === 'timeout' || l.kind === 'unreachable');
    return judge([
      finding(ID, {
        messageId: text.messageId,
        severity: guessed ? 'warn' : 'error',
        cause: `${text.cause.replace('{u}', proxy.url).replace('{s}', String(l.httpStatus ?? '')).replace('{b}', l.firstBytesHex ?? '')}${guessed ? ' (The address was taken from listen_addr; pass --proxy when the doctor does not run beside the proxy.)' : ''}`,
        fix: `${text.fix} Note: ${CURL_NOTE}`,
        evidence,
      }),
    ]);
  },
};
