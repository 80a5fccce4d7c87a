// cloudflared-container: the running cloudflared, as the Docker Engine API shows it. Its
// container exists, runs, is not in a restart loop and was not OOM-killed, and it shares the
// proxy's network namespace (network_mode: "service:<proxy>"), which is what makes
// --url http://localhost:8080 reach the proxy.

import { defineCheck } from '../../src/core/check.js';
import { commandOption } from '../../src/model/compose.js';
import { CONDITION_MESSAGES, containerConditions, deploymentContainers } from '../../src/model/container-view.js';

const CONSEQUENCE = 'The tunnel has no running connector: every request through it fails.';
const JOIN_PROXY =
  'Set network_mode: "service:{proxyService}" on the {service} service (and no networks: or ports: of its own), ' +
  'then run docker compose up -d {service}.';

/** Whether cloudflared's --url names a loopback address (what only works inside the proxy's namespace). */
function dialsLoopback(url: string): boolean {
  return /^[a-z]+:\/\/(localhost|127\.[\d.]+|\[::1\])(:|\/|$)/i.test(url);
}

export const check = defineCheck({
  id: 'cloudflared-container',
  requires: ['live.runtime'],
  uses: ['compose'],
  messages: {
    ...CONDITION_MESSAGES,
    'not-in-proxy-namespace': {
      severity: 'error',
      meaning: "cloudflared does not share the proxy's network namespace.",
      symptom: 'cloudflared logs "Unable to reach the origin service": its --url {url} dials its own namespace.',
      cause:
        'The {service} container {container} runs with network mode {networkMode}, not in the namespace of the ' +
        '{proxyService} container, so localhost there is not the proxy.',
      fix: JOIN_PROXY,
    },
    'stale-namespace': {
      severity: 'error',
      meaning: 'cloudflared joined the namespace of a proxy container that is not the running one.',
      symptom: 'cloudflared logs "Unable to reach the origin service": the proxy it joined is gone.',
      cause:
        'The {service} container {container} joined the network namespace of container {joined}, but the ' +
        '{proxyService} container running now is {proxyId}: the proxy was recreated after cloudflared started.',
      fix: 'Run docker compose up -d --force-recreate {service}.',
    },
    'left-in-old-namespace': {
      severity: 'error',
      meaning: 'cloudflared is still in the network namespace the proxy had before it restarted.',
      symptom: 'cloudflared logs "Unable to reach the origin service" although both containers run.',
      cause:
        'The {service} container {container} is in network namespace {cloudflaredNamespace}, the {proxyService} ' +
        'container now in {proxyNamespace}: the proxy restarted after cloudflared joined it, and Docker does not ' +
        "move a container that joined another's namespace into the new one.",
      fix: 'Once the proxy stays up, run docker compose restart {service}.',
    },
    'own-network': {
      severity: 'warn',
      meaning: "cloudflared reaches the proxy over a network instead of sharing the proxy's namespace.",
      symptom: 'None while the proxy answers at {url}.',
      cause:
        'The {service} container {container} runs on network {networkMode} and dials {url}; the reference layout ' +
        "shares the proxy's namespace, where the doctor's probes of the proxy run.",
      fix: JOIN_PROXY,
    },
    'container-judged': {
      severity: 'info',
      meaning: "cloudflared's container runs in the proxy's network namespace (info).",
      symptom: 'None.',
      cause:
        'The {service} container {container} ({image}) runs since {startedAt}, restart count {restartCount}, in the ' +
        'network namespace of {proxyService}.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const runtime = facts.live.runtime;
    const roles = deploymentContainers(facts, runtime);
    const service = roles.cloudflaredService;
    const cf = roles.cloudflared;
    if (!cf) {
      if (roles.composeHasCloudflared === false)
        return report.skip(
          `no cloudflared container in project ${runtime.project}, and the Compose file has no cloudflared service`,
        );
      report('missing', { project: runtime.project, service, consequence: CONSEQUENCE });
      return;
    }
    const conditions = containerConditions(cf, service, facts.now);
    for (const c of conditions) report(c.id, { ...c.data, consequence: CONSEQUENCE });

    const proxyService = roles.proxyService;
    const joined = cf.networkMode.startsWith('container:') ? cf.networkMode.slice('container:'.length) : null;
    const proxy = roles.proxy;
    const isProxy = (ref: string) => proxy !== null && (ref.startsWith(proxy.id) || ref === proxy.name);
    // Without --url (nor TUNNEL_URL) cloudflared serves http://localhost:8080.
    const url = commandOption(cf.argv, '--url')?.value ?? 'http://localhost:8080';
    const data = { service, container: cf.name, proxyService, networkMode: cf.networkMode, url };
    let inProxyNamespace = false;
    if (joined === null) report(dialsLoopback(url) ? 'not-in-proxy-namespace' : 'own-network', data);
    else if (proxy === null) {
      inProxyNamespace = cf.networkModeService === proxyService;
      if (!inProxyNamespace)
        report.notChecked(`whether ${cf.name} shares the proxy's namespace: there is no proxy container`);
    } else if (isProxy(joined)) {
      // Docker says they share; the kernel may say otherwise after the proxy restarted.
      const mine = cf.netNamespace ?? null;
      const theirs = proxy.netNamespace ?? null;
      if (mine !== null && theirs !== null && mine !== theirs)
        report('left-in-old-namespace', { ...data, cloudflaredNamespace: mine, proxyNamespace: theirs });
      else inProxyNamespace = true;
    }
    // A container of another service is a wrong namespace; one that is gone (or another proxy
    // container) means the proxy was recreated under cloudflared.
    else if (cf.networkModeService === null || cf.networkModeService === proxyService)
      report('stale-namespace', { ...data, joined: joined.slice(0, 12), proxyId: proxy.id });
    else report('not-in-proxy-namespace', data);

    if (conditions.length === 0 && inProxyNamespace)
      report(
        'container-judged',
        { ...data, image: cf.image, startedAt: cf.state.startedAt ?? 'never', restartCount: cf.restartCount },
        null,
        { evidence: { user: cf.user, startedAt: cf.state.startedAt, restartCount: cf.restartCount } },
      );
  },
});
