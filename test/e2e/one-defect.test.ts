// Deployments written the way a user writes them from the vendor's documentation (both naming
// generations, Compose and Helm 1.x/2.x, every spelling the docs show), each with exactly one
// defect. For every case the CLI (run in-process) must name the right check with the right
// status, fail no other check, exit with the right code, and never print a token, secret, JWT or
// private key, in JSON or in human --verbose output. Healthy deployments of each shape must pass with exit 0.
//
// Certificates come from fixtures/make-certs.sh (the vendor's openssl recipe and its variants)
// or from fixtures/deployments/_certs-healthy; tokens and JWTs are fake values built here.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cleanEnv, FIXTURES, ROOT } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';

// ---------------------------------------------------------------------------------------------
// Inputs a user has: domain, IDs, fake token, fake JWT, federation rule, OAuth documents.

const DOMAIN = 'f3e2d1c0.tunnel.anthropic.com';
const OTHER_DOMAIN = '9a8b7c6d.tunnel.anthropic.com';
const FIXTURE_DOMAIN = 'abcd1234.tunnel.example.com'; // the domain of fixtures/deployments/_certs-healthy
const TUNNEL_ID = '3d6f0a1e-8b2c-4e5f-9a7d-1c2b3e4f5a6b';
const RULE_ID = 'fdrl_01J8Z3K4M5N6P7Q8R9S0T1U2V3';
const ORG_ID = '0f1e2d3c-4b5a-4968-8776-655443322110';
const WORKSPACE_ID = 'wrkspc_01J8Z3W4X5Y6Z7A8B9C0D1E2F3';
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const HELM_SUBJECT = 'system:serviceaccount:mcp-tunnel:mcp-tunnel-setup';

interface TokenParts {
  a?: unknown;
  t?: unknown;
  s?: unknown;
  e?: unknown;
}
/** A tunnel token as cloudflared expects it: standard base64 of {"a","t","s"} (fake values). */
function tunnelToken(over: TokenParts = {}): { token: string; secrets: string[] } {
  const parts: TokenParts = {
    a: randomBytes(16).toString('hex'),
    t: TUNNEL_ID,
    s: randomBytes(32).toString('base64'),
    ...over,
  };
  const obj: Record<string, unknown> = {};
  for (const k of ['a', 't', 's', 'e'] as const) if (parts[k] !== undefined) obj[k] = parts[k];
  const token = Buffer.from(JSON.stringify(obj)).toString('base64');
  const secrets = [token];
  if (typeof parts.s === 'string' && parts.s.length >= 16) secrets.push(parts.s);
  return { token, secrets };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A compact JWT with a random (fake) signature: the doctor decodes, never verifies or sends it. */
function jwt(header: Record<string, unknown>, payload: Record<string, unknown>): { token: string; secrets: string[] } {
  const sig = randomBytes(256).toString('base64url');
  const token = `${b64url(header)}.${b64url(payload)}.${sig}`;
  return { token, secrets: [token, sig, `${b64url(payload)}.${sig.slice(0, 20)}`] };
}

function goodClaims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: 'api.anthropic.com',
    sub: HELM_SUBJECT,
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3000,
    ...over,
  };
}
const RS256 = { alg: 'RS256', kid: 'k1-2f9c', typ: 'JWT' };

function federationRule(
  over: Record<string, unknown> = {},
  match: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: RULE_ID,
    type: 'federation_rule',
    name: 'mcp-tunnel setup',
    issuer_url: ISSUER,
    jwks: { type: 'discovery' },
    match: { subject_prefix: HELM_SUBJECT, audience: 'api.anthropic.com', ...match },
    oauth_scope: 'workspace:manage_tunnels',
    token_lifetime_seconds: 3600,
    workspace_id: WORKSPACE_ID,
    ...over,
  };
}

function oauthMetadata(domain = DOMAIN, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: `https://auth.${domain}`,
    authorization_endpoint: 'https://login.example.com/authorize',
    token_endpoint: `https://auth.${domain}/token`,
    registration_endpoint: `https://auth.${domain}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...over,
  };
}
function resourceMetadata(domain = DOMAIN, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { resource: `https://mcp.${domain}`, authorization_servers: [`https://auth.${domain}`], ...over };
}

// ---------------------------------------------------------------------------------------------
// Deployment shapes.

type Content = string | Buffer | { dir: true } | null;
interface Deployment {
  layout: 'compose' | 'helm';
  composeFile: string;
  compose: Record<string, any>;
  configFile: string;
  config: Record<string, any> | null;
  dotenv: Record<string, string> | null;
  values: Record<string, any> | null;
  certs: string | null; // name of a certificate set, copied into data/
  tunnelDomainFile: string | null;
  tokenFile: string | null; // data/tunnel-token
  keyMode: number;
  keyOwner: [number, number] | null;
  /** Written last, over the generated files (null removes). Paths relative to the deployment. */
  raw: Record<string, Content>;
  args: string[];
  env: Record<string, string>;
  secrets: string[];
}

interface ComposeOptions {
  gen: 'mcp-gateway' | 'mcp-proxy';
  envForm?: 'list' | 'map';
  cmdForm?: 'string' | 'list';
  domainForm?: 'literal' | 'var';
  keys?: 'bare' | 'full';
  certs?: string;
  domain?: string;
  routes?: Record<string, string>;
}

/** A Compose deployment as the quick start writes it, in the chosen naming generation and spelling. */
function composeDeployment(o: ComposeOptions): Deployment {
  const gen = o.gen;
  const domain = o.domain ?? DOMAIN;
  const { token, secrets } = tunnelToken();
  const envForm = o.envForm ?? (gen === 'mcp-gateway' ? 'list' : 'map');
  const cmdForm = o.cmdForm ?? (gen === 'mcp-gateway' ? 'string' : 'list');
  const domainForm = o.domainForm ?? 'literal';
  const cfEnv = envForm === 'list' ? ['TUNNEL_TOKEN=${TUNNEL_TOKEN}'] : { TUNNEL_TOKEN: '${TUNNEL_TOKEN}' };
  const command =
    cmdForm === 'string'
      ? 'tunnel --no-autoupdate run --url http://localhost:8080'
      : ['tunnel', '--no-autoupdate', 'run', '--url', 'http://localhost:8080'];
  const proxy: Record<string, any> = {
    image: `ghcr.io/anthropics/${gen === 'mcp-gateway' ? 'mcp-gateway' : 'mcp-proxy'}:latest`,
    restart: 'unless-stopped',
    user: '65532:65532',
    read_only: true,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    volumes: [`./config/${gen}.yaml:/etc/mcp-gateway/config.yaml:ro`, './data:/data:ro'],
  };
  if (domainForm === 'var')
    proxy.environment = envForm === 'list' ? ['TUNNEL_DOMAIN=${TUNNEL_DOMAIN}'] : { TUNNEL_DOMAIN: '${TUNNEL_DOMAIN}' };
  const compose = {
    services: {
      setup: {
        image: proxy.image,
        profiles: ['setup'],
        entrypoint: '/setup',
        user: '65532:65532',
        environment:
          envForm === 'list'
            ? [
                'TUNNEL_ID=${TUNNEL_ID}',
                'ANTHROPIC_FEDERATION_RULE_ID=${ANTHROPIC_FEDERATION_RULE_ID}',
                'ANTHROPIC_ORGANIZATION_ID=${ANTHROPIC_ORGANIZATION_ID}',
                'ANTHROPIC_WORKSPACE_ID=${ANTHROPIC_WORKSPACE_ID}',
                'ANTHROPIC_IDENTITY_TOKEN=${ANTHROPIC_IDENTITY_TOKEN}',
              ]
            : {
                TUNNEL_ID: '${TUNNEL_ID}',
                ANTHROPIC_FEDERATION_RULE_ID: '${ANTHROPIC_FEDERATION_RULE_ID}',
                ANTHROPIC_ORGANIZATION_ID: '${ANTHROPIC_ORGANIZATION_ID}',
                ANTHROPIC_WORKSPACE_ID: '${ANTHROPIC_WORKSPACE_ID}',
                ANTHROPIC_IDENTITY_TOKEN: '${ANTHROPIC_IDENTITY_TOKEN}',
              },
        volumes: ['./data:/data'],
      },
      [gen]: proxy,
      cloudflared: {
        image: 'cloudflare/cloudflared:latest',
        restart: 'unless-stopped',
        command,
        environment: cfEnv,
        network_mode: `service:${gen}`,
        depends_on: [gen],
      },
    },
  };
  const bare = { mcp: 'http://10.0.12.5:8080', wiki: 'http://wiki.internal.example:3000' };
  const routes =
    o.routes ??
    ((o.keys ?? 'bare') === 'bare'
      ? bare
      : Object.fromEntries(Object.entries(bare).map(([k, v]) => [`${k}.${domain}`, v])));
  const config: Record<string, any> = {
    listen_addr: ':8080',
    log_level: 'info',
    tunnel_domain: domainForm === 'var' ? '${TUNNEL_DOMAIN}' : domain,
    tls: { cert_file: '/data/tls.crt', key_file: '/data/tls.key' },
    routes,
  };
  const identity = jwt(RS256, goodClaims()); // the setup service's ANTHROPIC_IDENTITY_TOKEN, kept in .env by some users
  const dotenv: Record<string, string> = {
    TUNNEL_ID,
    ANTHROPIC_FEDERATION_RULE_ID: RULE_ID,
    ANTHROPIC_ORGANIZATION_ID: ORG_ID,
    ANTHROPIC_WORKSPACE_ID: WORKSPACE_ID,
    ANTHROPIC_IDENTITY_TOKEN: identity.token,
    TUNNEL_TOKEN: token,
  };
  if (domainForm === 'var') dotenv.TUNNEL_DOMAIN = domain;
  return {
    layout: 'compose',
    composeFile: gen === 'mcp-gateway' ? 'docker-compose.yml' : 'compose.yaml',
    compose,
    configFile: `config/${gen}.yaml`,
    config,
    dotenv,
    values: null,
    certs: o.certs ?? 'healthy',
    tunnelDomainFile: domain,
    tokenFile: token,
    keyMode: 0o644,
    keyOwner: null,
    raw: {},
    args: [],
    env: {},
    secrets: [...secrets, ...identity.secrets],
  };
}

