// upstream-tls: https:// upstreams have a trust anchor (upstream.tls.ca_file or
// include_system_cas: true). A ca_file with no https:// upstream is only noted; a ca_file outside
// every volume the Compose proxy service mounts is noted too (its root file system is the image's).

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Finding } from '../../src/core/types.js';
import { findProxyService, isRecord, volumeMounts } from '../../src/model/compose.js';
import { configKeyName, configSnippet, describeLocation, locate, proxyConfigModel, proxyRestartCommand, whyUnusable } from '../../src/model/deployment-view.js';

const ID = 'upstream-tls';

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'static',
  run(facts) {
    const fact = facts.proxyConfig;
    if (fact?.state !== 'ok') return skip(whyUnusable(fact, 'proxy config'));
    const data = fact.value.data;
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(data)) return skip('the proxy config is not a map (reported by proxy-config)');
    const upstream = data.upstream ?? {};
    if (!isRecord(upstream)) return skip('upstream is not a map (reported by proxy-config)');
    const tls = upstream.tls ?? {};
    if (!isRecord(tls)) return skip('upstream.tls is not a map (reported by proxy-config)');

    const key = (k: string) => configKeyName(facts, k);
    const loc = (k: string) => locate(fact, k);
    const restart = proxyRestartCommand(facts);
    const out: Finding[] = [];
    const https = model.routes.filter((r) => r.upstream?.scheme === 'https');

    const caRaw = tls.ca_file;
    const systemRaw = tls.include_system_cas;
    const caFile = typeof caRaw === 'string' && caRaw.trim() !== '' ? caRaw : null;
    if (caRaw !== undefined && caRaw !== null && typeof caRaw !== 'string') {
      out.push(finding(ID, {
        messageId: 'ca-file-invalid-type', location: loc('upstream.tls.ca_file'), evidence: { value: caRaw },
        symptom: `The proxy refuses its config or has no CA for https:// upstreams (${describeLocation(loc('upstream.tls.ca_file'))}).`,
        cause: `${key('upstream.tls.ca_file')} is ${JSON.stringify(caRaw)}; it must be the path of a PEM file inside the proxy container.`,
        fix: `Write it as a path, e.g. ca_file: /data/upstream-ca.crt, then restart the proxy (${restart}).`,
      }));
    }
    if (systemRaw !== undefined && systemRaw !== null && typeof systemRaw !== 'boolean') {
      out.push(finding(ID, {
        messageId: 'system-cas-invalid-type', location: loc('upstream.tls.include_system_cas'), evidence: { value: systemRaw },
        symptom: `The proxy refuses its config: ${key('upstream.tls.include_system_cas')} (${describeLocation(loc('upstream.tls.include_system_cas'))}) is not a boolean.`,
        cause: `include_system_cas is ${JSON.stringify(systemRaw)}; it takes true or false, unquoted.`,
        fix: `Write include_system_cas: ${systemRaw === 'true' || systemRaw === 'yes' ? 'true' : 'true (or false)'}, then restart the proxy (${restart}).`,
      }));
    }

    if (https.length > 0 && caFile === null && systemRaw !== true) {
      const names = https.map((r) => `${r.key} (${String(r.raw)})`);
      out.push(finding(ID, {
        messageId: 'no-trust-anchor', location: loc(`routes.${https[0].key}`), evidence: { routes: https.map((r) => r.key) },
        symptom: `Requests to ${names.join(', ')} fail with a certificate verification error in the proxy log.`,
        cause: `${https.length > 1 ? 'These upstreams use' : 'This upstream uses'} https://, but ${key('upstream.tls')} sets neither ca_file nor include_system_cas: true, so the proxy trusts no certificate.`,
        fix: `For upstreams with certificates from your own CA, mount that CA into the proxy and name it; for publicly trusted ones, include the system roots:\n${configSnippet(facts, 'upstream:\n  tls:\n    ca_file: /data/upstream-ca.crt     # your CA, mounted into the container\n    include_system_cas: true           # public CAs')}\nthen restart the proxy (${restart}).`,
      }));
    }

    if (caFile !== null && https.length === 0) {
      out.push(finding(ID, {
        messageId: 'ca-file-unused', severity: 'info', location: loc('upstream.tls.ca_file'),
        symptom: `${key('upstream.tls.ca_file')} is set but no route uses an https:// upstream.`,
        cause: `ca_file ${caFile} only matters for https:// upstreams; every route here is http://.`,
        fix: 'Nothing breaks; remove it, or switch the routes that should be encrypted to https://.',
      }));
    }

    // In Compose the proxy's root file system is read-only image content: a CA outside every mount is not the user's file.
    const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
    if (caFile !== null && caFile.startsWith('/') && service) {
      const mounts = volumeMounts(service);
      if (!mounts.some((m) => caFile === m.target || caFile.startsWith(m.target.endsWith('/') ? m.target : `${m.target}/`))) {
        out.push(finding(ID, {
          messageId: 'ca-file-not-mounted', severity: 'info', location: loc('upstream.tls.ca_file'), evidence: { ca_file: caFile, mounts: mounts.map((m) => m.target) },
          symptom: `${caFile} may not exist inside the ${service.name} container.`,
          cause: `No volume of the ${service.name} service is mounted at or above ${caFile.replace(/\/[^/]*$/, '') || '/'} (mounts: ${mounts.map((m) => m.target).join(', ') || 'none'}).`,
          fix: `Put the CA in ./data (mounted at /data) and set ca_file: /data/${caFile.split('/').pop()}, or mount it where ca_file says.`,
        }));
      }
    }

    if (out.length === 0 && https.length === 0) {
      out.push(finding(ID, {
        messageId: 'no-https-upstreams', severity: 'info',
        symptom: 'No route uses an https:// upstream.', cause: 'Every upstream is http://: no upstream trust anchor is needed.', fix: 'Nothing to do.',
      }));
    } else if (https.length > 0 && !out.some((f) => f.severity !== 'info')) {
      out.push(finding(ID, {
        messageId: 'trust-anchor', severity: 'info', evidence: { ca_file: caFile, include_system_cas: systemRaw === true },
        symptom: `https:// upstreams (${https.map((r) => r.key).join(', ')}) are verified against ${[caFile, systemRaw === true ? 'the system roots' : null].filter(Boolean).join(' and ')}.`,
        cause: 'A trust anchor is configured.', fix: 'Nothing to do.',
      }));
    }
    const unmounted = out.some((f) => f.messageId === 'ca-file-not-mounted');
    return judge(out, unmounted ? [`whether ${caFile} exists inside the ${service?.name ?? 'proxy'} container (no volume holds it)`] : []);
  },
};
