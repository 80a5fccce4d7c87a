// Which running container is the proxy and which is cloudflared: by the Compose file's services
// when there is one (the same rules the static checks use), else by image name. A service with
// several containers (scaled) answers with its running one first.

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
