// The lab's proxy container: the reference proxy (test/lab/reference-proxy.ts) started the way the
// vendor's proxy starts. It reads its YAML config (default /etc/mcp-gateway/config.yaml, or
// -config), expands ${VARS} from the environment, checks the routes, opens tls.cert_file and
// tls.key_file itself (so an unreadable key fails with the kernel's EACCES) and logs in Go slog's
// text format. A failure at start is logged and exits 1, so `restart: unless-stopped` restarts it.
//
// Bundled with esbuild into one .mjs and run in the lab's node image as UID 65532.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startReferenceProxy } from '../../reference-proxy.js';
import { goOpenError, logfmtValue } from './go-text.js';

type Attrs = Record<string, string | number>;

/** Go slog's TextHandler: time=... level=INFO msg="..." key=value. */
function log(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', msg: string, attrs: Attrs = {}): void {
  const parts = [`time=${new Date().toISOString()}`, `level=${level}`, `msg=${logfmtValue(msg)}`];
  for (const [k, v] of Object.entries(attrs)) parts.push(`${k}=${logfmtValue(v)}`);
  process.stderr.write(`${parts.join(' ')}\n`);
}

function fail(msg: string, error: string): never {
  log('ERROR', msg, { error });
  process.exit(1);
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    fail(what, goOpenError(path, err));
  }
}

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (m?.[1] === name) return m[2] ?? args[i + 1];
  }
  return undefined;
}

/** A YAML scalar as Go's yaml unmarshals it into a string field ('' for anything else). */
function scalar(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

interface ProxyConfig {
  listen_addr?: unknown;
  tunnel_domain?: unknown;
  tls?: { cert_file?: unknown; key_file?: unknown };
  routes?: unknown;
}

async function main(): Promise<void> {
  const configPath = flag('config') ?? '/etc/mcp-gateway/config.yaml';
  // os.ExpandEnv: ${VAR} and $VAR, unset ones become empty.
  const text = readFile(configPath, 'failed to load config').replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a: string | undefined, b: string | undefined) => process.env[a ?? b ?? ''] ?? '',
  );
  let config: ProxyConfig;
  try {
    config = (parse(text) ?? {}) as ProxyConfig;
  } catch (err) {
    fail('failed to load config', `yaml: ${(err as Error).message.split('\n')[0]}`);
  }
  if (Array.isArray(config.routes))
    fail('failed to load config', 'yaml: unmarshal errors:\n  cannot unmarshal !!seq into map[string]string');
  const routes = (config.routes ?? {}) as Record<string, unknown>;
  for (const [route, upstream] of Object.entries(routes)) {
    if (typeof upstream !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+:\d+$/.test(upstream))
      fail('invalid route', `route ${route}: invalid upstream (must be scheme://host:port): ${String(upstream)}`);
  }
  const listen = /^(.*):(\d+)$/.exec(scalar(config.listen_addr));
  if (!listen) fail('failed to load config', `listen_addr is required (got ${scalar(config.listen_addr)})`);
  const certFile = scalar(config.tls?.cert_file);
  const keyFile = scalar(config.tls?.key_file);
  const certPem = readFile(certFile, 'failed to load TLS certificate');
  const keyPem = readFile(keyFile, 'failed to load TLS certificate');
  const tunnelDomain = flag('tunnel-domain') ?? scalar(config.tunnel_domain);
  for (const [route, upstream] of Object.entries(routes))
    log('INFO', 'route configured', { route, upstream: String(upstream) });
  const proxy = await startReferenceProxy({
    defaultCert: { certPem, keyPem },
    listen: { host: listen[1]!, port: Number(listen[2]) },
  });
  log('INFO', 'starting proxy', { addr: scalar(config.listen_addr), tunnel_domain: tunnelDomain });
  const stop = (signal: string) => {
    log('INFO', 'shutting down', { signal });
    void proxy.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('terminated'));
  process.on('SIGINT', () => stop('interrupt'));
}

main().catch((err: unknown) => fail('proxy failed', err instanceof Error ? err.message : String(err)));
