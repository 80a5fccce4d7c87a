// Pure readings of the running containers and their Compose project. For the gatherer
// (src/probes/docker-runtime.ts does the I/O): the project name Compose would choose, which host
// path a container path stands for through the mounts, and the command line with the tunnel token
// taken out. For the container checks: which container is the proxy and which cloudflared, under
// which Compose service names; what state a container is in, told like an operator would; and
// whether a container's user may open a file behind one of its mounts, by the POSIX rules
// (judged on the host file's mode and owner).

import type { Facts } from '../core/facts.js';
import type { ContainerFacts, ContainerMount, DockerRuntimeFacts } from '../core/runtime-facts.js';
import { findCloudflaredService, findProxyService, isRecord } from './compose.js';
import { runtimeRoles } from './runtime-roles.js';

/** A project name normalised as Compose does: lower case, only [a-z0-9_-], starting with a letter or digit. */
export function normaliseProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

/** The host path behind `containerPath`: the mount with the longest destination that covers it; null when none does. */
export function hostPathThroughMounts(containerPath: string, mounts: readonly ContainerMount[]): string | null {
  let best: ContainerMount | null = null;
  for (const m of mounts) {
    const dest = m.destination.replace(/\/+$/, '') || '/';
    const covers = containerPath === dest || containerPath.startsWith(dest === '/' ? '/' : `${dest}/`);
    if (covers && (best === null || dest.length > best.destination.replace(/\/+$/, '').length)) best = m;
  }
  if (best === null || best.source === '') return null;
  const dest = best.destination.replace(/\/+$/, '');
  const rest = containerPath.slice(dest.length).replace(/^\/+/, '');
  return rest === '' ? best.source : `${best.source.replace(/\/+$/, '')}/${rest}`;
}

const REDACTED_ARG = '<redacted>';

/**
 * The command line with the value of `--token X` / `--token=X` replaced, the token it held, and the
 * path `--token-file X` names. cloudflared's flags take one or two dashes.
 */
export function commandLineToken(argv: readonly string[]): {
  argv: string[];
  token: string | null;
  tokenFile: string | null;
} {
  const out: string[] = [];
  let token: string | null = null;
  let tokenFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const eq = /^--?token=(.*)$/s.exec(arg);
    const fileEq = /^--?token-file=(.*)$/s.exec(arg);
    if (eq) {
      token = eq[1] ?? '';
      out.push(arg.slice(0, arg.indexOf('=') + 1) + REDACTED_ARG);
    } else if (/^--?token$/.test(arg) && next !== undefined) {
      token = next;
      out.push(arg, REDACTED_ARG);
      i++;
    } else {
      if (fileEq) tokenFile = fileEq[1] ?? null;
      else if (/^--?token-file$/.test(arg) && next !== undefined) tokenFile = next;
      out.push(arg);
    }
  }
  return { argv: out, token, tokenFile };
}

/** The container paths of the proxy's certificate and key (tls.cert_file, tls.key_file) and its CA, with the image's defaults. */
export function proxyTlsPaths(configData: unknown): string[] {
  const tls = isRecord(configData) && isRecord(configData.tls) ? configData.tls : {};
  const cert = typeof tls.cert_file === 'string' && tls.cert_file.startsWith('/') ? tls.cert_file : '/data/tls.crt';
  const key = typeof tls.key_file === 'string' && tls.key_file.startsWith('/') ? tls.key_file : '/data/tls.key';
  return [cert, key, '/data/ca.crt'];
}

export interface DeploymentContainers {
  proxy: ContainerFacts | null;
  cloudflared: ContainerFacts | null;
  /** The Compose file's service names, else the containers', else the reference names. */
  proxyService: string;
  cloudflaredService: string;
  /** Whether the Compose file has a cloudflared service (null without a readable Compose file). */
  composeHasCloudflared: boolean | null;
}

export function deploymentContainers(facts: Readonly<Facts>, runtime: DockerRuntimeFacts): DeploymentContainers {
  const data = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
  const roles = runtimeRoles(runtime, data);
  const cloudflaredService = data === undefined ? null : findCloudflaredService(data);
  return {
    ...roles,
    proxyService:
      (data === undefined ? null : findProxyService(data))?.name ??
      roles.proxy?.service ??
      facts.deployment.generation ??
      'mcp-proxy',
    cloudflaredService: cloudflaredService?.name ?? roles.cloudflared?.service ?? 'cloudflared',
    composeHasCloudflared: data === undefined ? null : cloudflaredService !== null,
  };
}

/** A restart by the policy more recent than this is taken for a restart loop. */
const RECENT_RESTART_MS = 60_000;

/** What is wrong with a container's state, as message IDs the container checks share. */
export type ConditionId = 'not-running' | 'restarting' | 'oom-killed' | 'unhealthy' | 'restarted';

