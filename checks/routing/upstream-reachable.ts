// upstream-reachable: every upstream address the proxy would dial accepts a TCP connection from
// where the doctor runs. Addresses the proxy's IP policy refuses are never probed (upstream-ip
// reports them).

import { defineCheck } from '../../src/core/check.js';

const MESSAGE_OF_FAILURE = {
  refused: 'connection-refused',
  timeout: 'connection-timeout',
  reset: 'connection-reset',
  unreachable: 'host-unreachable',
} as const;

function messageOf(
  failure: string | null,
): (typeof MESSAGE_OF_FAILURE)[keyof typeof MESSAGE_OF_FAILURE] | 'connection-failed' {
  return failure !== null && Object.hasOwn(MESSAGE_OF_FAILURE, failure)
    ? MESSAGE_OF_FAILURE[failure as keyof typeof MESSAGE_OF_FAILURE]
    : 'connection-failed';
}

export const check = defineCheck({
  id: 'upstream-reachable',
  requires: ['live.upstreams'],
  messages: {
    'connection-refused': {
      severity: 'error',
      meaning: 'Nothing accepts connections at an upstream (connection refused).',
      cause:
        'Route {route}: Nothing accepts connections on {address} (connection refused): the MCP server is down, or ' +
        'listens on another port. The proxy logs "dial tcp {address}: connect: connection refused".',
    },
    'connection-timeout': {
      severity: 'error',
      meaning: 'TCP to an upstream got no answer before the deadline.',
      cause:
        'Route {route}: TCP to {address} got no answer before the deadline: a firewall drops it, or the host is down.',
    },
    'connection-reset': {
      severity: 'error',
      meaning: 'The connection to an upstream was reset.',
      cause: 'Route {route}: The connection to {address} was reset.',
    },
    'host-unreachable': {
      severity: 'error',
      meaning: 'There is no route to an upstream.',
      cause: 'Route {route}: There is no route to {address}.',
    },
    'connection-failed': {
      severity: 'error',
      meaning: 'Connecting to an upstream failed for another reason (in the finding).',
      cause: 'Route {route}: Connecting to {address} failed: {detail}.',
    },
    reachable: {
      severity: 'info',
      meaning: 'Upstreams accept connections (info).',
      symptom: 'Upstreams accept connections.',
      cause: 'Probed from where the doctor runs; run it beside the proxy for a faithful answer.',
      fix: 'Nothing to do.',
    },
  },
  run({ live: { upstreams } }, report) {
    if (upstreams.length === 0) return report.skip('the proxy config has no route with a usable upstream');
    let failed = 0;
    const reachable: Record<string, unknown> = {};
    const notProbed: Record<string, string> = {};
    for (const u of upstreams) {
      const upstream = `${u.scheme}://${u.host}:${u.port}`;
      const name = `${u.route} (${upstream})`;
      if (u.connections.length === 0) notProbed[name] = u.notProbed ?? 'nothing to probe';
      for (const c of u.connections) {
        const address = `${c.address}:${u.port}`;
        if (c.ok) {
          reachable[`${u.route} ${address}`] = { latencyMs: c.latencyMs };
          continue;
        }
        if (c.failure === 'guard') {
          notProbed[name] = c.detail ?? 'refused by loopback-only guard';
          continue;
        }
        failed += 1;
        report(messageOf(c.failure), { route: u.route, address, detail: String(c.detail) }, null, {
          evidence: { route: u.route, upstream, address: c.address, failure: c.failure, latencyMs: c.latencyMs },
        });
      }
    }
    const probed = Object.keys(reachable).length;
    if (failed === 0 && probed === 0) {
      const why = Object.entries(notProbed)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      return report.skip(`no upstream address could be probed: ${why}`);
    }
    if (probed > 0 || Object.keys(notProbed).length > 0)
      report('reachable', {}, null, { evidence: { reachable, notProbed } });
    for (const [name, why] of Object.entries(notProbed)) report.notChecked(`${name}: ${why}`);
  },
});
