// tunnel-connections: cloudflared's own count of its edge connections (/ready, /metrics,
// /diag/tunnel). Healthy is 4 (--ha-connections); fewer is the dashboard's "degraded"; none is
// "down", and then register_fail tells whether the edge refused the registration (the token) or
// cloudflared never got through (the network: edge-tcp, edge-udp).

import { defineCheck } from '../../src/core/check.js';
import { argvFlag } from '../../src/model/cloudflared-args.js';
import { metricsSource, metricsUnread, readyConnections } from '../../src/model/cloudflared-metrics.js';
import { cloudflaredContainer } from '../../src/model/runtime-roles.js';

const DEFAULT_HA_CONNECTIONS = 4;

export const check = defineCheck({
  id: 'tunnel-connections',
  requires: ['live.metrics'],
  uses: ['compose', 'live.runtime', 'live.containerLogs'],
  messages: {
    'connections-ready': {
      severity: 'info',
      meaning: 'cloudflared holds all its edge connections (info).',
      symptom: 'None.',
      cause: '{source} reports {count} ready edge connections{locations}; connector {connector}.',
      fix: 'Nothing to do.',
    },
    degraded: {
      severity: 'warn',
      meaning: 'cloudflared holds some of its edge connections, not all: the tunnel is degraded.',
      symptom: 'The dashboard shows the tunnel as degraded: {count} of {expected} edge connections are up.',
      cause: '{source} reports {count} of {expected} edge connections ready. {down}',
      fix:
        'cloudflared retries on its own. If it stays degraded, read its log (docker compose logs {service}) and ' +
        'see edge-tcp and edge-udp: some edge addresses do not answer from where cloudflared runs.',
    },
    'registration-refused': {
      severity: 'error',
      meaning: 'cloudflared holds no edge connection and the edge refused its registration: the token.',
      symptom: 'The tunnel is down: cloudflared holds no edge connection; every MCP request through it fails.',
      cause:
        'The edge refused the registration {failures} times ({errors}){reason}: the token cloudflared runs ' +
        'with is wrong, or the tunnel was deleted or its token rotated.',
      fix:
        'Put the current tunnel token (from the tunnel page) in .env as TUNNEL_TOKEN or in data/tunnel-token, ' +
        'then recreate cloudflared: docker compose up -d {service}.',
    },
    'no-connection': {
      severity: 'error',
      meaning: 'cloudflared holds no edge connection and no registration reached the edge: the network.',
      symptom: 'The tunnel is down: cloudflared holds no edge connection; every MCP request through it fails.',
      cause:
        '{source} reports 0 ready connections and no registration refused by the edge: no edge connection ' +
        'got as far as registering.',
      fix:
        'See edge-tcp and edge-udp: TCP and UDP 7844 to the edge must leave the host where cloudflared runs; ' +
        'then read its log (docker compose logs {service}).',
    },
  },
  run(facts, report) {
    const m = facts.live.metrics;
    const unread = metricsUnread(m);
    if (unread) return report.skip(unread);
    const container = cloudflaredContainer(facts);
    const service = container?.service ?? 'cloudflared';
    const haFlag = Number(argvFlag(container?.argv ?? [], ['ha-connections']));
    const expected = Number.isInteger(haFlag) && haFlag > 0 ? haFlag : DEFAULT_HA_CONNECTIONS;
    const count = readyConnections(m);
    const diag = m.diagTunnel?.value ?? null;
    const locations = m.metrics.value?.serverLocations.map((l) => l.edgeLocation) ?? [];
    const source = metricsSource(m);
    const evidence = {
      readyConnections: count,
      expected,
      edgeLocations: locations,
      connectorId: m.ready.value?.connectorId ?? diag?.connectorId ?? null,
      connections: diag?.connections ?? null,
      metricsUrl: m.baseUrl,
      from: m.from,
    };

    if (count >= expected) {
      const where = locations.length > 0 ? ` at ${[...new Set(locations)].join(', ')}` : '';
      report(
        'connections-ready',
        { source, count, locations: where, connector: evidence.connectorId ?? '(not given)' },
        null,
        { evidence },
      );
      return;
    }
    if (count > 0) {
      const up = new Set((diag?.connections ?? []).filter((c) => c.isConnected).map((c) => c.index));
      const downList = Array.from({ length: expected }, (_, i) => i).filter((i) => !up.has(i));
      const down = diag
        ? `Down: connection${downList.length === 1 ? '' : 's'} ${downList.join(', ')} (from /diag/tunnel).`
        : 'Which ones are down is not known: this cloudflared has no /diag/tunnel.';
      report('degraded', { source, count, expected, down, service }, null, { evidence });
      return;
    }
    const failures = m.metrics.value?.registerFailures ?? [];
    if (failures.length > 0) {
      // The metrics name only the category (server_error); the edge's words are in the log line.
      const logged = facts.live.containerLogs?.matches.find((x) => x.id === 'tunnel-token' && x.detail !== null);
      report(
        'registration-refused',
        {
          failures: failures.reduce((sum, f) => sum + f.count, 0),
          errors: failures.map((f) => `${f.error} on ${f.rpcName}`).join(', '),
          reason: logged
            ? `; cloudflared's log (${logged.container}) says: ${logged.detail ?? ''}`
            : `; its log line "Register tunnel error from server side" gives the edge's reason`,
          service,
        },
        null,
        { evidence: { ...evidence, registerFailures: failures, logExample: logged?.example ?? null } },
      );
      return;
    }
    report('no-connection', { source, service }, null, { evidence });
  },
});