export interface Condition {
  id: ConditionId;
  /** The values every condition's message may name. */
  data: {
    container: string;
    service: string;
    status: string;
    restartCount: number;
    lastExit: string;
    dockerError: string;
    health: string;
    start: string;
  };
}

/** What an exit code says when it is a signal's (128 + n). */
function exitCodeMeaning(code: number): string {
  if (code === 137) return ': killed (SIGKILL)';
  if (code === 143) return ': stopped (SIGTERM)';
  if (code === 139) return ': crashed (SIGSEGV)';
  return '';
}

/**
 * The last exit, as far as Docker keeps it: a running container's exit code is reset to 0 when
 * it starts again, so it is named only while stopped (or when Docker still has a non-zero one).
 */
function lastExit(c: ContainerFacts): string {
  const parts: string[] = [];
  if (!c.state.running || c.state.restarting || c.state.exitCode !== 0)
    parts.push(`last exit code ${c.state.exitCode}${exitCodeMeaning(c.state.exitCode)}`);
  if (c.state.finishedAt) parts.push(`last stopped at ${c.state.finishedAt}`);
  return parts.length > 0 ? parts.join(', ') : 'Docker kept no exit code';
}

/**
 * The container's conditions, worst first: down (OOM-killed, restarting in a loop, stopped,
 * paused) or unhealthy are failures; running after earlier restarts is a warning. Empty when it
 * runs and nothing is amiss.
 */
export function containerConditions(c: ContainerFacts, service: string, now: string): Condition[] {
  const { state } = c;
  const data: Condition['data'] = {
    container: c.name,
    service,
    status: state.status,
    restartCount: c.restartCount,
    lastExit: lastExit(c),
    dockerError: state.error === '' ? '' : `; Docker says: ${state.error}`,
    health: state.healthOutput ? `: ${state.healthOutput}` : '',
    start: state.status === 'paused' ? `docker compose unpause ${service}` : `docker compose up -d ${service}`,
  };
  // Docker keeps Running true while a container waits to restart, and while it is paused.
  const down = !state.running || state.restarting || state.status === 'restarting' || state.status === 'paused';
  // In a restart loop Docker flips between restarting and a few seconds of running: a restart by
  // the policy that started it less than a minute ago is the loop seen between two exits.
  const justRestarted =
    state.running &&
    c.restartCount > 0 &&
    state.startedAt !== null &&
    Date.parse(now) - Date.parse(state.startedAt) < RECENT_RESTART_MS;
  const out: Condition[] = [];
  if (state.oomKilled) out.push({ id: 'oom-killed', data });
  else if (state.restarting || state.status === 'restarting' || justRestarted) out.push({ id: 'restarting', data });
  else if (down) out.push({ id: 'not-running', data });
  if (!down && state.health === 'unhealthy') out.push({ id: 'unhealthy', data });
  if (!down && !justRestarted && c.restartCount > 0) out.push({ id: 'restarted', data });
  return out;
}

/** Who a container runs as, from Config.User ('65532:65532', '65532', 'name', 'name:group', ''). */
export interface RunAs {
  /** Null when the user is a name (resolved in the image's /etc/passwd). */
  uid: number | null;
  /** Null when only a user was given (its primary group comes from the image's /etc/passwd). */
  gid: number | null;
  /** Whether root may read any file: it keeps CAP_DAC_OVERRIDE unless cap_drop removed it. */
  readsAll: boolean;
  /** How to say it: 65532:65532, 65532, "app", root. */
  text: string;
}

/**
 * Docker merges the image's USER into the container's Config.User when the container sets none
 * (seen on Engine 20.10: a container of an image with USER 65532:65532 shows "65532:65532"), so
 * an empty one means neither sets a user: the process runs as root.
 */
export function runAs(c: Pick<ContainerFacts, 'user' | 'capAdd' | 'capDrop'>): RunAs {
  const trimmed = c.user.trim();
  const readsAll = rootReadsAll(c);
  const rootText = readsAll ? 'root' : 'root without CAP_DAC_OVERRIDE (cap_drop)';
  if (trimmed === '')
    return { uid: 0, gid: 0, readsAll, text: `${rootText} (neither the container nor its image sets a user)` };
  const [u = '', g] = trimmed.split(':');
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);
  const uid = u === 'root' ? 0 : num(u);
  const gid = g === 'root' ? 0 : num(g);
  return { uid, gid, readsAll, text: uid === 0 && !readsAll ? `${trimmed} (${rootText})` : trimmed };
}

export type Access = { verdict: 'read' | 'denied'; why: string } | { verdict: 'unknown'; why: string };

/**
 * Whether `who` may open a file for reading, by the POSIX rules: root reads everything (while it
 * keeps CAP_DAC_OVERRIDE); the owner gets the owner bits, a member of the file's group the group
 * bits, anyone else the other bits. Supplementary groups are not known (they come from the image's /etc/group); when they would
 * decide, the answer is unknown and says why.
 */
