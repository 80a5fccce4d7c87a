// proxy-container: the running proxy, as the Docker Engine API shows it. Its container exists,
// runs, is not in a restart loop, was not OOM-killed and is healthy when it has a healthcheck;
// and the user it runs as may open the key and certificate it reads, judged on the real files
// behind its mounts (mode and owner on the host) with the POSIX rules.

import { defineCheck } from '../../src/core/check.js';
import { octal } from '../../src/core/file-mode.js';
import type { ContainerFacts, MountedFileFacts } from '../../src/core/runtime-facts.js';
import { isRecord } from '../../src/model/compose.js';
import {
  CONDITION_MESSAGES,
  containerConditions,
  deploymentContainers,
  readAccess,
  runAs,
} from '../../src/model/container-view.js';
import { proxyRestartCommand } from '../../src/model/deployment-view.js';

const CONSEQUENCE = 'cloudflared logs "Unable to reach the origin service": every request through the tunnel fails.';
/** What the proxy's open says when the file is not there (Go's os.Open). */
const MISSING = /no such file|not found|ENOENT|does not exist/i;

export const check = defineCheck({
  id: 'proxy-container',
  requires: ['live.runtime'],
  uses: ['proxyConfig', 'compose', 'helmValues'],
  messages: {
    ...CONDITION_MESSAGES,
    'file-unreadable': {
      severity: 'error',
      meaning: "The proxy's user may not read a file it opens at start (the key or a certificate).",
      symptom: 'The proxy exits at start with "open {containerPath}: permission denied".',
      cause:
        "The proxy runs as {user} and {file} is mode {mode} owned by {owner} ({why}): the proxy's open of " +
        '{containerPath} fails with permission denied.',
      fix: '{change}, then run {restart}.',
    },
    'file-missing-on-host': {
      severity: 'error',
      meaning: 'The file the proxy opens is not on the host behind its mount.',
      symptom: 'The proxy exits at start with "open {containerPath}: no such file or directory".',
      cause: '{containerPath} is {file} on the host through the mount of {container}, and {file} {problem}.',
      fix: 'Run the setup (docker compose --profile setup run --rm setup), or put the file at {file}; then run {restart}.',
    },
    'file-not-mounted': {
      severity: 'warn',
      meaning: 'The file the proxy opens is not behind any mount: it comes from the image.',
      symptom: 'The proxy reads {containerPath} from its image, not from a file on the host.',
      cause:
        'No mount of {container} covers {containerPath}: what the doctor judged on the host is not what the proxy ' +
        'reads.',
      fix: 'Mount the directory that holds it (volumes: - ./data:/data:ro under {service}), then run docker compose up -d {service}.',
    },
    'container-judged': {
      severity: 'info',
      meaning: "The proxy's container runs, and its user can read its key (info).",
      symptom: 'None.',
      cause:
        'The {service} container {container} runs as {user} since {startedAt}, restart count {restartCount}{health}; ' +
        '{files}.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const runtime = facts.live.runtime;
    const roles = deploymentContainers(facts, runtime);
    const service = roles.proxyService;
    const proxy = roles.proxy;
    if (!proxy) {
      report('missing', { project: runtime.project, service, consequence: CONSEQUENCE });
      return;
    }
    const conditions = containerConditions(proxy, service, facts.now);
    for (const c of conditions) report(c.id, { ...c.data, consequence: CONSEQUENCE });

    const keyPath = configuredKeyPath(facts.proxyConfig?.state === 'ok' ? facts.proxyConfig.value.data : undefined);
    if (!proxy.files.some((f) => f.containerPath === keyPath))
      report.notChecked(`whether ${proxy.name} can read ${keyPath}: the runtime facts do not include it`);
    const restart = proxyRestartCommand(facts);
    const readable: string[] = [];
    for (const file of proxy.files) {
      const judged = judgeFile(proxy, file, facts.deployment.dir);
      const common = { containerPath: file.containerPath, container: proxy.name, service, restart };
      if (judged.kind === 'read') readable.push(`${judged.data.file} is readable (${judged.data.why})`);
      else if (judged.kind === 'unknown')
        report.notChecked(`whether ${proxy.name} can read ${file.containerPath}: ${judged.data.why}`);
      else if (judged.kind === 'file-unreadable')
        report(judged.kind, { ...common, ...judged.data }, null, {
          evidence: { user: proxy.user, mode: judged.data.mode, owner: judged.data.owner },
        });
      else if (judged.kind === 'file-missing-on-host') report(judged.kind, { ...common, ...judged.data });
      else report(judged.kind, common);
    }
    if (conditions.length === 0)
      report(
        'container-judged',
        {
          service,
          container: proxy.name,
          user: runAs(proxy).text,
          startedAt: proxy.state.startedAt ?? 'never',
          restartCount: proxy.restartCount,
          health: proxy.state.health ? `, health ${proxy.state.health}` : '',
          files: readable.length > 0 ? readable.join('; ') : 'no file it reads was judged',
        },
        null,
        { evidence: { user: proxy.user, startedAt: proxy.state.startedAt, restartCount: proxy.restartCount } },
      );
  },
});

/** tls.key_file of the proxy config as written (the path in the container); the setup's by default. */
function configuredKeyPath(config: unknown): string {
  const tls = isRecord(config) ? config.tls : undefined;
  return isRecord(tls) && typeof tls.key_file === 'string' ? tls.key_file : '/data/tls.key';
}

/** A host path as the operator types it in the deployment directory (data/tls.key). */
function shown(path: string, dir: string): string {
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
}

type FileJudgement =
  | { kind: 'file-not-mounted' }
  | { kind: 'file-missing-on-host'; data: { file: string; problem: string } }
  | { kind: 'unknown'; data: { why: string } }
  | { kind: 'read'; data: { file: string; why: string } }
  | {
      kind: 'file-unreadable';
      data: { file: string; mode: string; owner: string; why: string; user: string; change: string };
    };

/** Whether the proxy's user may open one mounted file, and what to change when it may not. */
function judgeFile(proxy: ContainerFacts, file: MountedFileFacts, dir: string): FileJudgement {
  if (file.hostPath === null) return { kind: 'file-not-mounted' };
  const shownPath = shown(file.hostPath, dir);
  if (!file.stat) {
    const problem = file.problem ?? 'could not be looked at';
    return MISSING.test(problem)
      ? { kind: 'file-missing-on-host', data: { file: shownPath, problem } }
      : { kind: 'unknown', data: { why: `${shownPath} ${problem}` } };
  }
  const who = runAs(proxy);
  const access = readAccess(file.stat, who);
  const mode = octal(file.stat.mode);
  const owner = `${file.stat.uid}:${file.stat.gid}`;
  if (access.verdict === 'unknown')
    return {
      kind: 'unknown',
      data: { why: `it runs as ${who.text}, ${shownPath} is mode ${mode} owned by ${owner}, and ${access.why}` },
    };
  if (access.verdict === 'read') return { kind: 'read', data: { file: shownPath, why: access.why } };
  // Private to the proxy's user: chown (and give the owner read if it lacks it); or readable by all.
  const chown = `chown ${who.uid ?? ''}${who.gid === null ? '' : `:${who.gid}`} ${shownPath}`;
  const ownerRead = (file.stat.mode & 0o400) !== 0 ? '' : ` && chmod 600 ${shownPath}`;
  return {
    kind: 'file-unreadable',
    data: {
      file: shownPath,
      mode,
      owner,
      why: access.why,
      user: who.text,
      change: `chmod 644 ${shownPath} (or keep it private to the proxy's user: ${chown}${ownerRead})`,
    },
  };
}
