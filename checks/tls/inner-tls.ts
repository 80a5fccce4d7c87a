// inner-tls: a TLS handshake inside the proxy listener's WebSocket stream, for each route's SNI,
// verifies against data/ca.crt. Assumption (the framing is not public): binary WebSocket
// messages carry the TLS records, and Host and SNI are both <route>.<tunnel-domain>.

import { defineCheck } from '../../src/core/check.js';
import { routeHostnames } from '../../src/model/deployment-view.js';

export const check = defineCheck({
  id: 'inner-tls',
  requires: ['live.proxy'],
  // The route hostnames, to name the routes that got no handshake.
  uses: ['proxyConfig', 'assignedDomain', 'compose', 'dotenv'],
  messages: {
    'unknown-ca': {
      severity: 'error',
      meaning: 'The certificate served inside the WebSocket is not signed by data/ca.crt.',
      cause:
        'The proxy serves a certificate for {hostname} that is not signed by the CA in data/ca.crt ({detail}); the platform ' +
        'rejects it as "unknown certificate authority".',
      fix:
        'Point tls.cert_file at the certificate issued by the registered CA (data/tls.crt from the setup job), or register ' +
        'the CA that signed the one served.',
    },
    'san-mismatch': {
      severity: 'error',
      meaning: "The certificate served does not name the route's hostname.",
      cause: 'The certificate served for {hostname} does not name it ({detail}).',
      fix:
        "Reissue the server certificate with SAN DNS:*.<tunnel-domain> (the setup tool's recipe) and restart the " +
        'proxy or wait for the reload.',
    },
    expired: {
      severity: 'error',
      meaning: 'The certificate served has expired.',
      cause: 'The certificate served for {hostname} has expired ({detail}).',
      fix:
        'Renew the server certificate (re-run the setup job, or the renewal cron) and let the proxy reload ' +
        'tls.cert_file.',
    },
    'not-yet-valid': {
      severity: 'error',
      meaning: 'The certificate served is not valid yet.',
      cause:
        'The certificate served for {hostname} is not valid yet ({detail}): the clock that issued it is ahead, or it ' +
        'was dated in the future.',
      fix: 'Reissue the certificate with a start date in the past and check the clocks.',
    },
    'wrong-key-usage': {
      severity: 'error',
      meaning: 'The certificate served is not usable by a TLS server (key usage).',
      cause:
        'The certificate served for {hostname} is not usable by a TLS server ({detail}): KeyUsage or ExtendedKeyUsage leaves ' +
        'out what a server needs.',
      fix: 'Reissue it with extendedKeyUsage=serverAuth and keyUsage=digitalSignature,keyEncipherment.',
    },
    'handshake-failed': {
      severity: 'error',
      meaning: 'The TLS handshake inside the WebSocket failed.',
      cause: 'The TLS handshake inside the WebSocket for {hostname} failed: {detail}.',
      fix: 'Check the proxy\'s logs for "tls handshake failed" and that tls.cert_file and tls.key_file belong together.',
    },
    'websocket-failed': {
      severity: 'error',
      meaning: 'The WebSocket to the proxy listener could not be opened.',
      cause: 'The WebSocket for {hostname} could not be opened: {detail}.',
      fix: 'Check --proxy (host, port and path) and that the proxy is running.',
    },
    timeout: {
      severity: 'error',
      meaning: 'No TLS answer came through the WebSocket before the deadline.',
      cause: 'No TLS answer for {hostname} came through the WebSocket before the deadline: {detail}.',
      fix: "Check the path (--proxy ws://host:port/<path>) and the proxy's logs; raise --timeout on a slow link.",
    },
    error: {
      severity: 'error',
      meaning: 'The inner TLS probe failed for another reason (in the finding).',
      cause: 'The inner TLS probe for {hostname} failed: {detail}.',
      fix: "Run with --verbose and check the proxy's logs.",
    },
    verified: {
      severity: 'info',
      meaning: 'The inner TLS verifies against data/ca.crt for every route (info).',
      symptom: 'The inner TLS verifies against data/ca.crt.',
      cause: 'Handshakes through {url} (binary WebSocket messages, Host and SNI per route).',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const { proxy } = facts.live;
    if (proxy.innerTlsSkipped) return report.skip(proxy.innerTlsSkipped);
    if (proxy.listener.kind !== 'websocket') {
      return report.skip(
        `the listener at ${proxy.url} does not accept a WebSocket (${proxy.listener.kind}), so there is no inner TLS to test: see listener-protocol`,
      );
    }
    const guarded = proxy.routes.find((r) => !r.ok && r.failure === 'guard');
    if (guarded) return report.skip(guarded.detail ?? 'refused by loopback-only guard');
    const verified: Record<string, unknown> = {};
    for (const r of proxy.routes) {
      if (r.ok) {
        verified[r.hostname] = {
          latencyMs: r.latencyMs,
          protocol: r.protocol,
          notAfter: r.certificate?.notAfter ?? null,
          issuer: r.certificate?.issuer ?? null,
        };
        continue;
      }
      const kind = r.failure === null || r.failure === 'guard' ? 'error' : r.failure;
      const served = r.certificate
        ? {
            subject: r.certificate.subject,
            issuer: r.certificate.issuer,
            san: r.certificate.sanDns,
            notAfter: r.certificate.notAfter,
            fingerprint256: r.certificate.fingerprint256,
          }
        : null;
      report(kind, { hostname: r.hostname, detail: r.verifyError ?? r.detail ?? kind }, null, {
        evidence: {
          route: r.route,
          sni: r.hostname,
          url: proxy.url,
          verifyError: r.verifyError,
          detail: r.detail,
          latencyMs: r.latencyMs,
          served,
        },
      });
    }
    if (Object.keys(verified).length > 0) report('verified', { url: proxy.url }, null, { evidence: { verified } });
    // Routes whose hostname is unknown (bare keys, no tunnel domain) were given no handshake.
    const unprobed = routeHostnames(facts)
      .filter((r) => r.hostname === null)
      .map((r) => r.key);
    if (unprobed.length > 0)
      report.notChecked(
        `routes ${unprobed.join(', ')}: their hostnames are unknown (no tunnel domain), so no handshake was made`,
      );
  },
});
