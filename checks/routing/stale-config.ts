// stale-config: the running containers use the files as they are now. The proxy reads its
// config only at start (only tls.cert_file is polled), and Compose applies .env and the Compose
// file only when it creates a container. A file modified after a container started is a hint
// (warn: a file can be touched without a change); a kept environment value that differs from
// what the files give now is proof (fail).

import { defineCheck } from '../../src/core/check.js';
import { ENV_VALUES_KEPT, type ContainerFacts, type DeploymentFileTime } from '../../src/core/runtime-facts.js';
import { composeServices, serviceEnvironment } from '../../src/model/compose.js';
import { deploymentContainers } from '../../src/model/container-view.js';
import { applyChangeCommand, expansionVars, proxyRestartCommand } from '../../src/model/deployment-view.js';
import { interpolate, referencedVariables } from '../../src/model/interpolate.js';

/** File systems and clocks round times; closer than this is "at the same time". */
const TOLERANCE_MS = 2000;
const HINT = 'This is a hint from file times (a file can be saved without a change).';

export const check = defineCheck({
  id: 'stale-config',
  requires: ['live.runtime'],
  uses: ['proxyConfig', 'helmValues', 'dotenv', 'compose'],
  messages: {
    'config-edited': {
      severity: 'warn',
      meaning: 'The proxy config was modified after the proxy started; the proxy does not reload it.',
      symptom: 'An edit of {file} (a route, tunnel_domain, allowed_ips) may have no effect yet.',
      cause:
        '{file} was modified at {mtime}, after {container} started at {startedAt}: the proxy reads its config only ' +
        'at start (only tls.cert_file is reloaded). ' +
        HINT,
      fix: 'Run {apply}.',
    },
    'env-edited': {
      severity: 'warn',
      meaning: '.env was modified after a container started; only re-creating the container applies it.',
      symptom: 'An edit of {file} may have no effect yet.',
      cause:
        '{file} was modified at {mtime}, after {containers} started: Compose applies .env only when it creates a ' +
        'container, and docker compose restart keeps the old environment. ' +
        HINT,
      fix: 'Run docker compose up -d (it re-creates the containers whose settings changed).',
    },
    'compose-edited': {
      severity: 'warn',
      meaning: 'The Compose file was modified after a container started; only re-creating the container applies it.',
      symptom: 'An edit of {file} may have no effect yet.',
      cause:
        '{file} was modified at {mtime}, after {containers} started: Compose applies it only when it creates a ' +
        'container. ' +
        HINT,
      fix: 'Run docker compose up -d (it re-creates the containers whose settings changed).',
    },
    'env-differs': {
      severity: 'error',
      meaning: 'A running container has an environment value other than the one the files give now.',
      symptom: '{container} runs with {name}={running}, but {source} now gives {name}={wanted}.',
      cause:
        'This is proof, not a hint: {container} was created before {name} changed, and a restart keeps the ' +
        'environment a container was created with.',
      fix: 'Run {apply}.',
    },
    'in-step': {
      severity: 'info',
      meaning: 'The containers started after the deployment files last changed (info).',
      symptom: 'None.',
      cause: '{containers} started after {files} last changed.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const runtime = facts.live.runtime;
    const roles = deploymentContainers(facts, runtime);
    const started = runtime.containers.filter(
      (c): c is ContainerFacts & { state: { startedAt: string } } => c.state.running && c.state.startedAt !== null,
    );
    if (started.length === 0)
      return report.skip(`no container of project ${runtime.project} runs (reported by proxy-container)`);
    const after = (file: DeploymentFileTime, c: (typeof started)[number]) =>
      Date.parse(file.mtime) - Date.parse(c.state.startedAt) > TOLERANCE_MS;
    const at = (file: DeploymentFileTime) => ({ file: file.path, mtime: file.mtime });
    const names = (cs: readonly ContainerFacts[]) => cs.map((c) => c.name).join(' and ');

    // Proof first: a kept (non-secret) value that differs from what the files give now.
    const recreate = new Set<string>();
    const data = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
    const vars = expansionVars(facts);
    for (const service of composeServices(data)) {
      const c = started.find((s) => s.service === service.name);
      if (!c) continue;
      for (const [name, raw] of Object.entries(serviceEnvironment(service))) {
        if (!ENV_VALUES_KEPT.includes(name) || raw === null || !Object.hasOwn(c.env, name)) continue;
        const wanted = interpolate(raw, vars).value;
        if (c.env[name] === wanted) continue;
        recreate.add(c.name);
        const apply = applyChangeCommand(facts, 'environment', service.name);
        // Compose lets the shell win over .env; say so when this shell is where the value comes from.
        const source = referencedVariables(raw).some((v) => Object.hasOwn(facts.processEnv, v))
          ? "this shell's environment (which docker compose up would use)"
          : 'the Compose file with .env';
        report('env-differs', { container: c.name, name, running: c.env[name] ?? '', wanted, source, apply });
      }
    }

    const proxy = started.find((c) => c === roles.proxy);
    let hints = 0;
    for (const file of runtime.fileTimes) {
      if (file.role === 'proxy-config') {
        if (!proxy || !after(file, proxy)) continue;
        report('config-edited', {
          ...at(file),
          container: proxy.name,
          startedAt: proxy.state.startedAt,
          apply: proxyRestartCommand(facts),
        });
      } else {
        // Containers already proven stale need no hint for the same fix.
        const before = started.filter((c) => after(file, c) && !recreate.has(c.name));
        if (before.length === 0) continue;
        report(file.role === 'dotenv' ? 'env-edited' : 'compose-edited', { ...at(file), containers: names(before) });
      }
      hints += 1;
    }

    if (runtime.fileTimes.length === 0) report.notChecked('when the deployment files changed: none was found');
    if (recreate.size === 0 && hints === 0)
      report('in-step', {
        containers: names(started),
        files: runtime.fileTimes.map((f) => f.path).join(', ') || 'their environment in the files',
      });
  },
});
