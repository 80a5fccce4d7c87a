// upstream-tls: https:// upstreams have a trust anchor (upstream.tls.ca_file or
// include_system_cas: true). A ca_file with no https:// upstream is only noted; a ca_file outside
// every volume the Compose proxy service mounts is noted too (its root file system is the image's).

import { defineCheck } from '../../src/core/check.js';
import { findProxyService, isRecord, volumeMounts } from '../../src/model/compose.js';
import {
  configKeyName,
  configSnippet,
  describeLocation,
  locate,
  proxyConfigModel,
  proxyRestartCommand,
  whyUnusable,
} from '../../src/model/deployment-view.js';

const ANCHOR_EXAMPLE = [
  'upstream:',
  '  tls:',
  '    ca_file: /data/upstream-ca.crt     # your CA, mounted into the container',
  '    include_system_cas: true           # public CAs',
].join('\n');

export const check = defineCheck({
  id: 'upstream-tls',
  requires: ['proxyConfig'],
  uses: ['helmValues', 'compose', 'dotenv'],
  messages: {
    'ca-file-invalid-type': {
      severity: 'error',
      meaning: 'upstream.tls.ca_file is not a string.',
      symptom: 'The proxy refuses its config or has no CA for https:// upstreams ({where}).',
      cause: '{caKey} is {value}; it must be the path of a PEM file inside the proxy container.',
      fix: 'Write it as a path, e.g. ca_file: /data/upstream-ca.crt, then restart the proxy ({restart}).',
    },
    'system-cas-invalid-type': {
      severity: 'error',
      meaning: 'include_system_cas is not a boolean.',
      symptom: 'The proxy refuses its config: {systemKey} ({where}) is not a boolean.',
      cause: 'include_system_cas is {value}; it takes true or false, unquoted.',
      fix: 'Write include_system_cas: {suggested}, then restart the proxy ({restart}).',
    },
    'no-trust-anchor': {
      severity: 'error',
      meaning: 'https:// upstreams have neither ca_file nor include_system_cas.',
      symptom: 'Requests to {routes} fail with a certificate verification error in the proxy log.',
      cause:
        '{theseUpstreams} https://, but {tlsKey} sets neither ca_file nor include_system_cas: true, so the proxy ' +
        'trusts no certificate.',
      fix:
        'For upstreams with certificates from your own CA, mount that CA into the proxy and name it; for publicly ' +
        'trusted ones, include the system roots:\n{example}\nthen restart the proxy ({restart}).',
    },
    'ca-file-unused': {
      severity: 'info',
      meaning: 'ca_file is set but no upstream uses https:// (info).',
      symptom: '{caKey} is set but no route uses an https:// upstream.',
      cause: 'ca_file {caFile} only matters for https:// upstreams; every route here is http://.',
      fix: 'Nothing breaks; remove it, or switch the routes that should be encrypted to https://.',
    },
    'ca-file-not-mounted': {
      severity: 'info',
      meaning: 'ca_file is not inside a mount of the proxy service (info).',
      symptom: '{caFile} may not exist inside the {service} container.',
      cause: 'No volume of the {service} service is mounted at or above {caDir} (mounts: {mounts}).',
      fix: 'Put the CA in ./data (mounted at /data) and set ca_file: /data/{caName}, or mount it where ca_file says.',
    },
    'no-https-upstreams': {
      severity: 'info',
      meaning: 'No upstream uses https:// (info).',
      symptom: 'No route uses an https:// upstream.',
      cause: 'Every upstream is http://: no upstream trust anchor is needed.',
      fix: 'Nothing to do.',
    },
    'trust-anchor': {
      severity: 'info',
      meaning: 'https:// upstreams have a trust anchor (info).',
      symptom: 'https:// upstreams ({routes}) are verified against {anchors}.',
      cause: 'A trust anchor is configured.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const fact = facts.proxyConfig;
    if (fact.state !== 'ok') return report.skip(whyUnusable(fact, 'proxy config'));
    const data = fact.value.data;
    const model = proxyConfigModel(facts);
    if (!model || !isRecord(data)) return report.skip('the proxy config is not a map (reported by proxy-config)');
    const upstream = data.upstream ?? {};
    if (!isRecord(upstream)) return report.skip('upstream is not a map (reported by proxy-config)');
    const tls = upstream.tls ?? {};
    if (!isRecord(tls)) return report.skip('upstream.tls is not a map (reported by proxy-config)');

    const loc = (k: string) => locate(fact, k);
    const restart = proxyRestartCommand(facts);
    const caKey = configKeyName(facts, 'upstream.tls.ca_file');
    const https = model.routes.filter((r) => r.upstream?.scheme === 'https');
    let problems = false;

    const caRaw = tls.ca_file;
    const systemRaw = tls.include_system_cas;
    const caFile = typeof caRaw === 'string' && caRaw.trim() !== '' ? caRaw : null;
    if (caRaw !== undefined && caRaw !== null && typeof caRaw !== 'string') {
      const l = loc('upstream.tls.ca_file');
      report('ca-file-invalid-type', { where: describeLocation(l), caKey, value: JSON.stringify(caRaw), restart }, l, {
        evidence: { value: caRaw },
      });
      problems = true;
    }
    if (systemRaw !== undefined && systemRaw !== null && typeof systemRaw !== 'boolean') {
      const l = loc('upstream.tls.include_system_cas');
      const suggested = systemRaw === 'true' || systemRaw === 'yes' ? 'true' : 'true (or false)';
      const systemKey = configKeyName(facts, 'upstream.tls.include_system_cas');
      const value = JSON.stringify(systemRaw);
      report('system-cas-invalid-type', { systemKey, where: describeLocation(l), value, suggested, restart }, l, {
        evidence: { value: systemRaw },
      });
      problems = true;
    }

    const [firstHttps] = https;
    if (firstHttps && caFile === null && systemRaw !== true) {
      const routes = https.map((r) => `${r.key} (${String(r.raw)})`).join(', ');
      const theseUpstreams = https.length > 1 ? 'These upstreams use' : 'This upstream uses';
      const tlsKey = configKeyName(facts, 'upstream.tls');
      const example = configSnippet(facts, ANCHOR_EXAMPLE);
      report('no-trust-anchor', { routes, theseUpstreams, tlsKey, example, restart }, loc(`routes.${firstHttps.key}`), {
        evidence: { routes: https.map((r) => r.key) },
      });
      problems = true;
    }

    let noted = false;
    if (caFile !== null && https.length === 0) {
      report('ca-file-unused', { caKey, caFile }, loc('upstream.tls.ca_file'));
      noted = true;
    }

    // In Compose the proxy's root file system is read-only image content: a CA outside every mount is not the user's file.
    const service = facts.compose?.state === 'ok' ? findProxyService(facts.compose.value.data) : null;
    if (caFile !== null && caFile.startsWith('/') && service) {
      const mounts = volumeMounts(service).map((m) => m.target);
      if (
        !mounts.some((target) => caFile === target || caFile.startsWith(target.endsWith('/') ? target : `${target}/`))
      ) {
        const data = {
          caFile,
          service: service.name,
          caDir: caFile.replace(/\/[^/]*$/, '') || '/',
          mounts: mounts.join(', ') || 'none',
          caName: caFile.split('/').pop() ?? '',
        };
        report('ca-file-not-mounted', data, loc('upstream.tls.ca_file'), { evidence: { ca_file: caFile, mounts } });
        report.notChecked(`whether ${caFile} exists inside the ${service.name} container (no volume holds it)`);
        noted = true;
      }
    }

    if (!problems && !noted && https.length === 0) report('no-https-upstreams', {});
    else if (https.length > 0 && !problems) {
      const anchors = [caFile, systemRaw === true ? 'the system roots' : null].filter(Boolean).join(' and ');
      report('trust-anchor', { routes: https.map((r) => r.key).join(', '), anchors }, null, {
        evidence: { ca_file: caFile, include_system_cas: systemRaw === true },
      });
    }
  },
});
