// The running Compose project, read from the Docker Engine API: which project the deployment
// directory is, its containers (state, restarts, user, mounts, network mode, environment names),
// the files the proxy reads as seen through its mounts, and when the deployment files changed.
// No secret is kept: environment values only for ENV_VALUES_KEPT, the tunnel token only as a
// fingerprint (and registered, so the run masks it wherever it might appear).

import { realpathSync, statSync, readlinkSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Facts } from '../core/facts.js';
import {
  ENV_VALUES_KEPT,
  type ContainerFacts,
  type ContainerMount,
  type ContainerState,
  type DeploymentFileTime,
  type DockerRuntimeFacts,
  type MountedFileFacts,
} from '../core/runtime-facts.js';
import { composeServices, isRecord } from '../model/compose.js';
import {
  commandLineToken,
  hostPathThroughMounts,
  normaliseProjectName,
  proxyTlsPaths,
} from '../model/container-view.js';
import { expansionVars } from '../model/deployment-view.js';
import { interpolate } from '../model/interpolate.js';
import { runtimeRoles } from '../model/runtime-roles.js';
import { tokenFingerprint } from '../model/tunnel-token.js';
import { redact } from '../redaction/redact.js';
import { registerSecretsIn } from '../redaction/register.js';
import { readBounded } from './bounded-file.js';
import { startDeadline } from './deadline.js';
import { dockerEndpoint, engineGetJson, type DockerEndpoint, type EngineAnswer } from './docker-engine.js';
import { registerCandidate } from './tunnel-token.js';

export type RuntimeFailure = 'no-socket' | 'denied' | 'engine-error' | 'no-project';

export type DockerRuntimeResult =
  { runtime: DockerRuntimeFacts; pids: Record<string, number> } | { skipped: string; failure: RuntimeFailure };

export interface DockerRuntimeOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** One deadline for the whole gathering (every Engine request shares it). */
  timeoutMs: number;
  signal?: AbortSignal;
}

const NOT_INSPECTED = 'the running containers were not inspected';
const TOKEN_FILE_MAX_BYTES = 64 * 1024;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** An operator's sentence for an Engine API failure, and the failure kind of the gathering. */
function engineProblem(
  endpoint: DockerEndpoint,
  env: DockerRuntimeOptions['env'],
  answer: Extract<EngineAnswer<unknown>, { ok: false }>,
): { skipped: string; failure: RuntimeFailure } {
  const fromEnv = env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : 'DOCKER_HOST is not set';
  const at = endpoint.kind === 'unix' ? endpoint.path : endpoint.text;
  switch (answer.failure) {
    case 'no-socket':
      return { failure: 'no-socket', skipped: `no Docker socket at ${at} (${fromEnv}): ${NOT_INSPECTED}` };
    case 'refused':
      return {
        failure: 'no-socket',
        skipped: `no Docker Engine answers at ${at} (${fromEnv}; is dockerd running?): ${NOT_INSPECTED}`,
      };
    case 'denied':
      return {
        failure: 'denied',
        skipped: `permission denied on ${at}: run as a member of the docker group, or as root (${NOT_INSPECTED})`,
      };
    default:
      return {
        failure: 'engine-error',
        skipped: `the Docker Engine at ${at} failed (${answer.detail}): ${NOT_INSPECTED}`,
      };
  }
}

