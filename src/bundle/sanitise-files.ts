// The deployment's files for the bundle, sanitised by allowlist: rebuilt from what the doctor
// parsed (never copied), so what is not known to be safe never gets in. Every key is kept (the
// structure is what a support engineer reads); a value is kept only where its path is one the
// tool knows and it does not look like a secret. Otherwise:
// - a secret (its key names one, it follows --token, or it has a secret's shape) becomes
//   "[REDACTED] (secret, N characters, sha256 <12 hex>)" when it is machine-made and at least
//   20 characters long (about 80 bits or more: a 48-bit prefix of its hash cannot be used to
//   guess it), else "[REDACTED] (secret, N characters)": a short or word-like password could
//   be found from its hash by trying candidates, so it gets none. The tunnel token's hash is
//   tokenFingerprint's, the one facts.json and the running container's facts carry.
// - any other value becomes its type and length ("<string of 12 characters>").
// Comments are never kept (they are free text); ${VAR} references are kept (they name, not hold).

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { ENV_VALUES_KEPT } from '../core/runtime-facts.js';
import { isRecord } from '../model/compose.js';
import { tokenFingerprint } from '../model/tunnel-token.js';
import { findSecrets, isMachineMade } from '../redaction/redact.js';
import { isSecretName } from '../redaction/register.js';

/** What was replaced in one file, by kind: counts only, never values. */
export interface RedactionCounts {
  /** Secret values replaced by their length and a hash prefix. */
  secretsFingerprinted: number;
  /** Secret values replaced by their length alone (too guessable for a hash). */
  secretsRemoved: number;
  /** Values of keys the tool does not know, replaced by their type and length. */
  unknownValues: number;
  /** Pieces the output sanitiser masked afterwards (a registered secret, a secret shape). */
  maskedBySanitiser: number;
}

export const noRedactions = (): RedactionCounts => ({
  secretsFingerprinted: 0,
  secretsRemoved: 0,
  unknownValues: 0,
  maskedBySanitiser: 0,
});

/** Environment variables whose values are kept: the runtime's allowlist, and identifiers and settings, none a secret. */
const KNOWN_ENV = new Set([
  ...ENV_VALUES_KEPT,
  'TUNNEL_ID',
  'TUNNEL_REGION',
  'TUNNEL_EDGE',
  'ANTHROPIC_FEDERATION_RULE_ID',
  'ANTHROPIC_ORGANIZATION_ID',
  'ANTHROPIC_WORKSPACE_ID',
  'ANTHROPIC_BASE_URL',
  'LOG_LEVEL',
  'TZ',
]);

const PROXY_CONFIG_PATHS = [
  'listen_addr',
  'log_level',
  'shutdown_timeout',
  'tunnel_domain',
  'tls.cert_file',
  'tls.key_file',
  'routes.*',
  'routes.*.*',
  'upstream.allowed_ips.*',
  'upstream.disable_ip_validation',
  'upstream.tls.ca_file',
  'upstream.tls.include_system_cas',
];

const SERVICE_PATHS = [
  'image',
  'restart',
  'user',
  'read_only',
  'cap_drop.*',
  'cap_add.*',
  'security_opt.*',
  'network_mode',
  'networks.*',
  'depends_on.*',
  'depends_on.*.condition',
  'volumes.*',
  'volumes.*.type',
  'volumes.*.source',
  'volumes.*.target',
  'volumes.*.read_only',
  'ports.*',
  'profiles.*',
  'entrypoint',
  'entrypoint.*',
  'command',
  'command.*',
  'container_name',
  'env_file',
  'env_file.*',
  'healthcheck.test',
  'healthcheck.test.*',
  'healthcheck.interval',
  'healthcheck.timeout',
  'healthcheck.retries',
  'healthcheck.start_period',
  'working_dir',
  'tmpfs.*',
  'dns.*',
  'extra_hosts.*',
];

const COMPOSE_PATHS = [
  'name',
  'version',
  ...['driver', 'internal', 'external', 'name'].flatMap((k) => [`networks.*.${k}`, `volumes.*.${k}`]),
  ...SERVICE_PATHS.map((p) => `services.*.${p}`),
];

const HELM_PATHS = [
  'tunnel.id',
  'tunnel.tokenVersion',
  'tunnel.domain',
  'api.url',
  'api.wif.federationRuleId',
  'api.wif.organizationId',
  'api.wif.workspaceId',
  'api.wif.audience',
  'api.wif.tokenFile',
  'setup.*',
  'serverCert.*',
  'image.*',
  'cloudflared.image.*',
  'cloudflared.metrics',
  ...PROXY_CONFIG_PATHS.map((p) => `gateway.config.${p}`),
  ...PROXY_CONFIG_PATHS.map((p) => `proxy.config.${p}`),
];

function matches(pattern: string, path: readonly string[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
}

/** A value is a reference to another (${VAR}, $VAR): it names a secret, never holds one. */
const isReference = (v: string) => /^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}?$/.test(v.trim());

const looksSecret = (v: string) => findSecrets(v).length > 0;

class Sanitiser {
  readonly counts = noRedactions();

