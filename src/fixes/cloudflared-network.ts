// Repair for cloudflared-ingress's network namespace: set `network_mode: "service:<proxy>"` on
// the cloudflared service (added, or corrected in place), so localhost inside cloudflared is the
// proxy. Refused when the service sets options Compose does not allow beside that network mode
// (its own networks, ports, hostname, DNS...): removing them is a choice for the user.

import { findCloudflaredService, findProxyService } from '../model/compose.js';
import { editPlan } from './edit-plan.js';
import type { FixModule, PlanOutcome } from './types.js';
import { findingsOf } from './types.js';
import { editIsExact, setScalar, withValue, yamlData } from './yaml-text.js';

const ID = 'cloudflared-ingress';
const MESSAGES = ['network-mode-missing', 'network-service-unknown', 'network-not-proxy', 'network-host'] as const;

/** Service options Docker refuses together with another container's network namespace. */
const CONFLICTING = [
  'networks',
  'ports',
  'expose',
  'hostname',
  'domainname',
  'dns',
  'dns_search',
  'dns_opt',
  'extra_hosts',
  'mac_address',
  'links',
];

export const cloudflaredNetwork: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources): PlanOutcome {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    const decline = (reason: string): PlanOutcome => ({ plans: [], declined: [{ answers, reason }] });
    if (facts.deployment.layout !== 'compose' || facts.compose?.state !== 'ok')
      return decline('only a Compose file is repaired');
    const source = sources.get(facts.compose.path);
    const data = source ? yamlData(source.text) : undefined;
    if (!source || data === undefined) return decline(`${facts.compose.path} could not be read again`);
    const cf = findCloudflaredService(data);
    const proxy = findProxyService(data);
    if (!cf) return decline('no cloudflared service was found');
    if (!proxy) return decline('no proxy service was found to share the network of');
    const conflicts = CONFLICTING.filter((k) => cf.spec[k] !== undefined);
    if (conflicts.length > 0) {
      return decline(
        `the ${cf.name} service sets ${conflicts.join(', ')}, which Compose refuses beside network_mode: "service:${proxy.name}"; remove ${conflicts.length > 1 ? 'them' : 'it'} and set the network mode by hand`,
      );
    }
    const current = cf.spec.network_mode;
    if (typeof current === 'string' && current.includes('$'))
      return decline('network_mode is built from a variable; set that variable instead');
    const want = `service:${proxy.name}`;
    const path = ['services', cf.name, 'network_mode'];
    const after = setScalar(source.text, path, want, { style: 'double' });
    if (after === null || !editIsExact(source.text, after, (d) => withValue(d, path, want)))
      return decline('the edit could not be made exactly; set network_mode by hand');
    const plan = editPlan(sources, source.path, after, {
      id: ID,
      answers,
      title: `${current === undefined ? 'add' : 'set'} network_mode: "${want}" on the ${cf.name} service`,
      followUp: 'docker compose up -d',
    });
    return { plans: plan ? [plan] : [], declined: [] };
  },
};
