// What a check may declare it needs: the names of facts, and for each, the input or flag that
// provides it. The runner skips a check whose required fact is absent with one reason built from
// here; the probe planner runs only the live probes that the selected checks name.

import type { Facts, FileFact } from './facts.js';
import type { LiveFacts } from './live-facts.js';

/** Facts read from files (or the environment): present, and not in state 'missing', when required. */
export type FileFactName =
  | 'dotenv'
  | 'compose'
  | 'proxyConfig'
  | 'helmValues'
  | 'token'
  | 'caCert'
  | 'serverCert'
  | 'privateKey'
  | 'privateKeyStat'
  | 'assignedDomain'
  | 'jwt'
  | 'federationRule'
  | 'oauthMetadata'
  | 'resourceMetadata';

/** Facts from the network, one per group of probes that the planner can run or leave out. */
export type LiveFactName =
  | 'live.edge'
  | 'live.proxy'
  | 'live.upstreams'
  | 'live.oauthMetadata'
  | 'live.resourceMetadata'
  | 'live.mcp'
  | 'live.oauthChain'
  | 'live.caRegistration'
  | 'live.runtime'
  | 'live.metrics'
  | 'live.containerLogs';

export type FactKey = FileFactName | LiveFactName;

type LiveField<K> = K extends `live.${infer F}` ? F & keyof LiveFacts : never;
type Present<T> = Exclude<NonNullable<T>, { state: 'missing' }>;

/**
 * The facts a check's `run` receives: every required fact is there (and, for a file, not
 * 'missing'), so the check reads it without a guard or a `!`.
 */
export type FactsWith<R extends FactKey> = Readonly<
  Facts & { [K in Extract<R, keyof Facts>]-?: Present<Facts[K]> } & ([LiveField<R>] extends [never]
      ? unknown
      : { live: LiveFacts & { [K in LiveField<R>]-?: NonNullable<LiveFacts[K]> } })
>;

export const LIVE_FACTS: readonly LiveFactName[] = [
  'live.edge',
  'live.proxy',
  'live.upstreams',
  'live.oauthMetadata',
  'live.resourceMetadata',
  'live.mcp',
  'live.oauthChain',
  'live.caRegistration',
  'live.runtime',
  'live.metrics',
  'live.containerLogs',
];

export function isLiveFact(key: FactKey): key is LiveFactName {
  return key.startsWith('live.');
}

