// Finds a deployment's files (Compose or Helm, either naming generation) and gathers every
// static fact from them. This is the only place that decides which file plays which part.

import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Facts, FileFact, YamlDocumentFacts } from '../core/facts.js';
import type { DeploymentOptionValues } from '../core/deployment-options.js';
import {
  commandArgs,
  commandOption,
  configVolume,
  environmentPositionKey,
  findCloudflaredService,
  findProxyService,
  isRecord,
  serviceEnvFiles,
  serviceEnvironment,
  serviceTokenFile,
  volumeMounts,
  type ComposeService,
} from '../model/compose.js';
import { interpolate, referencedVariables } from '../model/interpolate.js';
import { decodeText, readBounded } from './bounded-file.js';
import { readCertificateFile } from './certificate-file.js';
import { loadDotenv } from './dotenv-file.js';
import { readJwtFile } from './jwt-file.js';
import { readPrivateKeyFile, statPrivateKeyFile } from './private-key-file.js';
import { describeToken, type TokenCandidate } from './tunnel-token.js';
import { loadYamlFile } from './yaml-document.js';
import { isSecretName, registerSecretsIn, registerSecretValue } from '../redaction/register.js';

export interface DeploymentInputs extends DeploymentOptionValues {
  dir: string;
  dirExplicit: boolean;
  offline: boolean;
  /** The doctor's environment (process.env); only what matters is kept in the facts. */
  env: Readonly<Record<string, string | undefined>>;
  now: Date;
}

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const CONFIG_NAMES = [
  'config/mcp-proxy.yaml',
  'config/mcp-proxy.yml',
  'config/mcp-gateway.yaml',
  'config/mcp-gateway.yml',
];
const VALUES_NAMES = ['values.yaml', 'values.yml'];

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function firstExisting(dir: string, names: string[]): string | null {
  for (const n of names) if (exists(join(dir, n))) return join(dir, n);
  return null;
}

/**
 * Why a directory the user named cannot be the deployment directory, or null. Reported by the
 * command as a usage error; gatherStaticFacts itself never refuses an input.
 */
export function directoryProblem(dir: string): 'no such directory' | 'not a directory' | null {
  try {
    return statSync(dir).isDirectory() ? null : 'not a directory';
  } catch {
    return 'no such directory';
  }
}

function mergeValues(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    target[k] = isRecord(cur) && isRecord(v) ? mergeValues({ ...cur }, v) : v;
  }
  return target;
}

function loadHelmValues(paths: string[], explicit: boolean): Facts['helmValues'] {
  let merged: Record<string, unknown> = {};
  const positions: YamlDocumentFacts['positions'] = {};
  const positionFiles: Record<string, string> = {};
  const warnings: string[] = [];
  for (const p of paths) {
    const fact = loadYamlFile(p, explicit);
    if (fact.state !== 'ok') return fact;
    const data = fact.value.data ?? {};
    if (!isRecord(data)) {
      return {
        state: 'invalid',
        path: p,
        problem: `is not a map of values (its top level is a ${Array.isArray(data) ? 'list' : typeof data})`,
        location: { file: p, line: 1, column: 1 },
      };
    }
    merged = mergeValues(merged, data);
    for (const [k, pos] of Object.entries(fact.value.positions)) {
      positions[k] = pos;
      positionFiles[k] = p;
    }
    warnings.push(...fact.value.warnings);
  }
  const path = paths.at(-1) ?? '';
  return { state: 'ok', path, value: { data: merged, positions, warnings, files: paths, positionFiles } };
}

/** Helm's gateway.config, seen as a proxy config document (positions re-keyed, still in values.yaml). */
function proxyConfigFromHelm(values: NonNullable<Facts['helmValues']>): FileFact<YamlDocumentFacts> | undefined {
  if (values.state !== 'ok') return undefined;
  const data = values.value.data;
  const gateway = isRecord(data) && isRecord(data.gateway) ? data.gateway : null;
  if (!gateway || gateway.config === undefined) return undefined;
  const prefix = 'gateway.config.';
  const positions: YamlDocumentFacts['positions'] = {};
  let file = values.path;
  for (const [k, pos] of Object.entries(values.value.positions)) {
    if (k.startsWith(prefix)) {
      positions[k.slice(prefix.length)] = pos;
      file = values.value.positionFiles[k] ?? file;
    }
  }
  if (values.value.positions['gateway.config']) positions[''] = values.value.positions['gateway.config'];
  return { state: 'ok', path: file, value: { data: gateway.config, positions, warnings: [] } };
}

