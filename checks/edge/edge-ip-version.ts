// edge-ip-version: cloudflared 2026.4.0 changed the default of --edge-ip-version from 4 to auto.
// With auto it also dials the edge's IPv6 addresses, and on a host without an IPv6 route it then
// fails with "connect: network is unreachable". Judged from the Compose file (image tag, flag,
// TUNNEL_EDGE_IP_VERSION) and, on a live run, from whether the edge's IPv6 addresses are reachable.

import { defineCheck } from '../../src/core/check.js';
import type { EdgeLiveFacts } from '../../src/core/live-facts.js';
import { effectiveArgs, flagValue } from '../../src/model/cloudflared-args.js';
import { findCloudflaredService, serviceEnvironment } from '../../src/model/compose.js';
import { expansionVars, locate } from '../../src/model/deployment-view.js';
import { interpolate } from '../../src/model/interpolate.js';
import { compareVersions, imageTagVersion, type CalendarVersion } from '../../src/model/cloudflared-version.js';

/** The first release whose default is auto (calendar versions: year.month.patch). */
const AUTO_SINCE: CalendarVersion = [2026, 4, 0];
const PIN_IPV4 = 'Add --edge-ip-version 4 to the {service} command (or TUNNEL_EDGE_IP_VERSION: "4"), then run {apply}.';

/** On a live run: the edge's IPv6 addresses are unreachable (no route) while an IPv4 address answers. */
function ipv6WithoutRoute(edge: EdgeLiveFacts): boolean {
  const v6 = edge.targets.filter((t) => t.family === 6);
  const v4Works = edge.targets.some((t) => t.family === 4 && (t.tcp.ok || t.udp.ok));
  const noRoute = (t: (typeof v6)[number]) => t.tcp.failure === 'unreachable' && !t.udp.ok;
  return v4Works && v6.length > 0 && v6.every(noRoute);
}

export const check = defineCheck({
  id: 'edge-ip-version',
  requires: ['compose'],
  uses: ['dotenv', 'live.edge'],
  messages: {
    'auto-without-ipv6-route': {
      severity: 'error',
      meaning: 'cloudflared picks IPv6 edge addresses (auto), and this host has no IPv6 route to the edge.',
      cause:
        'The {service} service runs cloudflared {version}, whose --edge-ip-version is {setting}: it also dials ' +
        "the edge's IPv6 addresses, and from this host they are unreachable (no route) while IPv4 works.",
      fix: PIN_IPV4,
    },
    'ipv6-pinned-without-route': {
      severity: 'error',
      meaning: '--edge-ip-version 6 on a host with no IPv6 route to the edge.',
      cause:
        "The {service} service sets --edge-ip-version 6, and from this host the edge's IPv6 addresses are " +
        'unreachable (no route) while IPv4 works.',
      fix: PIN_IPV4,
    },
    'invalid-value': {
      severity: 'error',
      meaning: '--edge-ip-version is not 4, 6 or auto.',
      symptom: 'cloudflared refuses to start: the value of --edge-ip-version is not one it knows.',
      cause: 'The {service} service sets --edge-ip-version to "{value}"; cloudflared accepts 4, 6 and auto.',
      fix: PIN_IPV4,
    },
    'ip-version-judged': {
      severity: 'info',
      meaning: 'How cloudflared picks the edge address family, and why it works here (info).',
      symptom: 'None.',
      cause: 'The {service} service runs cloudflared {version} with --edge-ip-version {setting}{why}.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    if (facts.compose.state !== 'ok')
      return report.skip(`${facts.compose.path} could not be read (reported by cloudflared-ingress)`);
    const cf = findCloudflaredService(facts.compose.value.data);
    if (!cf) return report.skip('the Compose file has no cloudflared service (reported by cloudflared-ingress)');
    const vars = expansionVars(facts);
    const flag = flagValue(effectiveArgs(cf, vars), ['edge-ip-version']);
    const env = serviceEnvironment(cf).TUNNEL_EDGE_IP_VERSION;
    const setValue = flag?.value ?? (typeof env === 'string' ? interpolate(env, vars).value : undefined);
    const where = locate(facts.compose, flag?.key ?? `services.${cf.name}`);
    const version = imageTagVersion(cf.spec.image);
    const versionText = version === 'latest' ? '(latest)' : version ? version.join('.') : '(version unknown)';
    const apply = `docker compose up -d ${cf.name}`;
    const edge = facts.live?.edge ?? null;
    const data = { service: cf.name, version: versionText, apply };

    if (setValue !== undefined && !['4', '6', 'auto'].includes(setValue.trim())) {
      report('invalid-value', { ...data, value: setValue }, where);
      return;
    }
    const setting =
      setValue?.trim() ??
      (version !== null && version !== 'latest' && compareVersions(version, AUTO_SINCE) < 0 ? '4' : 'auto');
    const chosen = setValue === undefined ? `${setting} (the default of this version)` : setting;
    if (setting === '4') {
      report('ip-version-judged', { ...data, setting: chosen, why: ': it dials IPv4 only' });
      return;
    }
    if (!edge) {
      report.notChecked('whether this host reaches the edge over IPv6 (needs a run without --offline)');
      report('ip-version-judged', { ...data, setting: chosen, why: '' });
      return;
    }
    if (ipv6WithoutRoute(edge)) {
      if (setting === '6') report('ipv6-pinned-without-route', data, where);
      else report('auto-without-ipv6-route', { ...data, setting: chosen }, where);
      return;
    }
    report('ip-version-judged', {
      ...data,
      setting: chosen,
      why: ': the edge answered over the address families tried',
    });
  },
});