  secret(value: string, name: string): string {
    const v = value.trim();
    if (v.length >= 20 && isMachineMade(v.replace(/[^A-Za-z0-9]/g, ''))) {
      this.counts.secretsFingerprinted++;
      const hash = /TUNNEL_TOKEN|^token$/i.test(name)
        ? tokenFingerprint(v)
        : createHash('sha256').update(v).digest('hex');
      return `[REDACTED] (secret, ${v.length} characters, sha256 ${hash.slice(0, 12)})`;
    }
    this.counts.secretsRemoved++;
    return `[REDACTED] (secret, ${v.length} characters)`;
  }

  unknown(value: unknown): string {
    this.counts.unknownValues++;
    if (typeof value === 'string') return `<string of ${value.length} characters>`;
    if (value === null) return '<null>';
    return `<${typeof value}>`;
  }

  /** A scalar at `path` whose key is `key`: kept, replaced as a secret, or replaced by its type. */
  scalar(value: unknown, key: string, known: boolean): unknown {
    if (typeof value !== 'string')
      return known && (typeof value === 'number' || typeof value === 'boolean') ? value : this.unknown(value);
    if (isReference(value)) return value;
    if (isSecretName(key) || looksSecret(value)) return value.trim() === '' ? value : this.secret(value, key);
    return known ? value : this.unknown(value);
  }

  /** An environment entry: its name always, its value when the name is known. */
  env(name: string, value: unknown): unknown {
    if (typeof value !== 'string') return value === null || value === undefined ? value : this.unknown(value);
    return this.scalar(value, name, KNOWN_ENV.has(name));
  }

  /** A command line's words: the one after --token (or --token=) is a secret wherever it stands. */
  command(words: unknown[]): unknown[] {
    return words.map((w, i) => {
      if (typeof w !== 'string') return this.unknown(w);
      const prev = words[i - 1];
      if (prev === '--token' || prev === '--credentials-contents') return this.secret(w, 'token');
      const inline = /^(--token|--credentials-contents)=(.*)$/s.exec(w);
      if (inline) return `${inline[1]}=${this.secret(inline[2] ?? '', 'token')}`;
      return looksSecret(w) ? this.secret(w, '') : w;
    });
  }

  commandText(text: string): string {
    const words = text.split(/(\s+)/);
    const out = this.command(words.filter((_, i) => i % 2 === 0));
    return words.map((w, i) => (i % 2 === 0 ? String(out[i / 2]) : w)).join('');
  }

  walk(value: unknown, path: string[], known: readonly string[]): unknown {
    const key = path[path.length - 1] ?? '';
    const inEnv = path.length === 4 && path[0] === 'services' && path[2] === 'environment';
    if (path.length === 3 && path[0] === 'services' && path[2] === 'environment') {
      if (Array.isArray(value)) {
        return value.map((item) => {
          if (typeof item !== 'string') return this.unknown(item);
          const eq = item.indexOf('=');
          if (eq === -1) return item;
          return `${item.slice(0, eq)}=${String(this.env(item.slice(0, eq), item.slice(eq + 1)))}`;
        });
      }
    }
    if (inEnv) return this.env(key, value);
    if (path.length === 3 && path[0] === 'services' && (key === 'command' || key === 'entrypoint')) {
      if (typeof value === 'string') return this.commandText(value);
      if (Array.isArray(value)) return this.command(value);
    }
    if (Array.isArray(value)) return value.map((v, i) => this.walk(v, [...path, String(i)], known));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, [...path, k], known);
      return out;
    }
    const isKnown = known.some((p) => matches(p, path)) || (path[0] === 'services' && path.length === 2);
    // An index in a list counts as `*`: cap_drop.0 matches cap_drop.*.
    return this.scalar(value, /^\d+$/.test(key) ? (path[path.length - 2] ?? '') : key, isKnown);
  }
}

export type DocumentKind = 'compose' | 'proxy-config' | 'helm-values';

const KNOWN_PATHS: Record<DocumentKind, readonly string[]> = {
  compose: COMPOSE_PATHS,
  'proxy-config': PROXY_CONFIG_PATHS,
  'helm-values': HELM_PATHS,
};

/** A parsed YAML document rebuilt as YAML, sanitised by allowlist. */
export function sanitiseDocument(data: unknown, kind: DocumentKind): { text: string; counts: RedactionCounts } {
  const s = new Sanitiser();
  const clean = s.walk(data, [], KNOWN_PATHS[kind]);
  const header = `# Rebuilt by mcp-tunnel bundle from the parsed ${kind}: comments left out, values sanitised by allowlist.\n`;
  return { text: header + stringify(clean, { lineWidth: 0 }), counts: s.counts };
}

/** The .env variables as KEY=value lines, sanitised by allowlist. */
export function sanitiseDotenv(vars: Readonly<Record<string, string>>): { text: string; counts: RedactionCounts } {
  const s = new Sanitiser();
  const lines = Object.entries(vars).map(([k, v]) => `${k}=${String(s.env(k, v))}`);
  const header =
    '# Rebuilt by mcp-tunnel bundle from the parsed .env: comments left out, values sanitised by allowlist.\n';
  return { text: `${header}${lines.join('\n')}\n`, counts: s.counts };
}