interface HelmOptions {
  chart: 1 | 2;
  external?: boolean;
}
/** Helm values as the deploy-helm page documents them: chart 1.x (api.wif.tunnelId) or 2.x (tunnel.id). */
function helmDeployment(o: HelmOptions): Deployment {
  const wif: Record<string, any> = {
    federationRuleId: RULE_ID,
    organizationId: ORG_ID,
    workspaceId: WORKSPACE_ID,
    audience: 'api.anthropic.com',
    tokenFile: '/var/run/secrets/tokens/mcp-tunnel',
  };
  if (o.chart === 1) wif.tunnelId = TUNNEL_ID;
  const values: Record<string, any> = {
    api: { wif },
    setup: { enabled: !o.external, force: false },
    serverCert: { cronSchedule: '0 3 * * *', renewBefore: '720h' },
    gateway: {
      config: {
        listen_addr: ':8080',
        log_level: 'info',
        tls: { cert_file: '/data/tls.crt', key_file: '/data/tls.key' },
        routes: { mcp: 'http://mcp-server.tools.svc.cluster.local:8080', auth: 'http://10.96.40.12:9000' },
      },
    },
  };
  if (o.chart === 2) values.tunnel = { id: TUNNEL_ID, tokenVersion: 1 };
  if (o.external) {
    values.external = { tunnelTokenSecretName: 'mcp-tunnel-token', serverCertSecretName: 'mcp-tunnel-server-cert' };
    values.gateway.config.tunnel_domain = DOMAIN;
  }
  return {
    layout: 'helm',
    composeFile: '',
    compose: {},
    configFile: '',
    config: null,
    dotenv: null,
    values,
    certs: null,
    tunnelDomainFile: null,
    tokenFile: null,
    keyMode: 0o644,
    keyOwner: null,
    raw: {},
    args: o.external ? [] : ['--tunnel-domain', DOMAIN],
    env: {},
    secrets: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Certificate sets (made once) and writing a deployment to disk.

let WORK = '';
const CERT_SETS: Record<string, { variant: string; domain: string; keyType?: string }> = {
  healthy: { variant: 'healthy', domain: DOMAIN },
  'healthy-rsa4096': { variant: 'healthy', domain: DOMAIN, keyType: 'rsa4096' },
  'other-domain': { variant: 'healthy', domain: OTHER_DOMAIN },
  expired: { variant: 'expired', domain: DOMAIN },
  'expiring-soon': { variant: 'expiring-soon', domain: DOMAIN },
  'not-yet-valid': { variant: 'not-yet-valid', domain: DOMAIN },
  'wrong-san': { variant: 'wrong-san', domain: DOMAIN },
  'no-aki': { variant: 'no-aki', domain: DOMAIN },
  intermediate: { variant: 'intermediate', domain: DOMAIN },
  'rsa1024-ca': { variant: 'rsa1024-ca', domain: DOMAIN },
  'rsa1024-server': { variant: 'healthy', domain: DOMAIN, keyType: 'rsa1024' },
  sha1: { variant: 'sha1', domain: DOMAIN },
  'ca-not-critical': { variant: 'ca-not-critical', domain: DOMAIN },
  'ca-no-ski': { variant: 'ca-no-ski', domain: DOMAIN },
  'ca-no-keycertsign': { variant: 'ca-no-keycertsign', domain: DOMAIN },
  'other-ca': { variant: 'other-ca', domain: DOMAIN },
  'key-mismatch': { variant: 'key-mismatch', domain: DOMAIN },
  'encrypted-key': { variant: 'encrypted-key', domain: DOMAIN },
  'eku-clientauth': { variant: 'eku-clientauth', domain: DOMAIN },
  'der-ca': { variant: 'der-ca', domain: DOMAIN },
  'ed25519-ca': { variant: 'ed25519-ca', domain: DOMAIN },
};
/** Sets made from another set by a user's own openssl step: [base set, shell script run inside the copy]. */
const DERIVED_SETS: Record<string, [string, string]> = {
  // A server certificate naming only mcp.<domain>, signed by the healthy CA (no wildcard).
  'mcp-only-san': [
    'healthy',
    `printf 'authorityKeyIdentifier=keyid\\nsubjectAltName=DNS:mcp.${DOMAIN}\\nextendedKeyUsage=serverAuth\\nbasicConstraints=CA:FALSE\\n' > one.ext
    printf '[req]\\ndistinguished_name = dn\\nprompt = no\\n[dn]\\n' > req.cnf
    openssl req -new -config req.cnf -key tls.key -subj "/CN=mcp.${DOMAIN}" -out tls.csr
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -set_serial 0x5eed -days 90 -sha256 -extfile one.ext -out tls.crt 2>/dev/null`,
  ],
  // The key in the "traditional" SEC1 form (BEGIN EC PRIVATE KEY), as older openssl writes it.
  'traditional-key': ['healthy', 'openssl pkey -in tls.key -traditional -out k && mv k tls.key'],
  'rsa-traditional-key': ['healthy-rsa4096', 'openssl pkey -in tls.key -traditional -out k && mv k tls.key'],
  // tls.crt and ca.crt with Windows line ends (edited on Windows).
  crlf: ['healthy', "sed -i 's/$/\\r/' tls.crt ca.crt tls.key"],
  // tls.crt as a "full chain": the leaf followed by the CA.
  fullchain: ['healthy', 'cat ca.crt >> tls.crt'],
  'der-tls': ['healthy', 'openssl x509 -in tls.crt -outform DER -out c && mv c tls.crt'],
  'der-key': ['healthy', 'openssl pkey -in tls.key -outform DER -out k && mv k tls.key'],
  // A CA that expired yesterday (openssl ca -selfsign with explicit dates) that signed a current tls.crt.
  'expired-ca': [
    'healthy',
    `printf '[req]\\ndistinguished_name = dn\\nprompt = no\\n[dn]\\n' > req.cnf
    mkdir db && : > db/index.txt && echo 1000 > db/serial
    printf '[ca]\\ndefault_ca = c\\n[c]\\ndatabase = db/index.txt\\nnew_certs_dir = db\\nserial = db/serial\\ndefault_md = sha256\\npolicy = p\\nunique_subject = no\\n[p]\\ncommonName = supplied\\n[v3]\\nbasicConstraints = critical,CA:TRUE\\nkeyUsage = critical,keyCertSign,cRLSign\\nsubjectKeyIdentifier = hash\\n' > ca.cnf
    openssl req -new -config req.cnf -key ca.key -subj "/CN=MCP Tunnel CA" -out ca.csr
    openssl ca -batch -selfsign -config ca.cnf -keyfile ca.key -in ca.csr -extensions v3 -notext -startdate 20200101000000Z -enddate "$(date -u -d yesterday +%Y%m%d%H%M%SZ)" -out ca.crt 2>/dev/null
    openssl req -new -config req.cnf -key tls.key -subj "/CN=*.${DOMAIN}" -out tls.csr
    openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -set_serial 0x77 -days 60 -sha256 -extfile tls.ext -out tls.crt 2>/dev/null`,
  ],
  // A self-signed server certificate (made with openssl req -x509 instead of signing it with the CA).
  'self-signed-leaf': [
    'healthy',
    `printf '[req]\\ndistinguished_name = dn\\nprompt = no\\n[dn]\\n' > req.cnf
    openssl req -x509 -new -config req.cnf -key tls.key -subj "/CN=*.${DOMAIN}" -days 90 -sha256 -addext "subjectAltName=DNS:*.${DOMAIN}" -addext "extendedKeyUsage=serverAuth" -addext "basicConstraints=CA:FALSE" -out tls.crt`,
  ],
  // ca.crt saved from "openssl x509 -text": the text dump, then the PEM block.
  'text-before-ca': ['healthy', 'openssl x509 -in ca.crt -text > c && mv c ca.crt'],
};
const certDir = (name: string) => (name === 'fixture' ? join(FIXTURES, '_certs-healthy') : join(WORK, 'certs', name));

/** Every base64 line of a private key file's body: none may ever be printed. */
function keyLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
}

function writeDeployment(dir: string, d: Deployment): string[] {
  mkdirSync(dir, { recursive: true });
  const secrets = [...d.secrets];
  const put = (rel: string, content: string | Buffer) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };
  if (d.layout === 'compose') {
    put(
      d.composeFile,
      `# ${d.composeFile} written from the MCP tunnels docs for a test; every credential is fake.\n${stringify(d.compose)}`,
    );
    if (d.config) put(d.configFile, stringify(d.config));
    if (d.dotenv)
      put(
        '.env',
        `${Object.entries(d.dotenv)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
  } else if (d.values) {
    put('values.yaml', `# mcp-tunnel chart values (test)\n${stringify(d.values)}`);
  }
  if (d.certs) {
    const src = certDir(d.certs);
    mkdirSync(join(dir, 'data'), { recursive: true });
    for (const f of ['ca.crt', 'tls.crt', 'tls.key']) copyFileSync(join(src, f), join(dir, 'data', f));
    secrets.push(...keyLines(join(src, 'tls.key')), ...keyLines(join(src, 'ca.key')));
    chmodSync(join(dir, 'data', 'tls.key'), d.keyMode);
    if (d.keyOwner) chownSync(join(dir, 'data', 'tls.key'), d.keyOwner[0], d.keyOwner[1]);
  }
  if (d.tunnelDomainFile !== null) put('data/tunnel-domain', `${d.tunnelDomainFile}\n`);
  if (d.tokenFile !== null) put('data/tunnel-token', `${d.tokenFile}\n`);
  if (d.layout === 'compose') put('data/tunnel-id', `${TUNNEL_ID}\n`);
  for (const [rel, content] of Object.entries(d.raw)) {
    const p = join(dir, rel);
    rmSync(p, { recursive: true, force: true });
    if (content === null) continue;
    if (typeof content === 'object' && !Buffer.isBuffer(content)) mkdirSync(p, { recursive: true });
    else put(rel, content);
  }
  return secrets;
}

/** Writes a JSON document beside the deployment and returns the flag pair naming it. */
function jsonFile(name: string, flag: string, doc: unknown): (d: Deployment) => void {
  return (d) => {
    d.raw[`inputs/${name}`] =
      typeof doc === 'string' || Buffer.isBuffer(doc) ? doc : `${JSON.stringify(doc, null, 2)}\n`;
    d.args.push(flag, `@/inputs/${name}`);
  };
}
function jwtFile(token: { token: string; secrets: string[] }): (d: Deployment) => void {
  return (d) => {
    d.raw['inputs/identity-token'] = `${token.token}\n`;
    d.args.push('--jwt-file', '@/inputs/identity-token');
    d.secrets.push(...token.secrets);
  };
}

// ---------------------------------------------------------------------------------------------
// The cases.

type Status = 'pass' | 'warn' | 'fail';
interface Case {
  name: string;
  make: () => Deployment;
  /** The check that must report the defect and its status; null for a healthy deployment. */
  expect: { id: string; status: Status } | null;
  /** Other checks allowed to fail, each with the reason it is inevitable. */
  alsoFail?: Record<string, string>;
  /** Checks allowed to warn in a healthy deployment, with the documentation's reason. */
  warnOk?: Record<string, string>;
}

const compose =
  (o: ComposeOptions, edit: (d: Deployment) => void = () => {}) =>
  () => {
    const d = composeDeployment(o);
    edit(d);
    return d;
  };
const helm =
  (o: HelmOptions, edit: (d: Deployment) => void = () => {}) =>
  () => {
    const d = helmDeployment(o);
    edit(d);
    return d;
  };
const OLD: ComposeOptions = { gen: 'mcp-gateway' };
const NEW: ComposeOptions = { gen: 'mcp-proxy' };
const cf = (d: Deployment) => d.compose.services.cloudflared;
const fail = (id: string) => ({ id, status: 'fail' as const });
const warn = (id: string) => ({ id, status: 'warn' as const });
const setToken = (parts: TokenParts) => (d: Deployment) => {
  const t = tunnelToken(parts);
  d.dotenv!.TUNNEL_TOKEN = t.token;
  d.tokenFile = t.token;
  d.secrets.push(...t.secrets);
};
const bomb = () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 14; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
};

