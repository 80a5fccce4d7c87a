import { expect } from 'vitest';
import { check } from '../../checks/edge/edge-ip-version.js';
import type { EdgeTarget } from '../../src/core/live-facts.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';
import { first } from '../helpers/present.js';
import { edge, target, tcpFail, tcpOk, udpFail, udpOk, withLive } from '../lab/live-facts.js';

/** The reference Compose file's cloudflared service, with its image and command as given. */
function compose(
  image: string,
  command = 'tunnel --no-autoupdate run --url http://localhost:8080',
  extra = '',
): string {
  return `services:
  mcp-proxy:
    image: ghcr.io/anthropics/mcp-proxy:latest
  cloudflared:
    image: ${image}
    command: ${command}
    network_mode: "service:mcp-proxy"
${extra}`;
}

const file = (text: string) => yamlFact('/deploy/compose.yaml', text);
const offline = (text: string): Facts => baseFacts({ compose: file(text) });

/** A live run whose IPv4 edge address answers and whose IPv6 one has no route (or answers). */
function live(text: string, v6: 'no-route' | 'works' | 'none'): Facts {
  const v4 = target('region1', tcpOk(), udpOk());
  const six: EdgeTarget = { ...target('region1', tcpOk(), udpOk(), '2606:4700:a0::1'), family: 6 };
  if (v6 === 'no-route') Object.assign(six, { tcp: tcpFail('unreachable'), udp: udpFail('unreachable') });
  const targets = v6 === 'none' ? [v4] : [v4, six];
  return withLive({ edge: edge({ targets }) }, { compose: file(text) });
}

testCheck(check, {
  pass: [
    {
      name: 'a release before 2026.4.0 dials IPv4 by default',
      facts: offline(compose('cloudflare/cloudflared:2026.3.1')),
      info: ['ip-version-judged'],
    },
    {
      name: 'latest pinned to 4 by the flag, even where IPv6 has no route',
      facts: live(
        compose('cloudflare/cloudflared:latest', 'tunnel --no-autoupdate --edge-ip-version 4 run'),
        'no-route',
      ),
      info: ['ip-version-judged'],
    },
    {
      name: 'pinned to 4 by TUNNEL_EDGE_IP_VERSION in the environment of the service',
      facts: live(
        compose('cloudflare/cloudflared:2026.5.0', undefined, '    environment:\n      TUNNEL_EDGE_IP_VERSION: "4"\n'),
        'no-route',
      ),
      info: ['ip-version-judged'],
    },
    {
      name: 'auto by default, and the edge answers over IPv6 too',
      facts: live(compose('cloudflare/cloudflared:2026.4.0'), 'works'),
      info: ['ip-version-judged'],
    },
    {
      name: 'auto by default, and the resolver gave no IPv6 edge address',
      facts: live(compose('cloudflare/cloudflared'), 'none'),
      info: ['ip-version-judged'],
    },
    {
      name: 'offline with the auto default: a pass that says what it could not check',
      facts: offline(compose('cloudflare/cloudflared:latest')),
      info: ['ip-version-judged'],
      notChecked: 'whether this host reaches the edge over IPv6',
    },
  ],
  fail: [
    {
      name: 'latest (auto) on a host without an IPv6 route to the edge',
      facts: live(compose('cloudflare/cloudflared:latest'), 'no-route'),
      status: 'fail',
      messageIds: ['auto-without-ipv6-route'],
      assert: (f) => {
        expect(first(f).cause).toContain(
          'cloudflared (latest), whose --edge-ip-version is auto (the default of this version)',
        );
        expect(first(f).fix).toBe(
          'Add --edge-ip-version 4 to the cloudflared command (or TUNNEL_EDGE_IP_VERSION: "4"), then run docker compose up -d cloudflared.',
        );
      },
    },
    {
      name: '2026.4.0 exactly is the first release with the auto default',
      facts: live(compose('cloudflare/cloudflared:2026.4.0'), 'no-route'),
      status: 'fail',
      messageIds: ['auto-without-ipv6-route'],
    },
    {
      name: 'an explicit auto on an older release behaves the same',
      facts: live(compose('cloudflare/cloudflared:2025.11.1', 'tunnel run --edge-ip-version=auto'), 'no-route'),
      status: 'fail',
      messageIds: ['auto-without-ipv6-route'],
    },
    {
      name: 'pinned to 6 on a host without an IPv6 route',
      facts: live(compose('cloudflare/cloudflared:2026.3.0', 'tunnel run --edge-ip-version 6'), 'no-route'),
      status: 'fail',
      messageIds: ['ipv6-pinned-without-route'],
    },
    {
      name: 'a value cloudflared does not know',
      facts: offline(compose('cloudflare/cloudflared:latest', 'tunnel run --edge-ip-version ipv4')),
      status: 'fail',
      messageIds: ['invalid-value'],
      assert: (f) => expect(first(f).location).toMatchObject({ file: '/deploy/compose.yaml' }),
    },
  ],
  skip: [
    { name: 'no Compose file', facts: baseFacts(), reason: 'needs the Compose file' },
    {
      name: 'no cloudflared service',
      facts: offline('services:\n  mcp-proxy:\n    image: ghcr.io/anthropics/mcp-proxy:latest\n'),
      reason: 'no cloudflared service',
    },
  ],
});
