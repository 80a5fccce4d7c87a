// Real certificate sets for the TLS tests, made by fixtures/make-certs.sh with the openssl CLI,
// and facts gathered from them by the real probes.
//
// Sets are made synchronously when a test module asks for them, not in a beforeAll hook: the
// check harness declares its cases (facts included) while the file is collected, before any hook
// runs. Each set is made once per test file and everything is removed when the worker exits.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Facts } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { readPrivateKeyFile } from '../../src/probes/private-key-file.js';
import { baseFacts, ok, yamlFact } from './facts.js';

export const DOMAIN = 'abcd1234.tunnel.example.com';
export const SCRIPT = fileURLToPath(new URL('../../fixtures/make-certs.sh', import.meta.url));
export const CHECKED_IN = fileURLToPath(new URL('../../fixtures/deployments/_certs-healthy', import.meta.url));

let root: string | null = null;
const made = new Map<string, string>();

function workDir(): string {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-certs-'));
    const dir = root;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return root;
}

export interface SetOptions {
  /** Server key type: 'ec' by default (fast); 'rsa4096' is the vendor's recipe. */
  keyType?: 'ec' | 'rsa1024' | 'rsa2048' | 'rsa4096';
  days?: number;
  domain?: string;
}

/**
 * A deployment directory `<tmp>/<name>` whose `data/` holds the set made by the script for
 * `variant`. Returns the deployment directory.
 */
export function makeCertSet(variant: string, opts: SetOptions = {}): string {
  const keyType = opts.keyType ?? 'ec';
  const name = [variant, keyType, opts.days ?? '', opts.domain ?? '']
    .filter(Boolean)
    .join('-')
    .replace(/[^a-z0-9.-]/gi, '_');
  const existing = made.get(name);
  if (existing) return existing;
  const dir = join(workDir(), name);
  mkdirSync(dir, { recursive: true });
  const args = [SCRIPT, join(dir, 'data'), opts.domain ?? DOMAIN, variant];
  if (opts.days !== undefined) args.push(String(opts.days));
  execFileSync('bash', args, {
    env: { ...process.env, SERVER_KEY_TYPE: keyType },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  made.set(name, dir);
  return dir;
}

const PROXY_CONFIG = `listen_addr: ":8080"
tunnel_domain: ${DOMAIN}
tls:
  cert_file: /data/tls.crt
  key_file: /data/tls.key
routes:
  wiki: http://wiki:8080
  auth: http://auth:9000
`;

/** Writes a file into the work directory (for hand-made variants: bundles, padded files). */
export function writeTemp(name: string, content: string | Buffer, mode = 0o644): string {
  const p = join(workDir(), 'hand-made', name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

/** A file of a set made by makeCertSet: `file(dir, 'tls.crt')`. */
export function setFile(dir: string, name: string): string {
  return join(dir, 'data', name);
}

/**
 * Facts for a deployment directory made by makeCertSet, read by the real probes, at the real
 * instant (the certificates were made moments ago). Overrides replace whole facts.
 */
export function certFacts(dir: string, overrides: Partial<Facts> = {}): Facts {
  const data = join(dir, 'data');
  return baseFacts({
    now: new Date().toISOString(),
    deployment: { dir, layout: 'compose', generation: 'mcp-proxy' },
    caCert: readCertificateFile(join(data, 'ca.crt'), false),
    serverCert: readCertificateFile(join(data, 'tls.crt'), false),
    privateKey: readPrivateKeyFile(join(data, 'tls.key'), false),
    assignedDomain: ok(join(data, 'tunnel-domain'), DOMAIN),
    proxyConfig: yamlFact(join(dir, 'config/mcp-proxy.yaml'), PROXY_CONFIG),
    ...overrides,
  });
}

/** Facts for a deployment whose data/ files come from different sets (e.g. the CA of one, the certificate of another). */
export function mixedFacts(parts: { ca: string; cert: string; key: string }, overrides: Partial<Facts> = {}): Facts {
  return certFacts(parts.cert, {
    caCert: readCertificateFile(join(parts.ca, 'data', 'ca.crt'), false),
    privateKey: readPrivateKeyFile(join(parts.key, 'data', 'tls.key'), false),
    ...overrides,
  });
}

/** Facts for the checked-in healthy set (fixtures/deployments/_certs-healthy), at the real instant. */
export function checkedInFacts(overrides: Partial<Facts> = {}): Facts {
  return baseFacts({
    now: new Date().toISOString(),
    deployment: { dir: CHECKED_IN, layout: 'compose', generation: 'mcp-proxy' },
    caCert: readCertificateFile(join(CHECKED_IN, 'ca.crt'), false),
    serverCert: readCertificateFile(join(CHECKED_IN, 'tls.crt'), false),
    privateKey: readPrivateKeyFile(join(CHECKED_IN, 'tls.key'), false),
    assignedDomain: ok(join(CHECKED_IN, 'tunnel-domain'), DOMAIN),
    proxyConfig: yamlFact(join(CHECKED_IN, 'mcp-proxy.yaml'), PROXY_CONFIG),
    ...overrides,
  });
}
