// running-token: the running cloudflared holds the token the files hold. cloudflared reads its
// token when its container is created, so a token edited in .env or data/tunnel-token has no
// effect until `docker compose up -d`. Compared by fingerprint (SHA-256); neither the token nor
// the fingerprint ever reaches a finding, evidence or reason.

import { defineCheck } from '../../src/core/check.js';
import type { ContainerFacts } from '../../src/core/runtime-facts.js';
import { commandOption } from '../../src/model/compose.js';
import { applyChangeCommand } from '../../src/model/deployment-view.js';
import { deploymentContainers } from '../../src/model/container-view.js';

/** Why the container's token is not visible, for the skip reason. */
function whyNotVisible(c: ContainerFacts): string {
  const file =
    commandOption(c.argv, '--token-file')?.value ??
    (c.envNames.includes('TUNNEL_TOKEN_FILE') ? 'TUNNEL_TOKEN_FILE' : null);
  if (file !== null) return `${c.name} reads its token from a file (${file}) the doctor cannot see through its mounts`;
  if (c.envNames.includes('TUNNEL_TOKEN'))
    return `${c.name} has TUNNEL_TOKEN, but its value could not be read as a token`;
  return `${c.name} has no TUNNEL_TOKEN and no --token`;
}

export const check = defineCheck({
  id: 'running-token',
  requires: ['live.runtime', 'token'],
  uses: ['compose', 'helmValues', 'proxyConfig'],
  messages: {
    'different-token': {
      severity: 'error',
      meaning: 'The running cloudflared holds a different token than the files.',
      cause:
        'The running cloudflared ({container}) holds a different token than {source}: it was not recreated after the ' +
        'token changed.',
      fix: 'Run {apply}.',
    },
    'same-token': {
      severity: 'info',
      meaning: 'The running cloudflared holds the token of the files (info).',
      symptom: 'None.',
      cause: 'The running cloudflared ({container}) holds the same token as {source}.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const roles = deploymentContainers(facts, facts.live.runtime);
    const cf = roles.cloudflared;
    if (!cf) return report.skip('there is no cloudflared container (reported by cloudflared-container)');
    if (facts.token.state !== 'ok') return report.skip("the files' token could not be read (reported by tunnel-token)");
    const files = facts.token.value.fingerprint;
    if (files === undefined || facts.token.value.placeholder)
      return report.skip('the files hold no usable token (reported by tunnel-token)');
    if (cf.tokenFingerprint === null) return report.skip(whyNotVisible(cf));
    const data = { container: cf.name, source: facts.token.value.source };
    if (cf.tokenFingerprint === files) report('same-token', data);
    else
      report('different-token', { ...data, apply: applyChangeCommand(facts, 'environment', roles.cloudflaredService) });
  },
});
