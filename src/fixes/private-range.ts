// Repair for upstream-ip 'ip-not-allowed' when a custom upstream.allowed_ips left out a private
// (RFC 1918) range an upstream uses: add that range back (10.0.0.0/8, 172.16.0.0/12 or
// 192.168.0.0/16). Public, shared, loopback and metadata addresses are never added
// automatically: widening the proxy's reach outside the private ranges is the user's decision.

import { proxyRestartCommand } from '../model/deployment-view.js';
import { cidrContains, parseCidr, readUpstreamPolicy, RFC1918_RANGES } from '../model/ip-policy.js';
import { configTarget, editPlan } from './edit-plan.js';
import type { Declined, FindingRef, FixModule, PlanOutcome } from './types.js';
import { findingsOf } from './types.js';
import { editIsExact, insertSeqItems, yamlData } from './yaml-text.js';

const ID = 'upstream-ip';
const MESSAGES = ['ip-not-allowed'] as const;

export const privateRange: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources): PlanOutcome {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const declined: Declined[] = [];
    const wanted = new Map<string, FindingRef[]>();
    for (const { finding, ref } of found) {
      const address = typeof finding.evidence?.address === 'string' ? finding.evidence.address : null;
      const range = address ? RFC1918_RANGES.find((r) => cidrContains(parseCidr(r), address)) : undefined;
      if (!address || !range) {
        declined.push({
          answers: [ref],
          reason: `${address ?? 'the address'} is not in a private (RFC 1918) range; whether the proxy may dial it is your decision`,
        });
        continue;
      }
      wanted.set(range, [...(wanted.get(range) ?? []), ref]);
    }
    if (wanted.size === 0) return { plans: [], declined };
    const answers = [...wanted.values()].flat();
    const decline = (reason: string): PlanOutcome => ({ plans: [], declined: [...declined, { answers, reason }] });

    const target = configTarget(facts, 'upstream.allowed_ips');
    const source = target ? sources.get(target.path) : undefined;
    if (!target || !source) return decline('the file holding upstream.allowed_ips could not be read again');
    let config: unknown = yamlData(source.text);
    for (const k of target.prefix)
      config = config && typeof config === 'object' ? (config as Record<string, unknown>)[k] : undefined;
    const reading = readUpstreamPolicy(config);
    if (reading.policy?.mode !== 'allowed_ips' || reading.allowedIps.shape !== 'list') {
      return decline('upstream.allowed_ips is not a custom list here, so there is no range to add back');
    }
    const present = new Set(reading.allowedIps.entries.map((e) => String(e.raw)));
    const ranges = RFC1918_RANGES.filter((r) => wanted.has(r) && !present.has(r));
    if (ranges.length === 0) return decline('the private ranges are already listed');
    const path = [...target.prefix, 'upstream', 'allowed_ips'];
    const length = (reading.allowedIps.raw as unknown[]).length;
    const after = insertSeqItems(source.text, path, length, ranges);
    const expected = (d: unknown) => {
      const copy = structuredClone(d) as Record<string, unknown>;
      let cur: unknown = copy;
      for (const k of path) cur = (cur as Record<string, unknown>)[k];
      (cur as unknown[]).push(...ranges);
      return copy;
    };
    if (after === null || !editIsExact(source.text, after, expected))
      return decline('the list could not be edited exactly; add the range by hand');
    const key = target.prefix.length > 0 ? 'gateway.config.upstream.allowed_ips' : 'upstream.allowed_ips';
    const plan = editPlan(sources, source.path, after, {
      id: ID,
      answers,
      title: `add the private range${ranges.length > 1 ? 's' : ''} ${ranges.join(', ')} back to ${key}`,
      followUp: proxyRestartCommand(facts),
    });
    return { plans: plan ? [plan] : [], declined };
  },
};
