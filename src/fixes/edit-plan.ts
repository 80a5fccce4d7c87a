// Small shared pieces of the repairs that edit files: where a proxy config key is written (its
// own file, or gateway.config in a Helm values file), and an edit turned into a plan.

import type { Facts } from '../core/facts.js';
import { proxyConfigFromHelm } from '../model/deployment-view.js';
import type { EditPlan, FindingRef, Sources } from './types.js';
import { messageIdsOf } from './types.js';

/** The file and key path prefix where the proxy config's `key` is edited. */
export function configTarget(facts: Readonly<Facts>, key: string): { path: string; prefix: string[] } | null {
  const fact = facts.proxyConfig;
  if (fact?.state !== 'ok') return null;
  if (proxyConfigFromHelm(facts) && facts.helmValues?.state === 'ok') {
    const files = facts.helmValues.value.positionFiles;
    const parts = key.split('.');
    // The values file that set the key, else the one that set its nearest parent.
    for (let i = parts.length; i >= 0; i--) {
      const file = files[['gateway', 'config', ...parts.slice(0, i)].join('.')];
      if (file) return { path: file, prefix: ['gateway', 'config'] };
    }
    return { path: fact.path, prefix: ['gateway', 'config'] };
  }
  return { path: fact.path, prefix: [] };
}

/** An edit plan from a file's current text and its repaired text; null when nothing changes. */
export function editPlan(
  sources: Sources,
  path: string,
  after: string | null,
  plan: { id: string; answers: FindingRef[]; title: string; followUp: string | null },
): EditPlan | null {
  const source = sources.get(path);
  if (!source || after === null || after === source.text) return null;
  return {
    kind: 'edit',
    id: plan.id,
    messageIds: messageIdsOf(plan.answers),
    answers: plan.answers,
    title: plan.title,
    path,
    before: source.text,
    after,
    command: null,
    followUp: plan.followUp,
  };
}
