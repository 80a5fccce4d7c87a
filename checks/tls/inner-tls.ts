// inner-tls: a TLS handshake inside the proxy listener's WebSocket stream, for each route's SNI,
// verifies against data/ca.crt. Assumption (the framing is not public): binary WebSocket
// messages carry the TLS records, and Host and SNI are both <route>.<tunnel-domain>.

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { InnerTlsFailureKind } from '../../src/core/live-facts.js';
import { liveSkip } from '../../src/core/live.js';
import type { Finding } from '../../src/core/types.js';
import { routeHostnames } from '../../src/model/deployment-view.js';

const ID = 'inner-tls';

const TEXT: Record<Exclude<InnerTlsFailureKind, 'guard'>, { cause: string; fix: string }> = {
  'unknown-ca': { cause: 'The proxy serves a certificate for {h} that is not signed by the CA in data/ca.crt ({v}); the platform rejects it as "unknown certificate authority".', fix: 'Point tls.cert_file at the certificate issued by the registered CA (data/tls.crt from the setup job), or register the CA that signed the one served.' },
  'san-mismatch': { cause: 'The certificate served for {h} does not name it ({v}).', fix: 'Reissue the server certificate with SAN DNS:*.<tunnel-domain> (the setup tool\'s recipe) and restart the proxy or wait for the reload.' },
  expired: { cause: 'The certificate served for {h} has expired ({v}).', fix: 'Renew the server certificate (re-run the setup job, or the renewal cron) and let the proxy reload tls.cert_file.' },
  'not-yet-valid': { cause: 'The certificate served for {h} is not valid yet ({v}): the clock that issued it is ahead, or it was dated in the future.', fix: 'Reissue the certificate with a start date in the past and check the clocks.' },
  'wrong-key-usage': { cause: 'The certificate served for {h} is not usable by a TLS server ({v}): KeyUsage or ExtendedKeyUsage leaves out what a server needs.', fix: 'Reissue it with extendedKeyUsage=serverAuth and keyUsage=digitalSignature,keyEncipherment.' },
  'handshake-failed': { cause: 'The TLS handshake inside the WebSocket for {h} failed: {v}.', fix: 'Check the proxy\'s logs for "tls handshake failed" and that tls.cert_file and tls.key_file belong together.' },
  'websocket-failed': { cause: 'The WebSocket for {h} could not be opened: {v}.', fix: 'Check --proxy (host, port and path) and that the proxy is running.' },
  timeout: { cause: 'No TLS answer for {h} came through the WebSocket before the deadline: {v}.', fix: 'Check the path (--proxy ws://host:port/<path>) and the proxy\'s logs; raise --timeout on a slow link.' },
  error: { cause: 'The inner TLS probe for {h} failed: {v}.', fix: 'Run with --verbose and check the proxy\'s logs.' },
};

export const check: LegacyCheck = {
  id: ID,
  layer: 'tls',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const proxy = facts.live.proxy;
    if (!proxy) return skip(facts.live.proxySkipped ?? 'the proxy listener was not probed');
    if (proxy.innerTlsSkipped) return skip(proxy.innerTlsSkipped);
    if (proxy.listener.kind !== 'websocket') return skip(`the listener at ${proxy.url} does not accept a WebSocket (${proxy.listener.kind}), so there is no inner TLS to test: see listener-protocol`);
    const out: Finding[] = [];
    const verified: Record<string, unknown> = {};
    for (const r of proxy.routes) {
      if (r.ok) {
        verified[r.hostname] = { latencyMs: r.latencyMs, protocol: r.protocol, notAfter: r.certificate?.notAfter ?? null, issuer: r.certificate?.issuer ?? null };
        continue;
      }
      const kind = r.failure ?? 'error';
      if (kind === 'guard') return skip(r.detail ?? 'refused by loopback-only guard');
      const text = TEXT[kind];
      out.push(finding(ID, {
        messageId: kind,
        cause: text.cause.replace('{h}', r.hostname).replace('{v}', r.verifyError ?? r.detail ?? kind),
        fix: text.fix,
        evidence: {
          route: r.route,
          sni: r.hostname,
          url: proxy.url,
          verifyError: r.verifyError,
          detail: r.detail,
          latencyMs: r.latencyMs,
          served: r.certificate ? { subject: r.certificate.subject, issuer: r.certificate.issuer, san: r.certificate.sanDns, notAfter: r.certificate.notAfter, fingerprint256: r.certificate.fingerprint256 } : null,
        },
      }));
    }
    if (Object.keys(verified).length > 0) {
      out.push(finding(ID, { messageId: 'verified', severity: 'info', symptom: 'The inner TLS verifies against data/ca.crt.', cause: `Handshakes through ${proxy.url} (binary WebSocket messages, Host and SNI per route).`, fix: 'Nothing to do.', evidence: { verified } }));
    }
    // Routes whose hostname is unknown (bare keys, no tunnel domain) were given no handshake.
    const unprobed = routeHostnames(facts).filter((r) => r.hostname === null).map((r) => r.key);
    return judge(out, unprobed.length > 0 ? [`routes ${unprobed.join(', ')}: their hostnames are unknown (no tunnel domain), so no handshake was made`] : []);
  },
};