function readTextValue(path: string, explicit: boolean, maxBytes = 64 * 1024): FileFact<string> {
  const read = readBounded(path, explicit, maxBytes);
  if (read.state !== 'ok') return read;
  const text = decodeText(read.bytes);
  if (!text.ok) return { state: 'invalid', path, problem: text.problem };
  return { state: 'ok', path, value: text.text.trim() };
}

/**
 * Every static fact of the deployment. An input that cannot be read is a fact ('missing' or
 * 'unreadable', with `explicit` when the user named it); the command decides which are usage errors.
 */
export function gatherStaticFacts(inputs: DeploymentInputs): Facts {
  const dir = resolve(inputs.dir);
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(p));

  // Compose file and its .env
  const composePath = inputs.compose ? rel(inputs.compose) : firstExisting(dir, COMPOSE_NAMES);
  const compose = composePath ? loadYamlFile(composePath, Boolean(inputs.compose)) : undefined;
  const composeDir = composePath ? dirname(composePath) : dir;
  const dotenvPath = join(composeDir, '.env');
  const dotenv = exists(dotenvPath) ? loadDotenv(dotenvPath) : undefined;

  // Helm values
  const valuesPaths =
    inputs.values.length > 0
      ? inputs.values.map(rel)
      : (() => {
          const found = firstExisting(dir, VALUES_NAMES);
          return found && !composePath ? [found] : [];
        })();
  const helmValues = valuesPaths.length > 0 ? loadHelmValues(valuesPaths, inputs.values.length > 0) : undefined;

  const composeData = compose?.state === 'ok' ? compose.value.data : undefined;
  const proxyService = composeData ? findProxyService(composeData) : null;

  // The proxy config: the flag, else the file the proxy service mounts, else the usual names.
  let proxyConfig: Facts['proxyConfig'];
  if (inputs.config) {
    proxyConfig = loadYamlFile(rel(inputs.config), true);
  } else {
    const mounted = proxyService ? configVolume(proxyService) : null;
    const mountedPath = mounted ? resolve(composeDir, mounted.source) : null;
    const path =
      mountedPath && exists(mountedPath)
        ? mountedPath
        : (firstExisting(composeDir, CONFIG_NAMES) ?? firstExisting(dir, CONFIG_NAMES) ?? mountedPath);
    if (path) proxyConfig = loadYamlFile(path, false);
    else if (helmValues) proxyConfig = proxyConfigFromHelm(helmValues);
  }

  // data/: where the Compose file mounts /data, else <dir>/data.
  const dataMount = proxyService ? volumeMounts(proxyService).find((m) => m.target === '/data') : undefined;
  const dataDir =
    dataMount && (dataMount.source.startsWith('.') || dataMount.source.startsWith('/'))
      ? resolve(composeDir, dataMount.source)
      : join(composePath ? composeDir : dir, 'data');

  // tls.cert_file / tls.key_file as the proxy reads them, mapped to the host through its volumes
  // (e.g. /data/certs/server.crt -> ./data/certs/server.crt); else the setup's data/tls.crt.
  const proxyTls =
    proxyConfig?.state === 'ok' && isRecord(proxyConfig.value.data) && isRecord(proxyConfig.value.data.tls)
      ? proxyConfig.value.data.tls
      : {};
  const configured = (name: 'tls.crt' | 'tls.key'): string | null => {
    const inContainer = proxyTls[name === 'tls.crt' ? 'cert_file' : 'key_file'];
    return proxyService && typeof inContainer === 'string'
      ? hostPathOf(inContainer, volumeMounts(proxyService), composeDir)
      : null;
  };
  const certFact = (given: string | undefined, name: string) => {
    const path = given ? rel(given) : ((name === 'tls.crt' ? configured(name) : null) ?? join(dataDir, name));
    return readCertificateFile(path, Boolean(given));
  };
  const caCert = certFact(inputs.ca, 'ca.crt');
  const serverCert = certFact(inputs.cert, 'tls.crt');
  const keyPath = inputs.key ? rel(inputs.key) : (configured('tls.key') ?? join(dataDir, 'tls.key'));
  const privateKey = readPrivateKeyFile(keyPath, Boolean(inputs.key));
  const privateKeyStat = privateKey.state === 'unreadable' ? statPrivateKeyFile(keyPath) : undefined;

  const assignedDomain: FileFact<string> =
    inputs.tunnelDomain !== undefined
      ? { state: 'ok', path: '--tunnel-domain', value: inputs.tunnelDomain.trim() }
      : readTextValue(join(dataDir, 'tunnel-domain'), false);
  // A token pasted where the domain goes is a secret read.
  if (assignedDomain.state === 'ok') registerSecretsIn(assignedDomain.value);

  // Variables the files reference, from the doctor's own environment (never secrets we did not ask for).
  const referenced = new Set<string>();
  for (const f of [compose, proxyConfig]) {
    if (f?.state === 'ok')
      for (const name of referencedVariables(JSON.stringify(f.value.data) ?? '')) referenced.add(name);
  }
  referenced.add('TUNNEL_DOMAIN');
  const processEnv: Record<string, string> = {};
  for (const name of referenced) {
    if (name === 'TUNNEL_TOKEN') continue;
    const v = inputs.env[name];
    if (v === undefined) continue;
    processEnv[name] = v;
    if (isSecretName(name)) registerSecretValue(v);
    else registerSecretsIn(v);
  }

  const token = describeToken(tokenCandidates(inputs, compose, dotenv, dataDir, rel, composeDir));

  const jwt = inputs.jwtFile ? readJwtFile(rel(inputs.jwtFile), true) : undefined;
  const loadNamed = (p: string | undefined) => (p ? loadYamlFile(rel(p), true) : undefined);

  const layout = compose ? 'compose' : helmValues ? 'helm' : 'none';
  return {
    now: inputs.now.toISOString(),
    offline: inputs.offline,
    deployment: { dir, layout, generation: generationOf(proxyService?.name, proxyConfig?.path, composeData) },
    dotenv,
    compose,
    proxyConfig,
    helmValues,
    token,
    caCert,
    serverCert,
    privateKey,
    privateKeyStat,
    assignedDomain,
    jwt,
    federationRule: loadNamed(inputs.federationRule),
    oauthMetadata: loadNamed(inputs.oauthMetadata),
    resourceMetadata: loadNamed(inputs.resourceMetadata),
    processEnv,
  };
}

