import { expect } from 'vitest';
import { check } from '../../checks/edge/cloudflared-version.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';
import { first } from '../helpers/present.js';
import { metricsFacts, runtimeWithCloudflared } from '../lab/cloudflared-answers.js';
import { withLive } from '../lab/live-facts.js';

function compose(image: string): string {
  return `services:
  mcp-proxy:
    image: ghcr.io/anthropics/mcp-proxy:latest
  cloudflared:
    image: ${image}
    command: tunnel --no-autoupdate run --url http://localhost:8080
    network_mode: "service:mcp-proxy"
`;
}

const file = (image: string) => ({ compose: yamlFact('/deploy/compose.yaml', compose(image)) });
const offline = (image: string): Facts => baseFacts(file(image));

testCheck(check, {
  pass: [
    {
      name: 'offline: the release of the Compose tag, and the defaults it changed',
      facts: offline('cloudflare/cloudflared:2026.4.1'),
      info: ['version-judged'],
    },
    {
      name: 'live: build_info agrees with the Compose tag (the fixture runs 2026.8.2)',
      facts: withLive(
        { metrics: metricsFacts('healthy'), runtime: runtimeWithCloudflared() },
        file('cloudflare/cloudflared:2026.8.2'),
      ),
      info: ['version-judged'],
    },
    {
      name: 'from the runtime alone, without a Compose file',
      facts: withLive({ runtime: runtimeWithCloudflared({ image: 'cloudflare/cloudflared:2026.3.0' }) }),
      info: ['version-judged'],
    },
    {
      name: 'latest in the file: info, with the release running now',
      facts: withLive({ metrics: metricsFacts('healthy') }, file('cloudflare/cloudflared:latest')),
      info: ['latest-tag', 'version-judged'],
    },
  ],
  fail: [
    {
      name: 'the file names 2026.8.2 but build_info says 2026.3.0 runs: not recreated, across 2026.4.0',
      facts: withLive(
        {
          metrics: metricsFacts('healthy', (a) => {
            if (a.metrics.build) a.metrics.build.version = '2026.3.0';
          }),
        },
        file('cloudflare/cloudflared:2026.8.2'),
      ),
      status: 'warn',
      messageIds: ['not-recreated'],
      assert: (findings) => {
        const f = first(findings);
        expect(f.cause).toContain('The file names 2026.8.2 but 2026.3.0 runs');
        expect(f.cause).toContain('Since 2026.4.0: --edge-ip-version defaults to auto');
        expect(f.cause).toContain('see edge-ip-version');
        expect(f.fix).toBe('Recreate it: docker compose up -d cloudflared.');
        expect(f.location).toMatchObject({ file: '/deploy/compose.yaml' });
      },
    },
    {
      name: "without metrics, the running container's image tells the release",
      facts: withLive(
        { runtime: runtimeWithCloudflared({ image: 'cloudflare/cloudflared:2026.7.0' }) },
        file('cloudflare/cloudflared:2026.8.2'),
      ),
      status: 'warn',
      messageIds: ['not-recreated'],
      assert: (findings) => expect(first(findings).cause).toContain('the image of the running deploy-cloudflared-1'),
    },
  ],
  skip: [
    {
      name: 'no Compose file and nothing running',
      facts: baseFacts({}),
      reason: 'no cloudflared service',
    },
    {
      name: 'a tag that is not a release and nothing running',
      facts: offline('cloudflare/cloudflared:2026-custom'),
      reason: 'not a release',
    },
  ],
});