const cases: Case[] = [
  // ---- healthy deployments of every shape -------------------------------------------------
  {
    name: 'healthy: Compose, older docs (mcp-gateway, list env, string command, literal domain, bare keys, RSA 4096 server key)',
    make: compose({ ...OLD, certs: 'healthy-rsa4096' }),
    expect: null,
  },
  {
    name: 'healthy: Compose, newer docs (mcp-proxy, map env, list command, ${TUNNEL_DOMAIN}, full-hostname keys)',
    make: compose({ ...NEW, domainForm: 'var', keys: 'full' }),
    expect: null,
  },
  {
    name: 'healthy: Compose mcp-gateway with map env, list command and ${TUNNEL_DOMAIN}',
    make: compose({ ...OLD, envForm: 'map', cmdForm: 'list', domainForm: 'var' }),
    expect: null,
  },
  {
    name: 'healthy: Compose mcp-proxy with list env, string command, -config /etc/mcp-proxy/config.yaml',
    make: compose({ ...NEW, envForm: 'list', cmdForm: 'string' }, (d) => {
      const p = d.compose.services['mcp-proxy'];
      p.volumes = ['./config/mcp-proxy.yaml:/etc/mcp-proxy/config.yaml:ro', './data:/data:ro'];
      p.command = ['-config', '/etc/mcp-proxy/config.yaml'];
    }),
    expect: null,
  },
  {
    name: "healthy: Compose with the certificates of fixtures/_certs-healthy and the doc's allowed_ips block",
    make: compose({ ...NEW, certs: 'fixture', domain: FIXTURE_DOMAIN }, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] };
    }),
    expect: null,
  },
  {
    name: 'healthy: key 0600 owned by the proxy user 65532',
    make: compose(NEW, (d) => {
      d.keyMode = 0o600;
      d.keyOwner = [65532, 65532];
    }),
    expect: null,
  },
  {
    name: 'healthy: https upstream with upstream.tls.include_system_cas',
    make: compose(OLD, (d) => {
      d.config!.routes.docs = 'https://192.168.40.7:8443';
      d.config!.upstream = { tls: { include_system_cas: true } };
    }),
    expect: null,
  },
  {
    name: "healthy: token only in the doctor's shell environment (no .env entry)",
    make: compose(NEW, (d) => {
      d.env.TUNNEL_TOKEN = present(d.dotenv!.TUNNEL_TOKEN);
      delete d.dotenv!.TUNNEL_TOKEN;
    }),
    expect: null,
  },
  {
    name: 'healthy: split OAuth discovery documents from the troubleshooting page',
    make: compose(NEW, (d) => {
      d.config!.routes = { mcp: 'http://10.0.12.5:8080', auth: 'http://10.0.12.6:8080' };
      jsonFile('oauth-authorization-server.json', '--oauth-metadata', oauthMetadata())(d);
      jsonFile('oauth-protected-resource.json', '--resource-metadata', resourceMetadata())(d);
    }),
    expect: null,
  },
  { name: 'healthy: Helm chart 1.x (api.wif.tunnelId)', make: helm({ chart: 1 }), expect: null },
  {
    name: 'healthy: Helm chart 2.x (tunnel.id) with a matching identity token and federation rule',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt(RS256, goodClaims()))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: null,
  },
  {
    name: 'healthy: Helm external mode with gateway.config.tunnel_domain',
    make: helm({ chart: 2, external: true }),
    expect: null,
  },
  {
    name: 'healthy: config and Compose file with CRLF line ends and a BOM',
    make: compose(OLD, (d) => {
      const crlfBom = (s: string) =>
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s.replace(/\n/g, '\r\n'))]);
      d.raw[d.configFile] = crlfBom(stringify(d.config));
      d.raw[d.composeFile] = crlfBom(stringify(d.compose));
      d.raw['.env'] = crlfBom(
        `${Object.entries(d.dotenv!)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
      );
    }),
    expect: null,
  },

  {
    name: 'healthy: Compose written by hand as the older reference page shows it (quoted values, flow-map routes, comments)',
    make: compose(OLD, (d) => {
      d.raw[d.composeFile] = [
        'version: "3.8"',
        'services:',
        '  mcp-gateway:',
        '    image: ghcr.io/anthropics/mcp-gateway:latest',
        '    restart: unless-stopped',
        '    user: "65532:65532"',
        '    read_only: true',
        '    cap_drop: [ALL]',
        '    security_opt: ["no-new-privileges:true"]',
        '    volumes:',
        '      - ./config/mcp-gateway.yaml:/etc/mcp-gateway/config.yaml:ro',
        '      - ./data:/data:ro',
        '  cloudflared:',
        '    image: cloudflare/cloudflared:latest',
        '    restart: unless-stopped',
        '    command: tunnel --no-autoupdate run --url http://localhost:8080',
        '    environment:',
        '      - TUNNEL_TOKEN=${TUNNEL_TOKEN}',
        '    network_mode: "service:mcp-gateway"',
        '',
      ].join('\n');
      d.raw[d.configFile] =
        `# config/mcp-gateway.yaml\nlisten_addr: ":8080"\ntunnel_domain: "${DOMAIN}"   # from the tunnel detail page\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes: { mcp: "http://10.0.12.5:8080", auth: "http://10.0.12.6:8080" }\n`;
      d.raw['.env'] =
        `# written by hand\nexport TUNNEL_ID=${TUNNEL_ID}\nTUNNEL_TOKEN="${d.dotenv!.TUNNEL_TOKEN}"\nANTHROPIC_IDENTITY_TOKEN='${d.dotenv!.ANTHROPIC_IDENTITY_TOKEN}'\n`;
    }),
    expect: null,
  },
  {
    name: 'healthy: claude.ai setup variant (API_TOKEN in .env), token given literally in the Compose file',
    make: compose(NEW, (d) => {
      const apiKey = `sk-ant-api03-${randomBytes(60).toString('base64url')}-${randomBytes(6).toString('hex')}AA`;
      d.dotenv!.API_TOKEN = apiKey;
      d.secrets.push(apiKey);
      d.compose.services.setup.environment = { TUNNEL_ID: '${TUNNEL_ID}', API_TOKEN: '${API_TOKEN}' };
      cf(d).environment = { TUNNEL_TOKEN: d.dotenv!.TUNNEL_TOKEN };
      delete d.dotenv!.TUNNEL_TOKEN;
    }),
    expect: null,
  },
  {
    name: 'healthy: long-syntax volumes, listen_addr 0.0.0.0:8080, allowed_ips with a single address',
    make: compose(NEW, (d) => {
      d.compose.services['mcp-proxy'].volumes = [
        { type: 'bind', source: './config/mcp-proxy.yaml', target: '/etc/mcp-gateway/config.yaml', read_only: true },
        { type: 'bind', source: './data', target: '/data', read_only: true },
      ];
      d.config!.listen_addr = '0.0.0.0:8080';
      d.config!.routes.mcp = 'http://10.0.12.5:8080';
      d.config!.upstream = { allowed_ips: ['10.0.12.5', '192.168.0.0/16'] };
    }),
    expect: null,
  },
  {
    name: 'healthy: no data/tunnel-domain (tunnel_domain not compared)',
    make: compose(OLD, (d) => {
      d.tunnelDomainFile = null;
    }),
    expect: null,
  },
  {
    name: 'healthy: key 0640 owned by root, group 65532',
    make: compose(OLD, (d) => {
      d.keyMode = 0o640;
      d.keyOwner = [0, 65532];
    }),
    expect: null,
  },
  {
    name: 'healthy: EC key in SEC1 form (BEGIN EC PRIVATE KEY)',
    make: compose({ ...NEW, certs: 'traditional-key' }),
    expect: null,
  },
  {
    name: 'healthy: RSA 4096 key in PKCS#1 form (BEGIN RSA PRIVATE KEY)',
    make: compose({ ...OLD, certs: 'rsa-traditional-key' }),
    expect: null,
  },
  { name: 'healthy: certificates and key with CRLF line ends', make: compose({ ...NEW, certs: 'crlf' }), expect: null },
  {
    name: "healthy: Helm 1.x with an org-scoped rule and a JWT wrapped as GitHub's OIDC response",
    make: helm({ chart: 1 }, (d) => {
      const j = jwt(RS256, goodClaims());
      d.raw['inputs/identity-token.json'] = `${JSON.stringify({ count: 1, value: j.token })}\n`;
      d.args.push('--jwt-file', '@/inputs/identity-token.json');
      d.secrets.push(...j.secrets);
      jsonFile(
        'rule.json',
        '--federation-rule',
        federationRule({ oauth_scope: 'org:manage_tunnels', workspace_id: undefined, applies_to_all_workspaces: true }),
      )(d);
    }),
    expect: null,
  },
  {
    name: 'healthy: Helm 2.x with the server certificate given by --cert/--key/--ca',
    make: helm({ chart: 2 }, (d) => {
      for (const f of ['ca.crt', 'tls.crt', 'tls.key'])
        d.raw[`secret/${f}`] = readFileSync(join(certDir('healthy'), f));
      d.args.push('--cert', '@/secret/tls.crt', '--key', '@/secret/tls.key', '--ca', '@/secret/ca.crt');
      d.secrets.push(...keyLines(join(certDir('healthy'), 'tls.key')));
    }),
    expect: null,
  },

  {
    name: 'healthy: tls.cert_file / key_file at other paths under the /data mount',
    make: compose(OLD, (d) => {
      d.config!.tls = { cert_file: '/data/certs/server.crt', key_file: '/data/certs/server.key' };
      d.raw['data/certs/server.crt'] = readFileSync(join(certDir('healthy'), 'tls.crt'));
      d.raw['data/certs/server.key'] = readFileSync(join(certDir('healthy'), 'tls.key'));
      d.raw['data/tls.crt'] = null;
      d.raw['data/tls.key'] = null;
    }),
    expect: null,
  },
  {
    name: 'healthy: explicit disable_ip_validation: false beside allowed_ips',
    make: compose(NEW, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8'], disable_ip_validation: false };
    }),
    expect: null,
  },

  {
    name: 'healthy: no tunnel_domain, every route key a full hostname',
    make: compose({ ...NEW, keys: 'full' }, (d) => {
      delete d.config!.tunnel_domain;
    }),
    expect: null,
  },
  {
    name: 'healthy: cloudflared reads data/tunnel-token with --token-file',
    make: compose(OLD, (d) => {
      cf(d).command = 'tunnel --no-autoupdate run --token-file /data/tunnel-token --url http://localhost:8080';
      cf(d).volumes = ['./data:/data:ro'];
      delete cf(d).environment;
      delete d.dotenv!.TUNNEL_TOKEN;
    }),
    expect: null,
  },

  // ---- tunnel-token ------------------------------------------------------------------------
  { name: 'tunnel-token: secret "s" is empty', make: compose(OLD, setToken({ s: '' })), expect: fail('tunnel-token') },
  {
    name: 'tunnel-token: account tag "a" is empty',
    make: compose(NEW, setToken({ a: '' })),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: "t" is not a UUID',
    make: compose(NEW, setToken({ t: 'mcp-tunnel-prod' })),
    expect: fail('tunnel-token'),
  },
  // The documented rule is "e only fed": any other endpoint means the token was edited or is not the tunnel's.
  {
    name: 'tunnel-token: "e" is something other than "fed"',
    make: compose(OLD, setToken({ e: 'eu' })),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: token truncated while copying',
    make: compose(OLD, (d) => {
      const t = present(d.dotenv!.TUNNEL_TOKEN).slice(0, 61);
      d.dotenv!.TUNNEL_TOKEN = t;
      d.tokenFile = t;
      d.secrets.push(t);
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: TUNNEL_TOKEN unset (not in .env, not in the shell, no data/tunnel-token)',
    make: compose(NEW, (d) => {
      delete d.dotenv!.TUNNEL_TOKEN;
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: TUNNEL_TOKEN unset although setup wrote data/tunnel-token',
    make: compose(OLD, (d) => {
      delete d.dotenv!.TUNNEL_TOKEN;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: the service has no TUNNEL_TOKEN entry at all',
    make: compose(NEW, (d) => {
      delete cf(d).environment;
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: an identity JWT pasted instead of the tunnel token',
    make: compose(NEW, (d) => {
      const j = jwt(RS256, goodClaims());
      d.dotenv!.TUNNEL_TOKEN = j.token;
      d.tokenFile = null;
      d.secrets.push(...j.secrets);
    }),
    expect: fail('tunnel-token'),
  },

  // ---- cloudflared-ingress -----------------------------------------------------------------
  {
    name: 'cloudflared-ingress: network_mode missing (old generation)',
    make: compose(OLD, (d) => {
      delete cf(d).network_mode;
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: --url missing (new generation, list command)',
    make: compose(NEW, (d) => {
      cf(d).command = ['tunnel', '--no-autoupdate', 'run'];
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: --url missing (string command)',
    make: compose(OLD, (d) => {
      cf(d).command = 'tunnel --no-autoupdate run';
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: --url on the wrong port',
    make: compose(NEW, (d) => {
      cf(d).command = ['tunnel', '--no-autoupdate', 'run', '--url', 'http://localhost:8081'];
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: listen_addr moved to :9090, --url still 8080',
    make: compose(OLD, (d) => {
      d.config!.listen_addr = ':9090';
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: https:// --url',
    make: compose(OLD, (d) => {
      cf(d).command = 'tunnel --no-autoupdate run --url https://localhost:8080';
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: network_mode names the newer service on an mcp-gateway deployment',
    make: compose(OLD, (d) => {
      cf(d).network_mode = 'service:mcp-proxy';
      cf(d).depends_on = ['mcp-gateway'];
    }),
    expect: fail('cloudflared-ingress'),
  },

  // ---- ca-certificate ----------------------------------------------------------------------
  {
    name: 'ca-certificate: BasicConstraints CA:TRUE not critical',
    make: compose({ ...NEW, certs: 'ca-not-critical' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: no SubjectKeyIdentifier',
    make: compose({ ...OLD, certs: 'ca-no-ski' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: KeyUsage without keyCertSign',
    make: compose({ ...NEW, certs: 'ca-no-keycertsign' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: RSA 1024 CA key',
    make: compose({ ...OLD, certs: 'rsa1024-ca' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: Ed25519 CA key',
    make: compose({ ...NEW, certs: 'ed25519-ca' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: DER instead of PEM',
    make: compose({ ...NEW, certs: 'der-ca' }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: two certificates in ca.crt',
    make: compose(OLD, (d) => {
      d.raw['data/ca.crt'] = Buffer.concat([
        readFileSync(join(certDir('healthy'), 'ca.crt')),
        readFileSync(join(certDir('other-domain'), 'ca.crt')),
      ]);
    }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: private key pasted into ca.crt',
    make: compose(NEW, (d) => {
      d.raw['data/ca.crt'] = Buffer.concat([
        readFileSync(join(certDir('healthy'), 'ca.crt')),
        readFileSync(join(certDir('healthy'), 'ca.key')),
      ]);
    }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'ca-certificate: SHA-1 signatures',
    make: compose({ ...OLD, certs: 'sha1' }),
    expect: fail('ca-certificate'),
    alsoFail: {
      'server-certificate': 'the recipe variant signs the server certificate with SHA-1 too (a second real defect)',
    },
  },

  // ---- ca-registration ---------------------------------------------------------------------
  {
    name: 'ca-registration: tls.crt issued by another CA than data/ca.crt',
    make: compose({ ...NEW, certs: 'other-ca' }),
    expect: fail('ca-registration'),
  },
  {
    name: 'ca-registration: ca.crt replaced by the CA of another tunnel (old generation)',
    make: compose(OLD, (d) => {
      d.raw['data/ca.crt'] = readFileSync(join(certDir('other-domain'), 'ca.crt'));
    }),
    expect: fail('ca-registration'),
  },

  {
    name: 'ca-registration: a self-signed tls.crt (not issued by data/ca.crt)',
    make: compose({ ...OLD, certs: 'self-signed-leaf' }),
    expect: fail('ca-registration'),
  },

  // ---- server-certificate ------------------------------------------------------------------
  {
    name: 'server-certificate: no AuthorityKeyIdentifier',
    make: compose({ ...NEW, certs: 'no-aki' }),
    expect: fail('server-certificate'),
  },
  {
    name: 'server-certificate: issued through an intermediate',
    make: compose({ ...OLD, certs: 'intermediate' }),
    expect: fail('server-certificate'),
  },
  {
    name: 'server-certificate: ExtendedKeyUsage clientAuth only',
    make: compose({ ...NEW, certs: 'eku-clientauth' }),
    expect: fail('server-certificate'),
  },
  {
    name: 'server-certificate: ca.crt copied over tls.crt',
    make: compose(NEW, (d) => {
      d.raw['data/tls.crt'] = readFileSync(join(certDir('healthy'), 'ca.crt'));
    }),
    expect: fail('server-certificate'),
  },
  {
    name: 'server-certificate: RSA 1024 server key',
    make: compose({ ...OLD, certs: 'rsa1024-server' }),
    expect: fail('server-certificate'),
  },

  // ---- certificate-san ---------------------------------------------------------------------
  {
    name: 'certificate-san: wildcard one label too high',
    make: compose({ ...NEW, certs: 'wrong-san' }),
    expect: fail('certificate-san'),
  },
  {
    name: 'certificate-san: certificate for another tunnel domain',
    make: compose({ ...OLD, certs: 'other-domain' }),
    expect: fail('certificate-san'),
  },
  {
    name: 'certificate-san: full-hostname keys, certificate for another domain',
    make: compose({ ...NEW, keys: 'full', domainForm: 'var', certs: 'other-domain' }),
    expect: fail('certificate-san'),
  },

  // ---- certificate-expiry ------------------------------------------------------------------
  {
    name: 'certificate-expiry: server certificate expired',
    make: compose({ ...OLD, certs: 'expired' }),
    expect: fail('certificate-expiry'),
  },
  {
    name: 'certificate-expiry: not yet valid',
    make: compose({ ...NEW, certs: 'not-yet-valid' }),
    expect: fail('certificate-expiry'),
  },
  {
    name: 'certificate-expiry: expires in 10 days (inside the 30-day renewal window)',
    make: compose({ ...NEW, certs: 'expiring-soon' }),
    expect: warn('certificate-expiry'),
  },

  // ---- private-key -------------------------------------------------------------------------
  {
    name: 'private-key: tls.key 0600 owned by root',
    make: compose(OLD, (d) => {
      d.keyMode = 0o600;
      d.keyOwner = [0, 0];
    }),
    expect: fail('private-key'),
  },
  {
    name: 'private-key: tls.key 0600 owned by root, no user: in Compose (image user 65532)',
    make: compose(NEW, (d) => {
      d.keyMode = 0o600;
      d.keyOwner = [0, 0];
      delete d.compose.services['mcp-proxy'].user;
    }),
    expect: fail('private-key'),
  },
  {
    name: 'private-key: key does not match tls.crt',
    make: compose({ ...NEW, certs: 'key-mismatch' }),
    expect: fail('private-key'),
  },
  {
    name: 'private-key: encrypted key',
    make: compose({ ...OLD, certs: 'encrypted-key' }),
    expect: fail('private-key'),
  },
  {
    name: 'private-key: tls.key missing',
    make: compose(NEW, (d) => {
      d.raw['data/tls.key'] = null;
    }),
    expect: fail('private-key'),
  },

  // ---- proxy-config ------------------------------------------------------------------------
  {
    name: 'proxy-config: routes as a YAML list',
    make: compose(OLD, (d) => {
      d.config!.routes = [{ mcp: 'http://10.0.12.5:8080' }, { wiki: 'http://10.0.12.9:3000' }];
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: routes as a list of strings',
    make: compose(NEW, (d) => {
      d.config!.routes = ['mcp: http://10.0.12.5:8080'];
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: upstream with a path',
    make: compose(NEW, (d) => {
      d.config!.routes.mcp = 'http://10.0.12.5:8080/mcp';
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: upstream without a port',
    make: compose(OLD, (d) => {
      d.config!.routes.mcp = 'http://10.0.12.5';
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: routes: 5',
    make: compose(OLD, (d) => {
      d.config!.routes = 5;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: listen_addr missing',
    make: compose(NEW, (d) => {
      delete d.config!.listen_addr;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: tls.key_file missing',
    make: compose(NEW, (d) => {
      delete d.config!.tls.key_file;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: YAML syntax error',
    make: compose(OLD, (d) => {
      d.raw[d.configFile] =
        `listen_addr: ":8080"\ntunnel_domain: ${DOMAIN}\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes:\n  mcp: http://10.0.12.5:8080\n   wiki: http://10.0.12.9:3000\n`;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: YAML alias bomb',
    make: compose(NEW, (d) => {
      d.raw[d.configFile] = bomb();
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: config path is a directory (docker created it for a missing file)',
    make: compose(OLD, (d) => {
      d.raw[d.configFile] = { dir: true };
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: config file empty',
    make: compose(NEW, (d) => {
      d.raw[d.configFile] = '';
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: unknown key (typo) is a warning',
    make: compose(NEW, (d) => {
      d.config!.log_levl = 'debug';
    }),
    expect: warn('proxy-config'),
  },

  // ---- tunnel-domain -----------------------------------------------------------------------
  {
    name: 'tunnel-domain: literal tunnel_domain differs from the assigned domain',
    make: compose(OLD, (d) => {
      d.config!.tunnel_domain = OTHER_DOMAIN;
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'tunnel-domain: ${TUNNEL_DOMAIN} with TUNNEL_DOMAIN unset',
    make: compose({ ...NEW, domainForm: 'var' }, (d) => {
      delete d.dotenv!.TUNNEL_DOMAIN;
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: "tunnel-domain: TUNNEL_DOMAIN in .env is another tunnel's domain",
    make: compose({ ...OLD, domainForm: 'var' }, (d) => {
      d.dotenv!.TUNNEL_DOMAIN = OTHER_DOMAIN;
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'tunnel-domain: TUNNEL_DOMAIN= (empty) in .env with bare route keys',
    make: compose({ ...OLD, domainForm: 'var' }, (d) => {
      d.dotenv!.TUNNEL_DOMAIN = '';
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'tunnel-domain: no tunnel_domain with bare route keys',
    make: compose(NEW, (d) => {
      delete d.config!.tunnel_domain;
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'tunnel-domain: full-hostname key under another domain',
    make: compose({ ...NEW, keys: 'full' }, (d) => {
      d.config!.routes = { [`mcp.${OTHER_DOMAIN}`]: 'http://10.0.12.5:8080' };
    }),
    expect: fail('tunnel-domain'),
  },

  // ---- upstream-ip -------------------------------------------------------------------------
  {
    name: 'upstream-ip: public upstream address',
    make: compose(OLD, (d) => {
      d.config!.routes.mcp = 'http://203.0.113.25:8080';
    }),
    expect: fail('upstream-ip'),
  },
  {
    name: 'upstream-ip: IPv6 literal upstream',
    make: compose(NEW, (d) => {
      d.config!.routes.mcp = 'http://[fd00:12::5]:8080';
    }),
    expect: fail('upstream-ip'),
  },
  {
    name: 'upstream-ip: allowed_ips replaces the default and leaves 192.168/16 out',
    make: compose(NEW, (d) => {
      d.config!.routes.mcp = 'http://192.168.1.20:8080';
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8'] };
    }),
    expect: fail('upstream-ip'),
  },
  {
    name: 'upstream-ip: Helm Service IP outside RFC1918',
    make: helm({ chart: 2 }, (d) => {
      d.values!.gateway.config.routes.mcp = 'http://100.64.12.7:8080';
    }),
    expect: fail('upstream-ip'),
  },

  // ---- allowed-ips -------------------------------------------------------------------------
  {
    name: 'allowed-ips: 0.0.0.0/0 (warn)',
    make: compose(OLD, (d) => {
      d.config!.upstream = { allowed_ips: ['0.0.0.0/0'] };
    }),
    expect: warn('allowed-ips'),
  },
  {
    name: 'allowed-ips: 127.0.0.0/8 beside the private ranges (warn: local testing only)',
    make: compose(NEW, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8'] };
    }),
    expect: warn('allowed-ips'),
  },
  {
    name: 'allowed-ips: 0.0.0.0/0 combined with disable_ip_validation',
    make: compose(NEW, (d) => {
      d.config!.upstream = { allowed_ips: ['0.0.0.0/0'], disable_ip_validation: true };
    }),
    expect: fail('allowed-ips'),
  },
  {
    name: 'allowed-ips: private ranges combined with disable_ip_validation',
    make: compose(OLD, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8'], disable_ip_validation: true };
    }),
    expect: fail('allowed-ips'),
  },
  {
    name: 'allowed-ips: invalid CIDR',
    make: compose(NEW, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8', '192.168.0.0/33'] };
    }),
    expect: fail('allowed-ips'),
  },
  {
    name: 'allowed-ips: IPv6 entry',
    make: compose(OLD, (d) => {
      d.config!.upstream = { allowed_ips: ['10.0.0.0/8', 'fd00::/8'] };
    }),
    expect: fail('allowed-ips'),
  },

  // ---- upstream-tls ------------------------------------------------------------------------
  {
    name: 'upstream-tls: https upstream without ca_file or include_system_cas',
    make: compose(OLD, (d) => {
      d.config!.routes.docs = 'https://192.168.40.7:8443';
    }),
    expect: fail('upstream-tls'),
  },
  {
    name: 'upstream-tls: Helm https upstream without a trust anchor',
    make: helm({ chart: 1 }, (d) => {
      d.values!.gateway.config.routes.mcp = 'https://mcp-server.tools.svc.cluster.local:8443';
    }),
    expect: fail('upstream-tls'),
  },

  {
    name: 'upstream-tls: https upstream with an empty upstream.tls section',
    make: compose(NEW, (d) => {
      d.config!.routes.docs = 'https://192.168.40.7:8443';
      d.config!.upstream = { tls: {} };
    }),
    expect: fail('upstream-tls'),
  },
  {
    name: "upstream-tls: ca_file put under the listener's tls section instead of upstream.tls",
    make: compose(OLD, (d) => {
      d.config!.routes.docs = 'https://192.168.40.7:8443';
      d.config!.tls.ca_file = '/data/upstream-ca.crt';
    }),
    expect: fail('upstream-tls'),
  },

  // ---- oauth-metadata ----------------------------------------------------------------------
  {
    name: 'oauth-metadata: authorization_endpoint on the tunnel',
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile(
        'as.json',
        '--oauth-metadata',
        oauthMetadata(DOMAIN, { authorization_endpoint: `https://auth.${DOMAIN}/authorize` }),
      )(d);
    }),
    expect: fail('oauth-metadata'),
  },
  {
    name: 'oauth-metadata: no S256 in code_challenge_methods_supported',
    make: compose(OLD, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile(
        'as.json',
        '--oauth-metadata',
        oauthMetadata(DOMAIN, { code_challenge_methods_supported: ['plain'] }),
      )(d);
    }),
    expect: fail('oauth-metadata'),
  },
  {
    name: 'oauth-metadata: token_endpoint on the allowlisted public host',
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile(
        'as.json',
        '--oauth-metadata',
        oauthMetadata(DOMAIN, { token_endpoint: 'https://login.example.com/token' }),
      )(d);
    }),
    expect: fail('oauth-metadata'),
  },
  {
    name: 'oauth-metadata: issuer is the public host',
    make: compose(OLD, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile('as.json', '--oauth-metadata', oauthMetadata(DOMAIN, { issuer: 'https://login.example.com' }))(d);
    }),
    expect: fail('oauth-metadata'),
  },
  {
    name: 'oauth-metadata: document is not JSON',
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile('as.json', '--oauth-metadata', '{"issuer": "https://auth.x", \n')(d);
    }),
    expect: fail('oauth-metadata'),
  },

  // The page's example has no response_types_supported, which RFC 8414 requires and strict clients check: a risk, not a failure.
  {
    name: "oauth-metadata: the troubleshooting page's example verbatim (warn: no response_types_supported)",
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      const doc = oauthMetadata();
      delete doc.response_types_supported;
      jsonFile('as.json', '--oauth-metadata', doc)(d);
    }),
    expect: warn('oauth-metadata'),
  },

  // ---- protected-resource ------------------------------------------------------------------
  {
    name: 'protected-resource: resource not on the tunnel',
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile('pr.json', '--resource-metadata', resourceMetadata(DOMAIN, { resource: 'https://mcp.example.com' }))(d);
    }),
    expect: fail('protected-resource'),
  },
  {
    name: 'protected-resource: authorization_servers lists the public host',
    make: compose(OLD, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile(
        'pr.json',
        '--resource-metadata',
        resourceMetadata(DOMAIN, { authorization_servers: ['https://login.example.com'] }),
      )(d);
    }),
    expect: fail('protected-resource'),
  },

  {
    name: 'protected-resource: resource on http://',
    make: compose(NEW, (d) => {
      d.config!.routes.auth = 'http://10.0.12.6:8080';
      jsonFile('pr.json', '--resource-metadata', resourceMetadata(DOMAIN, { resource: `http://mcp.${DOMAIN}` }))(d);
    }),
    expect: fail('protected-resource'),
  },
  {
    name: 'protected-resource: no authorization_servers',
    make: helm({ chart: 2 }, (d) => {
      const doc = resourceMetadata();
      delete doc.authorization_servers;
      jsonFile('pr.json', '--resource-metadata', doc)(d);
    }),
    expect: fail('protected-resource'),
  },

  // ---- helm-values -------------------------------------------------------------------------
  {
    name: "helm-values: chart default audience vs the Console's https://api.anthropic.com in the rule",
    make: helm({ chart: 2 }, (d) => {
      delete d.values!.api.wif.audience;
      jsonFile('rule.json', '--federation-rule', federationRule({}, { audience: 'https://api.anthropic.com' }))(d);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: audience with scheme in values, rule without (chart 1.x)',
    make: helm({ chart: 1 }, (d) => {
      d.values!.api.wif.audience = 'https://api.anthropic.com';
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: two different tunnel IDs (1.x and 2.x keys)',
    make: helm({ chart: 2 }, (d) => {
      d.values!.api.wif.tunnelId = '7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: workspaceId without the wrkspc_ prefix',
    make: helm({ chart: 1 }, (d) => {
      d.values!.api.wif.workspaceId = '01J8Z3W4X5Y6Z7A8B9C0D1E2F3';
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: organizationId is not a UUID',
    make: helm({ chart: 2 }, (d) => {
      d.values!.api.wif.organizationId = 'org_acme';
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: federationRuleId missing',
    make: helm({ chart: 1 }, (d) => {
      delete d.values!.api.wif.federationRuleId;
    }),
    expect: fail('helm-values'),
  },
  // The values file is what is incomplete (the docs: tunnel_domain is required in external mode); tunnel-domain skips, naming helm-values.
  {
    name: 'helm-values: external mode without gateway.config.tunnel_domain',
    make: helm({ chart: 2, external: true }, (d) => {
      delete d.values!.gateway.config.tunnel_domain;
      d.args.push('--tunnel-domain', DOMAIN);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'helm-values: values.yaml does not parse',
    make: helm({ chart: 2 }, (d) => {
      d.raw['values.yaml'] = `tunnel:\n  id: ${TUNNEL_ID}\napi:\n  wif:\n    audience: "api.anthropic.com\n`;
    }),
    expect: fail('helm-values'),
  },

  // ---- wif-token ---------------------------------------------------------------------------
  {
    name: 'wif-token: JWT expired',
    make: helm({ chart: 2 }, (d) => {
      const now = Math.floor(Date.now() / 1000);
      jwtFile(jwt(RS256, goodClaims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: wrong iss (trailing slash)',
    make: helm({ chart: 1 }, (d) => {
      jwtFile(jwt(RS256, goodClaims({ iss: `${ISSUER}/` })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: wrong aud',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt(RS256, goodClaims({ aud: 'sts.amazonaws.com' })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: HS256 signature',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt({ alg: 'HS256', kid: 'k1', typ: 'JWT' }, goodClaims()))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: no kid',
    make: compose(NEW, (d) => {
      jwtFile(jwt({ alg: 'ES256', typ: 'JWT' }, goodClaims()))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: lifetime of two hours',
    make: helm({ chart: 2 }, (d) => {
      const now = Math.floor(Date.now() / 1000);
      jwtFile(jwt(RS256, goodClaims({ iat: now - 60, exp: now + 7140 })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: subject of another namespace',
    make: helm({ chart: 1 }, (d) => {
      jwtFile(jwt(RS256, goodClaims({ sub: 'system:serviceaccount:default:mcp-tunnel-setup' })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: JWT file holds garbage',
    make: compose(OLD, (d) => {
      d.raw['inputs/identity-token'] = randomBytes(300);
      d.args.push('--jwt-file', '@/inputs/identity-token');
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: federation rule is not JSON',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt(RS256, goodClaims()))(d);
      jsonFile('rule.json', '--federation-rule', '{"issuer_url": ')(d);
    }),
    expect: fail('wif-token'),
  },

  // ---- more shapes a user writes ------------------------------------------------------------
  {
    name: 'tunnel-token: passed through as "- TUNNEL_TOKEN" with the variable set nowhere',
    make: compose(OLD, (d) => {
      cf(d).environment = ['TUNNEL_TOKEN'];
      delete d.dotenv!.TUNNEL_TOKEN;
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'tunnel-token: shell TUNNEL_TOKEN is the decoded JSON, not base64',
    make: compose(NEW, (d) => {
      const t = tunnelToken();
      const json = Buffer.from(t.token, 'base64').toString();
      delete d.dotenv!.TUNNEL_TOKEN;
      d.tokenFile = null;
      d.env.TUNNEL_TOKEN = json;
      d.secrets.push(...t.secrets); // the secret "s" inside it; the tunnel UUID in it may be shown
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'cloudflared-ingress: network_mode: host',
    make: compose(NEW, (d) => {
      cf(d).network_mode = 'host';
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'cloudflared-ingress: the proxy publishes ports (warn: the reference publishes none)',
    make: compose(OLD, (d) => {
      d.compose.services['mcp-gateway'].ports = ['8080:8080'];
    }),
    expect: warn('cloudflared-ingress'),
  },
  {
    name: 'certificate-san: certificate names only mcp.<domain>, the wiki route is not covered',
    make: compose({ ...NEW, certs: 'mcp-only-san' }),
    expect: fail('certificate-san'),
  },
  {
    name: "certificate-san: Helm with the secret's certificate for another domain (--cert/--key/--ca)",
    make: helm({ chart: 2 }, (d) => {
      for (const f of ['ca.crt', 'tls.crt', 'tls.key'])
        d.raw[`secret/${f}`] = readFileSync(join(certDir('other-domain'), f));
      d.args.push('--cert', '@/secret/tls.crt', '--key', '@/secret/tls.key', '--ca', '@/secret/ca.crt');
      d.secrets.push(...keyLines(join(certDir('other-domain'), 'tls.key')));
    }),
    expect: fail('certificate-san'),
  },
  {
    name: 'server-certificate: full chain (leaf + CA) in tls.crt (warn)',
    make: compose({ ...OLD, certs: 'fullchain' }),
    expect: warn('server-certificate'),
  },
  {
    name: 'private-key: tls.key 0600 owned by UID 1000 (setup run as a normal user)',
    make: compose(NEW, (d) => {
      d.keyMode = 0o600;
      d.keyOwner = [1000, 1000];
    }),
    expect: fail('private-key'),
  },
  {
    name: 'proxy-config: routes missing',
    make: compose(OLD, (d) => {
      delete d.config!.routes;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: duplicate route key',
    make: compose(NEW, (d) => {
      d.raw[d.configFile] =
        `listen_addr: ":8080"\ntunnel_domain: ${DOMAIN}\ntls:\n  cert_file: /data/tls.crt\n  key_file: /data/tls.key\nroutes:\n  mcp: http://10.0.12.5:8080\n  mcp: http://10.0.12.9:8080\n`;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'proxy-config: a tab in the indentation',
    make: compose(OLD, (d) => {
      d.raw[d.configFile] =
        `listen_addr: ":8080"\ntunnel_domain: ${DOMAIN}\ntls:\n\tcert_file: /data/tls.crt\n\tkey_file: /data/tls.key\nroutes:\n  mcp: http://10.0.12.5:8080\n`;
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'tunnel-domain: tunnel_domain written as a URL',
    make: compose(NEW, (d) => {
      d.config!.tunnel_domain = `https://${DOMAIN}`;
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'upstream-ip: upstream on 127.0.0.1 (outside the default ranges)',
    make: compose(OLD, (d) => {
      d.config!.routes.mcp = 'http://127.0.0.1:3000';
    }),
    expect: fail('upstream-ip'),
  },
  {
    name: 'upstream-ip: upstream on localhost',
    make: compose(NEW, (d) => {
      d.config!.routes.mcp = 'http://localhost:3000';
    }),
    expect: fail('upstream-ip'),
  },
  {
    name: 'allowed-ips: a string instead of a list',
    make: compose(OLD, (d) => {
      d.config!.upstream = { allowed_ips: '10.0.0.0/8' };
    }),
    expect: fail('allowed-ips'),
  },
  {
    name: 'helm-values: audience with a trailing slash in values, rule without',
    make: helm({ chart: 2 }, (d) => {
      d.values!.api.wif.audience = 'api.anthropic.com/';
      jsonFile('rule.json', '--federation-rule', federationRule())(d);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'wif-token: rule issuer_url on http://',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt(RS256, goodClaims({ iss: 'http://oidc.example.com' })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule({ issuer_url: 'http://oidc.example.com' }))(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'wif-token: a required claim differs',
    make: helm({ chart: 2 }, (d) => {
      jwtFile(jwt(RS256, goodClaims({ repository: 'acme/other' })))(d);
      jsonFile('rule.json', '--federation-rule', federationRule({}, { claims: { repository: 'acme/infra' } }))(d);
    }),
    expect: fail('wif-token'),
  },

  {
    name: 'tunnel-token: TUNNEL_TOKEN= (empty) in .env',
    make: compose(NEW, (d) => {
      d.dotenv!.TUNNEL_TOKEN = '';
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'allowed-ips: disable_ip_validation: true (warn: SSRF protection off)',
    make: compose(OLD, (d) => {
      d.config!.upstream = { disable_ip_validation: true };
    }),
    expect: warn('allowed-ips'),
  },
  {
    name: "wif-token: the rule's scope lacks manage_tunnels (403 after the exchange)",
    make: helm({ chart: 2 }, (d) => {
      jsonFile('rule.json', '--federation-rule', federationRule({ oauth_scope: 'user:profile' }))(d);
    }),
    expect: fail('wif-token'),
  },
  {
    name: 'private-key: tls.key_file points at a key the mount does not hold',
    make: compose(NEW, (d) => {
      d.config!.tls.key_file = '/data/server.key';
    }),
    expect: fail('private-key'),
  },

  {
    name: 'tunnel-token: --token-file /data/tunnel-token holds a truncated token',
    make: compose(NEW, (d) => {
      cf(d).command = [
        'tunnel',
        '--no-autoupdate',
        'run',
        '--token-file',
        '/data/tunnel-token',
        '--url',
        'http://localhost:8080',
      ];
      cf(d).volumes = ['./data:/data:ro'];
      delete cf(d).environment;
      delete d.dotenv!.TUNNEL_TOKEN;
      d.tokenFile = d.tokenFile!.slice(0, 50);
      d.secrets.push(d.tokenFile);
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'certificate-expiry: the CA itself has expired',
    make: compose({ ...OLD, certs: 'expired-ca' }),
    expect: fail('certificate-expiry'),
  },

  // ---- secrets beside the lines --fix edits (its diffs show context lines) -------------------------
  {
    name: 'cloudflared-ingress: --url missing, token and identity JWT literal in the Compose file',
    make: compose(OLD, (d) => {
      cf(d).command = 'tunnel --no-autoupdate run';
      cf(d).environment = [`TUNNEL_TOKEN=${d.dotenv!.TUNNEL_TOKEN}`];
      d.compose.services.setup.environment = [`ANTHROPIC_IDENTITY_TOKEN=${d.dotenv!.ANTHROPIC_IDENTITY_TOKEN}`];
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'proxy-config: Helm (claude.ai flow, api.token right below) with gateway.config.routes as a list',
    make: helm({ chart: 2 }, (d) => {
      const apiKey = `sk-ant-api03-${randomBytes(60).toString('base64url')}-${randomBytes(6).toString('hex')}AA`;
      const tunnel = d.values!.tunnel;
      delete d.values!.api;
      delete d.values!.tunnel;
      d.values!.gateway.config.routes = [{ mcp: 'http://10.96.40.12:8080' }];
      d.values!.api = { token: apiKey }; // written right after gateway: inside the context of a routes diff
      d.values!.tunnel = tunnel;
      d.secrets.push(apiKey);
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'helm-values: audience mismatch (chart 1.x), fix diff of values.yaml',
    make: helm({ chart: 1 }, (d) => {
      jsonFile('rule.json', '--federation-rule', federationRule({}, { audience: 'https://api.anthropic.com' }))(d);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'proxy-config: upstream with user:password@ (the password never printed)',
    make: compose(NEW, (d) => {
      const password = `pw-${randomBytes(12).toString('hex')}`;
      d.config!.routes.mcp = `http://svc-user:${password}@10.0.12.5:8080`;
      d.secrets.push(password);
    }),
    expect: fail('proxy-config'),
  },
  {
    name: 'private-key: 0600 root key, with the CA key lying beside it in data/',
    make: compose(NEW, (d) => {
      d.keyMode = 0o600;
      d.keyOwner = [0, 0];
      d.raw['data/ca.key'] = readFileSync(join(certDir('healthy'), 'ca.key'));
    }),
    expect: fail('private-key'),
  },

  // ---- malformed certificate and key files -------------------------------------------------
  {
    name: 'malformed: tls.crt empty',
    make: compose(NEW, (d) => {
      d.raw['data/tls.crt'] = '';
    }),
    expect: fail('server-certificate'),
  },
  {
    name: 'malformed: tls.crt binary garbage',
    make: compose(OLD, (d) => {
      d.raw['data/tls.crt'] = randomBytes(2048);
    }),
    expect: fail('server-certificate'),
  },
  {
    name: 'malformed: tls.crt truncated PEM',
    make: compose(NEW, (d) => {
      d.raw['data/tls.crt'] = readFileSync(join(certDir('healthy'), 'tls.crt')).subarray(0, 300);
    }),
    expect: fail('server-certificate'),
  },
  {
    name: 'malformed: tls.crt is a directory',
    make: compose(OLD, (d) => {
      d.raw['data/tls.crt'] = { dir: true };
    }),
    expect: fail('server-certificate'),
  },
  {
    name: 'malformed: ca.crt empty',
    make: compose(NEW, (d) => {
      d.raw['data/ca.crt'] = '';
    }),
    expect: fail('ca-certificate'),
  },
  {
    name: 'malformed: tls.key huge',
    make: compose(OLD, (d) => {
      d.raw['data/tls.key'] = Buffer.alloc(20 * 1024 * 1024, 'A');
    }),
    expect: fail('private-key'),
  },
  {
    name: 'malformed: tls.key binary garbage',
    make: compose(NEW, (d) => {
      d.raw['data/tls.key'] = randomBytes(1200);
    }),
    expect: fail('private-key'),
  },
  {
    name: 'malformed: tls.crt in DER',
    make: compose({ ...NEW, certs: 'der-tls' }),
    expect: fail('server-certificate'),
  },
  { name: 'malformed: tls.key in DER', make: compose({ ...OLD, certs: 'der-key' }), expect: fail('private-key') },
  {
    name: 'malformed: tls.key is a directory',
    make: compose(NEW, (d) => {
      d.raw['data/tls.key'] = { dir: true };
    }),
    expect: fail('private-key'),
  },
  {
    name: 'malformed: ca.crt saved with the openssl -text dump before the PEM block',
    make: compose({ ...NEW, certs: 'text-before-ca' }),
    expect: null,
  },
  {
    name: 'malformed: Compose file does not parse',
    make: compose(OLD, (d) => {
      d.raw[d.composeFile] = 'services:\n  cloudflared:\n    image: cloudflare/cloudflared\n   command: tunnel run\n';
    }),
    expect: fail('cloudflared-ingress'),
  },
  // The proxy never reads data/tunnel-domain (setup writes it for people): the comparison is lost, nothing breaks.
  {
    name: 'malformed: Compose file broken on the line with a literal token (no other copy of it)',
    make: compose(NEW, (d) => {
      d.raw[d.composeFile] =
        `services:\n  mcp-proxy:\n    image: ghcr.io/anthropics/mcp-proxy:latest\n    volumes:\n      - ./config/mcp-proxy.yaml:/etc/mcp-gateway/config.yaml:ro\n      - ./data:/data:ro\n  cloudflared:\n    image: cloudflare/cloudflared:latest\n    command: tunnel --no-autoupdate run --url http://localhost:8080\n    environment:\n      TUNNEL_TOKEN: ${d.dotenv!.TUNNEL_TOKEN}\n     network_mode: "service:mcp-proxy"\n`;
      delete d.dotenv!.TUNNEL_TOKEN;
      d.tokenFile = null;
    }),
    expect: fail('cloudflared-ingress'),
  },
  {
    name: 'malformed: values.yaml is a directory',
    make: helm({ chart: 2 }, (d) => {
      d.raw['values.yaml'] = { dir: true };
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'malformed: values.yaml binary',
    make: helm({ chart: 1 }, (d) => {
      d.raw['values.yaml'] = randomBytes(700);
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'malformed: data/tunnel-domain binary (warn)',
    make: compose(NEW, (d) => {
      d.raw['data/tunnel-domain'] = randomBytes(64);
    }),
    expect: warn('tunnel-domain'),
  },
  {
    name: 'malformed: values.yaml is a YAML bomb',
    make: helm({ chart: 2 }, (d) => {
      d.raw['values.yaml'] = bomb();
    }),
    expect: fail('helm-values'),
  },
  {
    name: 'malformed: .env is a directory, with ${TUNNEL_DOMAIN} in the config',
    make: compose({ ...NEW, domainForm: 'var' }, (d) => {
      d.raw['.env'] = { dir: true };
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'malformed: .env missing, with ${TUNNEL_DOMAIN} in the config',
    make: compose({ ...OLD, domainForm: 'var' }, (d) => {
      d.dotenv = null;
    }),
    expect: fail('tunnel-token'),
  },
  {
    name: 'malformed: data/tunnel-domain truncated (the config and certificate are right)',
    make: compose(OLD, (d) => {
      d.tunnelDomainFile = DOMAIN.slice(0, 20);
    }),
    expect: fail('tunnel-domain'),
  },
  {
    name: 'malformed: .env binary',
    make: compose(NEW, (d) => {
      d.raw['.env'] = randomBytes(512);
      d.tokenFile = null;
    }),
    expect: fail('tunnel-token'),
  },
];

// ---------------------------------------------------------------------------------------------

interface Result {
  id: string;
  status: string;
  reason: string | null;
  findings: { severity: string; messageId: string }[];
}

beforeAll(() => {
  WORK = mkdtempSync(join(tmpdir(), 'mcp-tunnel-one-defect-'));
  for (const [name, set] of Object.entries(CERT_SETS)) {
    execFileSync(
      'bash',
      [join(ROOT, 'fixtures', 'make-certs.sh'), join(WORK, 'certs', name), set.domain, set.variant],
      {
        env: { ...process.env, SERVER_KEY_TYPE: set.keyType ?? 'ec' },
        stdio: 'pipe',
      },
    );
  }
  for (const [name, [base, script]] of Object.entries(DERIVED_SETS)) {
    cpSync(certDir(base), certDir(name), { recursive: true });
    execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: certDir(name), stdio: 'pipe' });
  }
}, 120000);

afterAll(() => {
  if (WORK && !process.env.KEEP_ONE_DEFECT) rmSync(WORK, { recursive: true, force: true });
});

describe('one defect per deployment, written from the documentation', () => {
  it('covers every static check ID and both naming generations', () => {
    const ids = new Set(cases.map((c) => c.expect?.id).filter(Boolean));
    for (const id of [
      'tunnel-token',
      'cloudflared-ingress',
      'ca-certificate',
      'ca-registration',
      'server-certificate',
      'certificate-san',
      'certificate-expiry',
      'private-key',
      'proxy-config',
      'tunnel-domain',
      'upstream-ip',
      'allowed-ips',
      'upstream-tls',
      'oauth-metadata',
      'protected-resource',
      'helm-values',
      'wif-token',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c, i) => [c.name, i, c] as const))('%s', async (_name, i, c) => {
    const dir = join(WORK, 'deployments', String(i).padStart(3, '0'));
    const d = c.make();
    if (d.keyOwner && process.getuid?.() !== 0) {
      console.log(`one-defect: "${c.name}" skipped: giving tls.key to another owner needs root`);
      return;
    }
    const secrets = writeDeployment(dir, d).filter((s) => s.length >= 16);
    const args = d.args.map((a) => (a.startsWith('@/') ? join(dir, a.slice(2)) : a));
    const env = cleanEnv(d.env);

    const started = Date.now();
    const r = await runInProcess(['doctor', '--offline', '--json', '--dir', dir, ...args], { env });
    expect(Date.now() - started, 'bounded time').toBeLessThan(15000);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { results: Result[] };
    const byId = new Map(report.results.map((x) => [x.id, x]));
    const show = (x: Result) =>
      `${x.id}=${x.status}${x.reason ? ` (${x.reason})` : ''} [${x.findings
        .filter((f) => f.severity !== 'info')
        .map((f) => f.messageId)
        .join(',')}]`;
    const failing = report.results.filter((x) => x.status === 'fail' || x.status === 'error');
    const allowed = new Set([...(c.expect?.status === 'fail' ? [c.expect.id] : []), ...Object.keys(c.alsoFail ?? {})]);
    const unrelated = failing.filter((x) => !allowed.has(x.id));
    expect(unrelated.map(show), 'no unrelated check fails').toEqual([]);
    expect(report.results.filter((x) => x.status === 'error').map(show)).toEqual([]);

    if (c.expect) {
      const got = byId.get(c.expect.id)!;
      expect(show(got), 'the right check reports it').toMatch(new RegExp(`^${c.expect.id}=${c.expect.status}\\b`));
      expect(got.findings.some((f) => f.severity === (c.expect!.status === 'fail' ? 'error' : 'warn'))).toBe(true);
      if (c.expect.status === 'warn') {
        const warns = report.results.filter((x) => x.status === 'warn' && x.id !== c.expect!.id);
        expect(warns.map(show), 'no other warnings').toEqual([]);
      }
      expect(r.code).toBe(c.expect.status === 'fail' ? 1 : 0);
    } else {
      const notClean = report.results.filter(
        (x) => x.status !== 'pass' && x.status !== 'skip' && !(c.warnOk && x.status === 'warn' && x.id in c.warnOk),
      );
      expect(notClean.map(show), 'healthy: nothing warns or fails').toEqual([]);
      expect(r.code).toBe(0);
      // The checks a deployment of this shape can judge offline all ran.
      const ran = report.results.filter((x) => x.status === 'pass').map((x) => x.id);
      expect(ran).toEqual(
        expect.arrayContaining(
          d.layout === 'compose'
            ? [
                'tunnel-token',
                'cloudflared-ingress',
                'ca-certificate',
                'ca-registration',
                'server-certificate',
                'certificate-san',
                'certificate-expiry',
                'private-key',
                'proxy-config',
                'tunnel-domain',
                'upstream-ip',
                'allowed-ips',
                'upstream-tls',
              ]
            : ['proxy-config', 'tunnel-domain', 'upstream-ip', 'allowed-ips', 'upstream-tls', 'helm-values'],
        ),
      );
    }

    const human = await runInProcess(['doctor', '--offline', '--format', 'human', '--verbose', '--dir', dir, ...args], {
      env,
    });
    expect(human.code).toBe(r.code);
    expect(human.stderr).toBe('');
    // --fix prints diffs of the user's files (.env holds the token): they must be redacted too.
    const fix = await runInProcess(['doctor', '--offline', '--fix', '--dir', dir, ...args], { env });
    for (const out of [r.stdout, human.stdout, fix.stdout, fix.stderr]) {
      for (const s of secrets) {
        const mid = s.slice(Math.floor(s.length / 2) - 8, Math.floor(s.length / 2) + 8);
        expect(out.includes(s) || out.includes(mid), `a secret (${s.length} characters) appears in the output`).toBe(
          false,
        );
      }
      expect(out).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(out).not.toMatch(/\bat .+\.(?:c?js|ts):\d+:\d+/);
    }
  });
});