/** The host path of a file the container sees at `inContainer`, through the bind mount that holds it (the deepest one). */
function hostPathOf(
  inContainer: string,
  mounts: { source: string; target: string }[],
  composeDir: string,
): string | null {
  const target = inContainer.trim();
  if (!target.startsWith('/') || target.includes('$')) return null;
  const holding = mounts
    .filter(
      (m) =>
        (m.source.startsWith('.') || m.source.startsWith('/')) &&
        (target === m.target || target.startsWith(`${m.target.replace(/\/+$/, '')}/`)),
    )
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (!holding) return null;
  const rest = target.slice(holding.target.replace(/\/+$/, '').length).replace(/^\/+/, '');
  return rest === '' ? resolve(composeDir, holding.source) : resolve(composeDir, holding.source, rest);
}

function generationOf(
  serviceName: string | undefined,
  configPath: string | undefined,
  composeData: unknown,
): 'mcp-gateway' | 'mcp-proxy' | null {
  const text = `${serviceName ?? ''} ${configPath ?? ''} ${composeData ? JSON.stringify(composeData) : ''}`;
  if (/mcp-proxy/.test(text)) return 'mcp-proxy';
  if (/mcp-gateway/.test(text)) return 'mcp-gateway';
  return null;
}

/** TUNNEL_TOKEN as the service's env_file(s) give it (relative to the Compose file), or null. */
function envFileToken(
  cf: ComposeService,
  composeDir: string,
  vars: Readonly<Record<string, string | undefined>>,
): { path: string; value: string } | null {
  for (const file of serviceEnvFiles(cf).reverse()) {
    const path = resolve(composeDir, file.path);
    const read = exists(path) ? loadDotenv(path) : undefined;
    const raw = read?.state === 'ok' ? read.value.TUNNEL_TOKEN : undefined;
    if (raw === undefined) continue;
    const exp = interpolate(raw, vars);
    return { path, value: exp.unset.length > 0 && exp.value === '' ? raw : exp.value };
  }
  return null;
}

