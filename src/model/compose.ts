// Reading a Compose document's shape: which service is the proxy, which is cloudflared, their
// environment, command and volumes. Pure functions over parsed YAML data.

import { scalarText } from './scalar-text.js';

export interface ComposeService {
  name: string;
  spec: Record<string, unknown>;
}

const PROXY_SERVICE_NAMES = ['mcp-proxy', 'mcp-gateway'] as const;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function composeServices(data: unknown): ComposeService[] {
  if (!isRecord(data) || !isRecord(data.services)) return [];
  return Object.entries(data.services).map(([name, spec]) => ({ name, spec: isRecord(spec) ? spec : {} }));
}

function image(s: ComposeService): string {
  return typeof s.spec.image === 'string' ? s.spec.image : '';
}

export function findProxyService(data: unknown): ComposeService | null {
  // The setup service runs the same image (entrypoint /setup): it is never the proxy.
  const setup = findSetupService(data);
  const services = composeServices(data).filter((s) => s.name !== setup?.name);
  return (
    services.find((s) => /mcp-(proxy|gateway)/.test(image(s))) ??
    services.find((s) => (PROXY_SERVICE_NAMES as readonly string[]).includes(s.name)) ??
    services.find((s) => configVolume(s) !== null) ??
    null
  );
}

export function findCloudflaredService(data: unknown): ComposeService | null {
  const services = composeServices(data);
  return (
    services.find((s) => /cloudflared/.test(image(s))) ??
    services.find((s) => s.name === 'cloudflared') ??
    services.find((s) => {
      const args = commandArgs(s);
      return args !== null && args.includes('tunnel') && args.includes('run');
    }) ??
    null
  );
}

export function findSetupService(data: unknown): ComposeService | null {
  const services = composeServices(data);
  return services.find((s) => s.name === 'setup') ?? services.find((s) => s.spec.entrypoint === '/setup') ?? null;
}

/** The service's environment as a map; list entries without '=' map to null (taken from the shell). */
export function serviceEnvironment(s: ComposeService): Record<string, string | null> {
  const env = s.spec.environment;
  const out: Record<string, string | null> = {};
  if (Array.isArray(env)) {
    for (const item of env) {
      if (typeof item !== 'string') continue;
      const i = item.indexOf('=');
      if (i < 0) out[item] = null;
      else out[item.slice(0, i)] = item.slice(i + 1);
    }
  } else if (isRecord(env)) {
    for (const [k, v] of Object.entries(env)) out[k] = v === null || v === undefined ? null : scalarText(v);
  }
  return out;
}

/**
 * The service's env_file entries in Compose's order (a later file wins): a path, a list of paths,
 * or the long syntax `{ path, required }` (required defaults to true).
 */
export function serviceEnvFiles(s: ComposeService): { path: string; required: boolean }[] {
  const spec = s.spec.env_file;
  const items = Array.isArray(spec) ? spec : spec === undefined || spec === null ? [] : [spec];
  return items.flatMap((item) => {
    if (typeof item === 'string' && item !== '') return [{ path: item, required: true }];
    if (isRecord(item) && typeof item.path === 'string' && item.path !== '') {
      return [{ path: item.path, required: item.required !== false }];
    }
    return [];
  });
}

/** Position key of an environment variable inside the service, for locations. */
export function environmentPositionKey(s: ComposeService, name: string): string {
  const env = s.spec.environment;
  if (Array.isArray(env)) {
    const i = env.findIndex((item) => typeof item === 'string' && (item === name || item.startsWith(`${name}=`)));
    return `services.${s.name}.environment.${i}`;
  }
  return `services.${s.name}.environment.${name}`;
}

/** Split a command string the way Compose does (shell-like words, quotes respected). */
export function shellWords(input: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < input.length) cur += input[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < input.length) {
      cur += input.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export function commandArgs(s: ComposeService): string[] | null {
  const cmd = s.spec.command;
  if (typeof cmd === 'string') return shellWords(cmd);
  if (Array.isArray(cmd)) return cmd.map((c) => String(c));
  return null;
}

/** The value of a `--name value` or `--name=value` option in a command, and the index of the word meant to hold it. */
export function commandOption(args: readonly string[], name: string): { value: string; index: number } | null {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  const word = args[i];
  if (word === undefined) return null;
  if (word.includes('=')) return { value: word.slice(word.indexOf('=') + 1), index: i };
  // `--token` last on the line passes an empty value: cloudflared gets none.
  return { value: args[i + 1] ?? '', index: i + 1 };
}

/**
 * The token file a cloudflared service reads, as the container sees it: its --token-file option,
 * else TUNNEL_TOKEN_FILE in its environment. The one reading of it (the probe maps it to the host,
 * the tunnel-token check names one it cannot map).
 */
export function serviceTokenFile(s: ComposeService): string | null {
  return commandOption(commandArgs(s) ?? [], '--token-file')?.value ?? serviceEnvironment(s).TUNNEL_TOKEN_FILE ?? null;
}

export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export function volumeMounts(s: ComposeService): VolumeMount[] {
  const vols = s.spec.volumes;
  if (!Array.isArray(vols)) return [];
  const out: VolumeMount[] = [];
  for (const v of vols) {
    if (typeof v === 'string') {
      const [source, target, ...options] = v.split(':');
      if (source !== undefined && target !== undefined)
        out.push({ source, target, readOnly: options.join(':').split(',').includes('ro') });
    } else if (isRecord(v) && typeof v.source === 'string' && typeof v.target === 'string') {
      out.push({ source: v.source, target: v.target, readOnly: v.read_only === true });
    }
  }
  return out;
}

/** The host file mounted as the proxy's config (`./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml`). */
export function configVolume(s: ComposeService): VolumeMount | null {
  return volumeMounts(s).find((m) => /^\/etc\/mcp-(gateway|proxy)\/config\.ya?ml$/.test(m.target)) ?? null;
}