/** For each fact, what it is and what gives it: the second half of every "needs ..." skip reason. */
const PROVIDERS: Readonly<Record<FactKey, { what: string; givenBy: string }>> = {
  dotenv: { what: 'the .env file', givenBy: 'a .env beside the Compose file' },
  compose: { what: 'the Compose file', givenBy: 'compose.yaml in --dir, or --compose FILE' },
  proxyConfig: { what: 'the proxy config', givenBy: 'config/mcp-proxy.yaml in --dir, or --config FILE' },
  helmValues: { what: 'the Helm values', givenBy: '--values FILE' },
  token: {
    what: 'the tunnel token',
    givenBy: 'TUNNEL_TOKEN, the Compose files, data/tunnel-token, or --token-file FILE',
  },
  caCert: { what: 'the CA certificate', givenBy: 'data/ca.crt in --dir, or --ca FILE' },
  serverCert: { what: 'the server certificate', givenBy: 'data/tls.crt in --dir, or --cert FILE' },
  privateKey: { what: 'the private key', givenBy: 'data/tls.key in --dir, or --key FILE' },
  privateKeyStat: { what: "the private key file's mode and owner", givenBy: 'data/tls.key in --dir, or --key FILE' },
  assignedDomain: { what: 'the assigned tunnel domain', givenBy: 'data/tunnel-domain in --dir, or --tunnel-domain' },
  jwt: { what: 'the identity token (JWT)', givenBy: '--jwt-file FILE' },
  federationRule: { what: 'the federation rule', givenBy: '--federation-rule FILE' },
  oauthMetadata: { what: 'the OAuth metadata document', givenBy: '--oauth-metadata FILE' },
  resourceMetadata: { what: 'the protected resource metadata document', givenBy: '--resource-metadata FILE' },
  'live.edge': { what: 'the edge probes (DNS, TCP and QUIC to port 7844)', givenBy: 'a run without --offline' },
  'live.proxy': { what: 'the proxy listener probes (WebSocket and inner TLS)', givenBy: 'a run without --offline' },
  'live.upstreams': { what: 'the upstream probes (DNS and TCP)', givenBy: 'a run without --offline' },
  'live.oauthMetadata': { what: 'the OAuth metadata fetched from the auth route', givenBy: 'a run without --offline' },
  'live.resourceMetadata': {
    what: 'the protected resource metadata fetched from the mcp route',
    givenBy: 'a run without --offline',
  },
  'live.mcp': {
    what: "the MCP initialize sent to each MCP route's upstream",
    givenBy: 'a run without --offline, with an mcp route (or --mcp-route NAME)',
  },
  'live.oauthChain': {
    what: "the OAuth discovery chain walked from the mcp route's challenge",
    givenBy: 'a run without --offline, with an mcp route',
  },
  'live.caRegistration': {
    what: "the vendor API's list of registered certificates",
    givenBy: 'a run without --offline, with ANTHROPIC_API_KEY or --api-key-file',
  },
  'live.runtime': {
    what: 'the running containers (Docker Engine API)',
    givenBy: 'a run without --offline beside the Compose project, with the Docker socket readable (DOCKER_HOST)',
  },
  'live.metrics': {
    what: "cloudflared's metrics server (/ready, /metrics)",
    givenBy:
      "a run without --offline that can reach it: the proxy's network namespace (as root), or --metrics HOST:PORT",
  },
  'live.containerLogs': {
    what: "the containers' last log lines",
    givenBy: 'a run without --offline beside the Compose project, with the Docker socket readable',
  },
};

const LIVE_SKIPPED: Record<LiveFactName, keyof LiveFacts> = {
  'live.edge': 'edgeSkipped',
  'live.proxy': 'proxySkipped',
  'live.upstreams': 'upstreamsSkipped',
  'live.oauthMetadata': 'oauthSkipped',
  'live.resourceMetadata': 'oauthSkipped',
  'live.mcp': 'mcpSkipped',
  'live.oauthChain': 'oauthChainSkipped',
  'live.caRegistration': 'caRegistrationSkipped',
  'live.runtime': 'runtimeSkipped',
  'live.metrics': 'metricsSkipped',
  'live.containerLogs': 'containerLogsSkipped',
};

const OFFLINE_REASON = '--offline: no DNS queries or connections were made';

/** Whether a fact is there for a check to judge. */
export function hasFact(facts: Readonly<Facts>, key: FactKey): boolean {
  if (isLiveFact(key)) {
    const field = key.slice('live.'.length) as keyof LiveFacts;
    return facts.live !== undefined && facts.live[field] !== null && facts.live[field] !== undefined;
  }
  const fact = facts[key] as FileFact<unknown> | { state?: undefined } | undefined;
  return fact !== undefined && fact.state !== 'missing';
}

/**
 * The one reason a check is skipped for a fact it requires and does not have: what is missing
 * and what would provide it (the gatherer's own reason for a live fact, when it gave one).
 */
export function missingReason(facts: Readonly<Facts>, key: FactKey): string {
  const p = PROVIDERS[key];
  if (isLiveFact(key)) {
    if (facts.offline) return `needs ${p.what}: ${OFFLINE_REASON}`;
    const why = facts.live?.[LIVE_SKIPPED[key]];
    if (typeof why === 'string' && why !== '') return `needs ${p.what}: ${why}`;
    return `needs ${p.what}, which did not run; given by ${p.givenBy}`;
  }
  const fact = facts[key] as FileFact<unknown> | undefined;
  const where = fact?.state === 'missing' ? `${fact.path} was not found` : 'none was found';
  return `needs ${p.what}: ${where}; given by ${p.givenBy}`;
}