/** Every place a token may be, most specific first: the one cloudflared would really get leads. */
function tokenCandidates(
  inputs: DeploymentInputs,
  compose: Facts['compose'],
  dotenv: Facts['dotenv'],
  dataDir: string,
  rel: (p: string) => string,
  composeDir: string,
): TokenCandidate[] {
  const out: TokenCandidate[] = [];
  const fromFile = (source: string, path: string, explicit: boolean): TokenCandidate => {
    const read = readTextValue(path, explicit, 16 * 1024);
    if (read.state === 'ok') return { source, path, value: read.value };
    if (read.state === 'invalid')
      return { source, path, value: '', readProblem: { state: 'unreadable', problem: read.problem, explicit } };
    return {
      source,
      path,
      value: null,
      readProblem: { state: read.state, problem: read.state === 'unreadable' ? read.problem : undefined, explicit },
    };
  };
  if (inputs.tokenFile) out.push(fromFile(`--token-file ${inputs.tokenFile}`, rel(inputs.tokenFile), true));
  const dotvars = dotenv?.state === 'ok' ? dotenv.value : {};
  if (compose?.state === 'ok') {
    const cf = findCloudflaredService(compose.value.data);
    if (cf) {
      const env = serviceEnvironment(cf);
      const vars = { ...dotvars, ...inputs.env };
      // A --token in the command wins over TUNNEL_TOKEN inside cloudflared.
      const tokenOption = commandOption(commandArgs(cf) ?? [], '--token');
      if (tokenOption) {
        const rawArg = tokenOption.value;
        const exp = interpolate(rawArg, vars);
        const positions = compose.value.positions;
        const pos =
          positions[`services.${cf.name}.command.${tokenOption.index}`] ?? positions[`services.${cf.name}.command`];
        out.push({
          source: `--token in the command of the ${cf.name} service in ${compose.path}`,
          path: compose.path,
          value: exp.unset.length > 0 && exp.value === '' ? rawArg : exp.value,
          location: pos ? { file: compose.path, line: pos.line, column: pos.column } : { file: compose.path },
        });
      }
      if ('TUNNEL_TOKEN' in env) {
        const raw = env.TUNNEL_TOKEN ?? vars.TUNNEL_TOKEN ?? null;
        const key = environmentPositionKey(cf, 'TUNNEL_TOKEN');
        const pos = compose.value.positions[key];
        const exp = raw === null ? null : interpolate(raw, vars);
        out.push({
          source: `TUNNEL_TOKEN of the ${cf.name} service in ${compose.path}`,
          path: compose.path,
          value: exp ? (exp.unset.length > 0 && exp.value === '' ? raw : exp.value) : null,
          location: pos ? { file: compose.path, line: pos.line, column: pos.column } : { file: compose.path },
        });
      }
      // env_file feeds the container's environment below `environment:`; the last file that sets it wins.
      const fromEnvFile = 'TUNNEL_TOKEN' in env ? null : envFileToken(cf, composeDir, vars);
      if (fromEnvFile) {
        out.push({
          ...fromEnvFile,
          source: `TUNNEL_TOKEN in ${fromEnvFile.path} (env_file of the ${cf.name} service)`,
        });
      }
      const inContainer = serviceTokenFile(cf);
      if (inContainer && inContainer.startsWith('/data/')) {
        const source = `the token file ${inContainer} of the ${cf.name} service`;
        out.push(fromFile(source, join(dataDir, inContainer.slice('/data/'.length)), false));
      }
    }
  }
  // The doctor's own TUNNEL_TOKEN reaches a Compose cloudflared only through ${TUNNEL_TOKEN} above.
  const envToken = inputs.env.TUNNEL_TOKEN;
  if (envToken !== undefined)
    out.push({ source: 'TUNNEL_TOKEN in the environment', path: '$TUNNEL_TOKEN', value: envToken });
  if (dotvars.TUNNEL_TOKEN !== undefined && dotenv?.state === 'ok')
    out.push({ source: `TUNNEL_TOKEN in ${dotenv.path}`, path: dotenv.path, value: dotvars.TUNNEL_TOKEN });
  const dataToken = join(dataDir, 'tunnel-token');
  if (exists(dataToken)) out.push(fromFile(`${dataToken}`, dataToken, false));
  return out;
}
