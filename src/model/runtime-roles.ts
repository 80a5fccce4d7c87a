// Which running container is the proxy and which is cloudflared: by the Compose file's services
// when there is one (the same rules the static checks use), else by image name. A service with
// several containers (scaled) answers with its running one first.

import type { Facts } from '../core/facts.js';
import type { ContainerFacts, DockerRuntimeFacts } from '../core/runtime-facts.js';
import { findCloudflaredService, findProxyService } from './compose.js';

export interface RuntimeRoles {
  proxy: ContainerFacts | null;
  cloudflared: ContainerFacts | null;
}

function pick(containers: readonly ContainerFacts[], match: (c: ContainerFacts) => boolean): ContainerFacts | null {
  const all = containers.filter(match);
  return all.find((c) => c.state.running) ?? all[0] ?? null;
}

/** The proxy's and cloudflared's containers; `composeData` is the parsed Compose file, when read. */
export function runtimeRoles(runtime: DockerRuntimeFacts, composeData: unknown): RuntimeRoles {
  const proxyService = composeData === undefined ? null : findProxyService(composeData);
  const cloudflaredService = composeData === undefined ? null : findCloudflaredService(composeData);
  const byService = (name: string | undefined, image: RegExp) =>
    pick(runtime.containers, (c) => (name !== undefined ? c.service === name : image.test(c.image)));
  return {
    proxy: byService(proxyService?.name, /mcp-(proxy|gateway)/),
    cloudflared: byService(cloudflaredService?.name, /cloudflared/),
  };
}

/** The running cloudflared container, when the runtime was inspected (a check declares compose and live.runtime). */
export function cloudflaredContainer(facts: Readonly<Facts>): ContainerFacts | null {
  const runtime = facts.live?.runtime;
  if (!runtime) return null;
  return runtimeRoles(runtime, facts.compose?.state === 'ok' ? facts.compose.value.data : undefined).cloudflared;
}
