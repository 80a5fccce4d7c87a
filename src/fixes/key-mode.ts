// Repair for private-key 'unreadable-by-proxy' (Compose only): chmod 644 the key, the mode the
// reference setup gives it, so the proxy's user (UID 65532) can read it. The listing also offers
// the private alternative (owner 65532, mode 0600), which needs root and is left to the user.
// On Helm the key is a Secret mount and file modes do not apply, so nothing is planned there.

import { proxyRestartCommand, proxyUser } from '../model/deployment-view.js';
import type { ChmodPlan, FixModule } from './types.js';
import { findingsOf } from './types.js';
import { octal } from '../core/file-mode.js';

const ID = 'private-key';
const MESSAGES = ['unreadable-by-proxy'] as const;
const MODE = 0o644;

export const keyMode: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results) {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    if (facts.deployment.layout !== 'compose') {
      return {
        plans: [],
        declined: [
          { answers, reason: 'the key is not a Compose file mount here; give it the mode where it is created' },
        ],
      };
    }
    const key = facts.privateKey;
    const mode = key?.state === 'ok' ? key.value.mode : facts.privateKeyStat?.mode;
    if (!key || key.state === 'missing' || mode === undefined) {
      return { plans: [], declined: [{ answers, reason: "the key file's mode is not known" }] };
    }
    const who = proxyUser(facts);
    const plan: ChmodPlan = {
      kind: 'chmod',
      id: ID,
      messageIds: [...MESSAGES],
      answers,
      title:
        `make ${key.path} readable by the proxy's user (mode ${octal(mode)} -> ${octal(MODE)}); ` +
        `to keep it private instead: chown ${who.uid}:${who.gid} ${shellQuote(key.path)} && chmod 600 ${shellQuote(key.path)}`,
      path: key.path,
      beforeMode: mode & 0o7777,
      mode: MODE,
      command: `chmod ${MODE.toString(8)} ${shellQuote(key.path)}`,
      followUp: proxyRestartCommand(facts),
    };
    return { plans: [plan], declined: [] };
  },
};

/** A path as one shell word (quoted only when it needs to be). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
