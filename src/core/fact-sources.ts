// Where each fact a check judged came from, for the report: the file's path, the container and
// the engine it was read through, the metrics URL and the namespace it was read from, the probes
// and where they ran. Derived from what the check declares (requires and uses) and what the run
// has: a fact that is absent is not a source.

import type { Facts, FileFact } from './facts.js';
import { hasFact, isLiveFact, type FactKey } from './requirements.js';
import type { ProbeOrigin } from './runtime-facts.js';
import type { FactSource } from './types.js';

/** "this host", or "the network namespace of mcp-proxy-1 (service mcp-proxy)". */
export function describeOrigin(origin: ProbeOrigin | undefined): string {
  if (origin === undefined) return 'this host';
  if (origin.kind === 'host') return origin.why ? `this host (not the proxy's namespace: ${origin.why})` : 'this host';
  return `the network namespace of ${origin.container} (service ${origin.service})`;
}

function liveSource(facts: Readonly<Facts>, key: FactKey): FactSource | null {
  const live = facts.live;
  if (!live) return null;
  switch (key) {
    case 'live.edge': {
      const edge = live.edge;
      if (!edge) return null;
      const how = edge.discovery === 'flag' ? 'the --edge addresses' : `SRV ${edge.srvName ?? ''}`.trim();
      return { kind: 'probe', where: `edge probes (${how}) from this host` };
    }
    case 'live.proxy':
      return live.proxy
        ? { kind: 'probe', where: `listener ${live.proxy.url} probed from ${describeOrigin(live.proxyFrom)}` }
        : null;
    case 'live.upstreams':
      return { kind: 'probe', where: `upstream probes from ${describeOrigin(live.upstreamsFrom)}` };
    case 'live.oauthMetadata':
      return live.oauthMetadata
        ? { kind: 'probe', where: `${live.oauthMetadata.url} fetched from ${describeOrigin(live.upstreamsFrom)}` }
        : null;
    case 'live.resourceMetadata':
      return live.resourceMetadata
        ? { kind: 'probe', where: `${live.resourceMetadata.url} fetched from ${describeOrigin(live.upstreamsFrom)}` }
        : null;
    case 'live.mcp':
      return live.mcp
        ? {
            kind: 'probe',
            where: `MCP initialize to ${live.mcp.map((h) => h.url).join(', ')} from ${describeOrigin(live.upstreamsFrom)}`,
          }
        : null;
    case 'live.oauthChain':
      return live.oauthChain
        ? {
            kind: 'probe',
            where: `the discovery chain from ${live.oauthChain.resource}, through the routes' upstreams`,
          }
        : null;
    case 'live.caRegistration':
      return live.caRegistration ? { kind: 'probe', where: `the vendor API ${live.caRegistration.url}` } : null;
    case 'live.runtime': {
      const rt = live.runtime;
      if (!rt) return null;
      const names = rt.containers.map((c) => c.name).join(', ');
      return {
        kind: 'container',
        where: `${names || 'no container'} (project ${rt.project}, Docker Engine API at ${rt.endpoint})`,
      };
    }
    case 'live.metrics':
      return live.metrics
        ? {
            kind: 'metrics',
            where: `${live.metrics.baseUrl} (cloudflared), read from ${describeOrigin(live.metrics.from)}`,
          }
        : null;
    case 'live.containerLogs':
      return null; // log lines are cited one by one, where they join a result
    default:
      return null;
  }
}

/** The sources of the facts `keys` that this run has, without repeats, in the order declared. */
export function factSources(facts: Readonly<Facts>, keys: readonly FactKey[]): FactSource[] {
  const out: FactSource[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    if (!hasFact(facts, key)) continue;
    let source: FactSource | null;
    if (isLiveFact(key)) source = liveSource(facts, key);
    else {
      const fact = facts[key] as FileFact<unknown> | undefined;
      source = fact ? { kind: 'file', where: fact.path } : null;
    }
    if (source === null || seen.has(`${source.kind} ${source.where}`)) continue;
    seen.add(`${source.kind} ${source.where}`);
    out.push(source);
  }
  return out;
}
