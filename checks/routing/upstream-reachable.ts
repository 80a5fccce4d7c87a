// upstream-reachable: every upstream address the proxy would dial accepts a TCP connection from
// where the doctor runs. Addresses the proxy's IP policy refuses are never probed (upstream-ip
// reports them).

import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import { liveSkip } from '../../src/core/live.js';
import type { Finding } from '../../src/core/types.js';

const ID = 'upstream-reachable';

const MESSAGE: Record<string, { messageId: string; cause: string }> = {
  refused: { messageId: 'connection-refused', cause: 'Nothing accepts connections on {a} (connection refused): the MCP server is down, or listens on another port. The proxy logs "dial tcp {a}: connect: connection refused".' },
  timeout: { messageId: 'connection-timeout', cause: 'TCP to {a} got no answer before the deadline: a firewall drops it, or the host is down.' },
  reset: { messageId: 'connection-reset', cause: 'The connection to {a} was reset.' },
  unreachable: { messageId: 'host-unreachable', cause: 'There is no route to {a}.' },
};

export const check: LegacyCheck = {
  id: ID,
  layer: 'routing',
  kind: 'live',
  run(facts) {
    if (facts.offline || !facts.live) return liveSkip(facts, ID);
    const ups = facts.live.upstreams;
    if (!ups) return skip(facts.live.upstreamsSkipped ?? 'the upstreams were not probed');
    if (ups.length === 0) return skip('the proxy config has no route with a usable upstream');
    const out: Finding[] = [];
    const reachable: Record<string, unknown> = {};
    const notProbed: Record<string, string> = {};
    for (const u of ups) {
      const name = `${u.route} (${u.scheme}://${u.host}:${u.port})`;
      if (u.connections.length === 0) notProbed[name] = u.notProbed ?? 'nothing to probe';
      for (const c of u.connections) {
        const addr = `${c.address}:${u.port}`;
        if (c.ok) {
          reachable[`${u.route} ${addr}`] = { latencyMs: c.latencyMs };
          continue;
        }
        if (c.failure === 'guard') {
          notProbed[name] = c.detail ?? 'refused by loopback-only guard';
          continue;
        }
        const m = MESSAGE[c.failure ?? ''] ?? { messageId: 'connection-failed', cause: `Connecting to {a} failed: ${c.detail}.` };
        out.push(finding(ID, {
          messageId: m.messageId,
          cause: `Route ${u.route}: ${m.cause.replace(/\{a\}/g, addr)}`,
          evidence: { route: u.route, upstream: `${u.scheme}://${u.host}:${u.port}`, address: c.address, failure: c.failure, latencyMs: c.latencyMs },
        }));
      }
    }
    if (out.length === 0 && Object.keys(reachable).length === 0) return skip(`no upstream address could be probed: ${Object.entries(notProbed).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
    if (Object.keys(reachable).length > 0 || Object.keys(notProbed).length > 0) {
      out.push(finding(ID, { messageId: 'reachable', severity: 'info', symptom: 'Upstreams accept connections.', cause: 'Probed from where the doctor runs; run it beside the proxy for a faithful answer.', fix: 'Nothing to do.', evidence: { reachable, notProbed } }));
    }
    return judge(out, Object.entries(notProbed).map(([name, why]) => `${name}: ${why}`));
  },
};