export function readAccess(stat: { mode: number; uid: number; gid: number }, who: RunAs): Access {
  const owner = (stat.mode & 0o400) !== 0;
  const group = (stat.mode & 0o040) !== 0;
  const other = (stat.mode & 0o004) !== 0;
  const verdict = (allowed: boolean, why: string): Access => ({ verdict: allowed ? 'read' : 'denied', why });
  if (who.uid === 0 && who.readsAll) return verdict(true, 'root reads every file');
  if (who.uid === null) {
    if (owner && group && other) return verdict(true, 'every user may read it');
    return { verdict: 'unknown', why: `the numeric user behind ${who.text} is not known` };
  }
  if (who.uid === stat.uid) return verdict(owner, owner ? 'its owner may read it' : 'even its owner may not read it');
  if (who.gid !== null && who.gid === stat.gid)
    return verdict(group, group ? 'its group may read it' : 'its group may not read it');
  // Not the owner and not in the file's group by its primary group: group and other bits agree,
  // or supplementary groups decide.
  if (group === other) return verdict(other, other ? 'every user may read it' : 'only its owner may read it');
  return {
    verdict: 'unknown',
    why:
      `members of group ${stat.gid} ${group ? 'may' : 'may not'} read it, and whether ${who.text} is in that ` +
      'group is not known (supplementary groups come from the image)',
  };
}

/** Whether root keeps the capability to read any file (CAP_DAC_OVERRIDE by default, or CAP_DAC_READ_SEARCH added). */
function rootReadsAll(c: Pick<ContainerFacts, 'capAdd' | 'capDrop'>): boolean {
  const names = (cap: string) => ['ALL', cap, `CAP_${cap}`];
  const listed = (list: readonly string[] | undefined, cap: string) =>
    (list ?? []).some((c) => names(cap).includes(c.toUpperCase()));
  const kept = (cap: string, byDefault: boolean) => listed(c.capAdd, cap) || (byDefault && !listed(c.capDrop, cap));
  return kept('DAC_OVERRIDE', true) || kept('DAC_READ_SEARCH', false);
}

/** The messages of a missing container and of the conditions, shared by the container checks; `{consequence}` is the check's own. */
export const CONDITION_MESSAGES = {
  missing: {
    severity: 'error',
    meaning: 'The Compose project has no container of this service.',
    symptom: '{consequence}',
    cause: 'The Compose project {project} has no {service} container: it was never started, or it was removed.',
    fix: 'Run docker compose up -d {service} in the deployment directory.',
  },
  'not-running': {
    severity: 'error',
    meaning: 'The container exists but is not running (exited, created, paused or dead).',
    symptom: '{consequence}',
    cause: 'The {service} container {container} is {status} ({lastExit}){dockerError}.',
    fix: 'Read why it stopped (docker compose logs --tail 50 {service}), fix that, then run {start}.',
  },
  restarting: {
    severity: 'error',
    meaning: 'The container is in a restart loop: it exits soon after each start.',
    symptom: '{consequence}',
    cause:
      'The {service} container {container} keeps exiting soon after it starts, and Docker keeps starting it again ' +
      '({restartCount} restarts, {lastExit}){dockerError}.',
    fix: 'Read why it exits (docker compose logs --tail 50 {service}), fix that, then run docker compose up -d {service}.',
  },
  'oom-killed': {
    severity: 'error',
    meaning: 'The kernel killed the container for lack of memory (OOMKilled).',
    symptom: '{consequence}',
    cause:
      'The kernel killed the {service} container {container} for lack of memory (OOMKilled; {lastExit}): its memory ' +
      'limit is too low for it.',
    fix:
      'Raise the memory limit of the {service} service (mem_limit, or deploy.resources.limits.memory), then run ' +
      'docker compose up -d {service}.',
  },
  unhealthy: {
    severity: 'error',
    meaning: 'The container runs, but Docker reports it unhealthy: its healthcheck fails.',
    symptom: 'Docker reports {container} unhealthy{health}.',
    cause: 'The healthcheck of the {service} service fails: the process runs but does not answer as the check expects.',
    fix: 'Read the healthcheck output (docker inspect {container}, State.Health) and the log (docker compose logs {service}).',
  },
  restarted: {
    severity: 'warn',
    meaning: 'The container runs now, but exited and was restarted before: requests failed meanwhile.',
    symptom: '{container} runs now, but Docker restarted it {restartCount} time(s): requests failed while it was down.',
    cause:
      'The {service} container exited and its restart policy started it again ({lastExit}); the cause may come back.',
    fix: 'Read why it exited: docker compose logs --tail 200 {service} (the lines before its last start).',
  },
} as const;