/** The Compose project's directory: where the Compose file is, else the deployment directory. */
function projectDir(facts: Readonly<Facts>): string {
  return facts.compose ? dirname(resolve(facts.compose.path)) : resolve(facts.deployment.dir);
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** The project name Compose would use when no container names the directory (its `name:`, COMPOSE_PROJECT_NAME, the directory). */
function projectByName(
  facts: Readonly<Facts>,
  env: DockerRuntimeOptions['env'],
  dir: string,
): { project: string; source: DockerRuntimeFacts['projectSource'] } {
  const data = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
  if (isRecord(data) && typeof data.name === 'string' && data.name.trim() !== '') {
    const name = normaliseProjectName(interpolate(data.name, expansionVars(facts)).value);
    if (name !== '') return { project: name, source: 'compose-name' };
  }
  const fromEnv =
    env.COMPOSE_PROJECT_NAME ?? (facts.dotenv?.state === 'ok' ? facts.dotenv.value.COMPOSE_PROJECT_NAME : undefined);
  if (fromEnv && normaliseProjectName(fromEnv) !== '') return { project: normaliseProjectName(fromEnv), source: 'env' };
  return { project: normaliseProjectName(basename(dir)), source: 'directory' };
}

const SOURCE_WORDS: Record<DockerRuntimeFacts['projectSource'], string> = {
  'working-dir': 'from its working directory label',
  'compose-name': "from the Compose file's name:",
  env: 'from COMPOSE_PROJECT_NAME',
  directory: 'from the directory name',
};

/** A list of strings from the Engine's JSON (null for an absent list: Docker writes null). */
function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isoOrNull(v: unknown): string | null {
  const s = str(v);
  return s === '' || s.startsWith('0001-01-01') ? null : s;
}

function stateOf(inspect: Json): ContainerState {
  const s = obj(inspect.State);
  const health = isRecord(s.Health) ? s.Health : null;
  const status = str(health?.Status);
  const log = Array.isArray(health?.Log) ? health.Log : [];
  const lastOutput = log.length > 0 ? str(obj(log[log.length - 1]).Output) : null;
  const startedAt = isoOrNull(s.StartedAt);
  // Docker keeps the previous stop's time after a new start: only a stop after the start counts.
  const finishedAt = isoOrNull(s.FinishedAt);
  return {
    status: str(s.Status),
    running: s.Running === true,
    restarting: s.Restarting === true,
    oomKilled: s.OOMKilled === true,
    exitCode: typeof s.ExitCode === 'number' ? s.ExitCode : 0,
    error: str(s.Error),
    startedAt,
    finishedAt:
      finishedAt !== null && startedAt !== null && Date.parse(finishedAt) < Date.parse(startedAt) ? null : finishedAt,
    health: status === 'starting' || status === 'healthy' || status === 'unhealthy' ? status : null,
    healthOutput: health === null || lastOutput === null ? null : redact(lastOutput.trim()).slice(0, 300),
  };
}

function mountsOf(inspect: Json): ContainerMount[] {
  return (Array.isArray(inspect.Mounts) ? inspect.Mounts : []).map((m) => {
    const mount = obj(m);
    return {
      type: str(mount.Type),
      source: str(mount.Source),
      destination: str(mount.Destination),
      readOnly: mount.RW === false,
    };
  });
}

/** The token in a file the container names (TUNNEL_TOKEN_FILE, --token-file), read through its mounts. */
function tokenFromFile(containerPath: string, mounts: readonly ContainerMount[]): string | null {
  const hostPath = hostPathThroughMounts(containerPath, mounts);
  if (hostPath === null) return null;
  const read = readBounded(hostPath, false, TOKEN_FILE_MAX_BYTES);
  return read.state === 'ok' ? read.bytes.toString('utf8') : null;
}

function containerFacts(inspect: Json, imageVersion: string | null): ContainerFacts {
  const config = obj(inspect.Config);
  const hostConfig = obj(inspect.HostConfig);
  const labels = obj(config.Labels);
  const mounts = mountsOf(inspect);
  const envNames: string[] = [];
  const env: Record<string, string> = {};
  let token: string | null = null;
  let tokenFile: string | null = null;
  for (const entry of strs(config.Env)) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    envNames.push(name);
    if (ENV_VALUES_KEPT.includes(name)) env[name] = value;
    else if (name === 'TUNNEL_TOKEN') token = value;
    else if (name === 'TUNNEL_TOKEN_FILE') tokenFile = value;
    // Values are dropped here; registering them keeps a secret out of anything that echoes one (a healthcheck's output).
    else registerSecretsIn({ [name]: value }, false);
  }
  const command = commandLineToken([...strs(config.Entrypoint), ...strs(config.Cmd)]);
  registerSecretsIn(command.argv);
  // cloudflared takes --token over TUNNEL_TOKEN, and a token over a token file.
  token = command.token ?? token;
  tokenFile = command.tokenFile ?? tokenFile;
  if (token === null && tokenFile !== null) token = tokenFromFile(tokenFile, mounts);
  registerCandidate(token);
  const restartPolicy = str(obj(hostConfig.RestartPolicy).Name);
  return {
    id: str(inspect.Id).slice(0, 12),
    name: str(inspect.Name).replace(/^\//, ''),
    service: str(labels['com.docker.compose.service']),
    image: str(config.Image),
    imageVersion: str(labels['org.opencontainers.image.version']) || imageVersion,
    state: stateOf(inspect),
    restartCount: typeof inspect.RestartCount === 'number' ? inspect.RestartCount : 0,
    restartPolicy: restartPolicy === '' ? null : restartPolicy,
    user: str(config.User),
    networkMode: str(hostConfig.NetworkMode),
    networkModeService: null,
    mounts,
    envNames,
    env,
    argv: command.argv,
    tokenFingerprint: token === null || token.trim() === '' ? null : tokenFingerprint(token),
    files: [],
    tty: config.Tty === true,
    capAdd: stringList(hostConfig.CapAdd),
    capDrop: stringList(hostConfig.CapDrop),
  };
}

function mountedFile(containerPath: string, mounts: readonly ContainerMount[]): MountedFileFacts {
  const hostPath = hostPathThroughMounts(containerPath, mounts);
  if (hostPath === null)
    return {
      containerPath,
      hostPath,
      stat: null,
      problem: `no mount covers ${containerPath}: it comes from the image`,
    };
  try {
    const st = statSync(hostPath);
    return {
      containerPath,
      hostPath,
      stat: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtime: st.mtime.toISOString() },
      problem: null,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? `${hostPath} does not exist`
        : code === 'EACCES'
          ? `permission denied on ${hostPath}`
          : `cannot stat ${hostPath} (${code ?? 'error'})`;
    return { containerPath, hostPath, stat: null, problem };
  }
}

function fileTimes(facts: Readonly<Facts>): DeploymentFileTime[] {
  const files: [DeploymentFileTime['role'], { path: string } | undefined][] = [
    ['proxy-config', facts.proxyConfig],
    ['dotenv', facts.dotenv],
    ['compose', facts.compose],
  ];
  const out: DeploymentFileTime[] = [];
  for (const [role, fact] of files) {
    if (!fact) continue;
    try {
      out.push({ role, path: fact.path, mtime: statSync(fact.path).mtime.toISOString() });
    } catch {
      // not there (or not visible): nothing to compare
    }
  }
  return out;
}

/** Services of the Compose file, outside any profile, that have no container (never created, or removed). */
function servicesWithoutContainer(facts: Readonly<Facts>, containers: readonly ContainerFacts[]): string[] {
  const data = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
  const running = new Set(containers.map((c) => c.service));
  return composeServices(data)
    .filter((s) => s.spec.profiles === undefined && !running.has(s.name))
    .map((s) => s.name);
}

function labelFilter(label: string): string {
  return `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [label] }))}`;
}

/** The deployment's Compose project on the Docker Engine, or why it could not be read. */
/**
 * The network namespace a process is in ('net:[4026532259]'), or null when /proc does not show it
 * (another user's process without root, a doctor in a container without the host's PID namespace).
 * Two containers that Docker says share a namespace may not: one that joined `container:<proxy>`
 * keeps the old namespace when the proxy restarts.
 */
function netNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

export async function gatherDockerRuntime(
  facts: Readonly<Facts>,
  opts: DockerRuntimeOptions,
): Promise<DockerRuntimeResult> {
  const endpoint = dockerEndpoint(opts.env);
  if ('problem' in endpoint) return { failure: 'engine-error', skipped: `${endpoint.problem} (${NOT_INSPECTED})` };
  const d = startDeadline(opts.timeoutMs, opts.signal);
  try {
    const get = (path: string) => engineGetJson(endpoint, path, { timeoutMs: d.remaining(), signal: d.signal });
    const version = await get('/version');
    if (!version.ok) return engineProblem(endpoint, opts.env, version);
    const engineVersion = str(obj(version.value).Version) || null;

    const dir = projectDir(facts);
    let project: string | null = null;
    let projectSource: DockerRuntimeFacts['projectSource'] = 'working-dir';
    for (const candidate of new Set([dir, realDir(dir)])) {
      const byDir = await get(labelFilter(`com.docker.compose.project.working_dir=${candidate}`));
      if (!byDir.ok) return engineProblem(endpoint, opts.env, byDir);
      const first = Array.isArray(byDir.value) ? byDir.value[0] : undefined;
      project = str(obj(obj(first).Labels)['com.docker.compose.project']) || null;
      if (project !== null) break;
    }
    if (project === null) ({ project, source: projectSource } = projectByName(facts, opts.env, dir));

    const list = await get(labelFilter(`com.docker.compose.project=${project}`));
    if (!list.ok) return engineProblem(endpoint, opts.env, list);
    const ids = (Array.isArray(list.value) ? list.value : [])
      .map(obj)
      .filter((c) => obj(c.Labels)['com.docker.compose.oneoff'] !== 'True')
      .map((c) => str(c.Id))
      .filter((id) => id !== '');
    if (ids.length === 0)
      return {
        failure: 'no-project',
        skipped: `no container of Compose project ${project} (${SOURCE_WORDS[projectSource]}) exists on this engine: is the project up, or named otherwise (COMPOSE_PROJECT_NAME)?`,
      };

    const inspects = await Promise.all(ids.map((id) => get(`/containers/${id}/json`)));
    const found: Json[] = [];
    for (const answer of inspects) {
      // A container removed between the list and the inspect is simply gone.
      if (answer.ok) found.push(obj(answer.value));
      else if (answer.httpStatus !== 404) return engineProblem(endpoint, opts.env, answer);
    }
    const imageIds = [...new Set(found.map((c) => str(c.Image)).filter((i) => i !== ''))];
    const imageVersions = new Map<string, string | null>();
    await Promise.all(
      imageIds.map(async (image) => {
        const answer = await get(`/images/${encodeURIComponent(image)}/json`);
        const version = answer.ok
          ? str(obj(obj(obj(answer.value).Config).Labels)['org.opencontainers.image.version'])
          : '';
        imageVersions.set(image, version || null);
      }),
    );

    const pids: Record<string, number> = {};
    const containers = found.map((inspect) => {
      const c = containerFacts(inspect, imageVersions.get(str(inspect.Image)) ?? null);
      const pid = obj(inspect.State).Pid;
      if (typeof pid === 'number' && pid > 0) {
        pids[c.name] = pid;
        c.netNamespace = netNamespaceOf(pid);
      }
      return c;
    });
    const fullIds = new Map(found.map((inspect, i) => [str(inspect.Id), containers[i]]));
    for (const c of containers) {
      const target = /^container:(.+)$/.exec(c.networkMode)?.[1];
      if (target === undefined) continue;
      const shared = fullIds.get(target) ?? containers.find((o) => target.startsWith(o.id) || o.name === target);
      c.networkModeService = shared?.service ?? null;
    }
    containers.sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));

    const runtime: DockerRuntimeFacts = {
      engine: 'docker',
      endpoint: endpoint.text,
      engineVersion,
      project,
      projectSource,
      containers,
      servicesWithoutContainer: servicesWithoutContainer(facts, containers),
      fileTimes: fileTimes(facts),
      filesTokenFingerprint: facts.token?.state === 'ok' ? (facts.token.value.fingerprint ?? null) : null,
      latencyMs: 0,
    };
    const composeData = facts.compose?.state === 'ok' ? facts.compose.value.data : undefined;
    const proxy = runtimeRoles(runtime, composeData).proxy;
    if (proxy) {
      const configData = facts.proxyConfig?.state === 'ok' ? facts.proxyConfig.value.data : undefined;
      proxy.files = proxyTlsPaths(configData).map((p) => mountedFile(p, proxy.mounts));
    }
    runtime.latencyMs = d.elapsed();
    return { runtime, pids };
  } finally {
    d.dispose();
  }
}
