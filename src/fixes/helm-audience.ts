// Repair for helm-values 'audience-mismatch': set api.wif.audience in the values file to the
// federation rule's audience, byte for byte (usually the "https://" scheme one side lacks). The
// rule is what the API enforces, so the values follow it. Edited in the values file that sets
// the key, else the last one given.

import { editPlan } from './edit-plan.js';
import type { FixModule, PlanOutcome } from './types.js';
import { findingsOf } from './types.js';
import { editIsExact, setScalar, withValue } from './yaml-text.js';

const ID = 'helm-values';
const MESSAGES = ['audience-mismatch'] as const;
const PATH = ['api', 'wif', 'audience'];

export const helmAudience: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources): PlanOutcome {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    const decline = (reason: string): PlanOutcome => ({ plans: [], declined: [{ answers, reason }] });
    const audience = found[0]?.finding.evidence?.rule;
    if (typeof audience !== 'string' || audience === '') return decline("the rule's audience is not known");
    const hv = facts.helmValues;
    if (hv?.state !== 'ok') return decline('the Helm values could not be read');
    const file = hv.value.positionFiles[PATH.join('.')] ?? hv.value.files[hv.value.files.length - 1];
    if (file === undefined) return decline('the Helm values came from no file');
    const source = sources.get(file);
    if (!source) return decline(`${file} could not be read again`);
    const after = setScalar(source.text, PATH, audience);
    if (after === null || !editIsExact(source.text, after, (d) => withValue(d, PATH, audience)))
      return decline('api.wif.audience could not be edited exactly; set it by hand');
    const plan = editPlan(sources, file, after, {
      id: ID,
      answers,
      title: `set api.wif.audience to the federation rule's audience "${audience}"`,
      followUp:
        'helm upgrade with the same release and values files (if the setup Job already failed: helm uninstall mcp-tunnel -n mcp-tunnel; kubectl -n mcp-tunnel delete job mcp-tunnel-setup; and install again)',
    });
    return { plans: plan ? [plan] : [], declined: [] };
  },
};
