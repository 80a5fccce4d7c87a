import { expect } from 'vitest';
import { check } from '../../checks/edge/proxy-container.js';
import type { MountedFileFacts } from '../../src/core/runtime-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';
import {
  cloudflaredContainer,
  composeFact,
  container,
  mountedFile,
  runtimeFacts,
  withRuntime,
  type ContainerOverrides,
} from '../harness/runtime-facts.js';
import { first } from '../helpers/present.js';

/** The healthy deployment with its Compose file, the proxy changed by `overrides`. */
const withProxy = (overrides: ContainerOverrides, extra: Parameters<typeof withRuntime>[1] = {}) =>
  withRuntime(runtimeFacts({ containers: [container(overrides), cloudflaredContainer()] }), {
    compose: composeFact(),
    ...extra,
  });
/** The proxy running as `user` with tls.key of this mode and owner on the host. */
const key = (user: string, mode: number, uid: number, gid: number, capDrop = ['ALL'], capAdd: string[] = []) =>
  withProxy({
    user,
    capDrop,
    capAdd,
    files: [mountedFile('/data/tls.key', { stat: { mode: 0o100000 | mode, uid, gid } })],
  });
const keyFile = (overrides: Partial<MountedFileFacts>) =>
  withProxy({ files: [mountedFile('/data/tls.key', { ...overrides, stat: null })] });

testCheck(check, {
  pass: [
    {
      name: 'a healthy Compose deployment: 65532:65532 reads its own 0600 key',
      facts: withProxy({}),
      info: ['container-judged'],
    },
    {
      name: 'a 0644 key owned by root (the setup run as root, then chmod 644)',
      facts: key('65532:65532', 0o644, 0, 0),
      info: ['container-judged'],
    },
    {
      name: "a 0640 key whose group is the proxy user's group",
      facts: key('65532:65532', 0o640, 0, 65532),
      info: ['container-judged'],
    },
    {
      name: "root with Docker's default capabilities reads a 0600 key owned by someone else",
      facts: key('0', 0o600, 1000, 1000, []),
      info: ['container-judged'],
    },
    {
      name: 'root with every capability dropped but CAP_DAC_OVERRIDE added back',
      facts: key('root', 0o600, 1000, 1000, ['ALL'], ['CAP_DAC_OVERRIDE']),
      info: ['container-judged'],
    },
    {
      name: 'healthy by its healthcheck',
      facts: withProxy({ state: { health: 'healthy', healthOutput: 'ok' } }),
      info: ['container-judged'],
    },
    {
      name: 'the key path of the proxy config (tls.key_file) is the one looked for',
      facts: withProxy(
        { files: [mountedFile('/data/certs/server.key')] },
        {
          proxyConfig: yamlFact(
            '/deploy/config/mcp-proxy.yaml',
            'listen_addr: ":8080"\ntls:\n  cert_file: /data/certs/server.crt\n  key_file: /data/certs/server.key\nroutes: {}\n',
          ),
        },
      ),
      info: ['container-judged'],
    },
    {
      name: 'no user in the container nor its image: root reads a 0600 key owned by anyone',
      facts: key('', 0o600, 1000, 1000, ['NET_RAW']),
      info: ['container-judged'],
    },
    {
      name: 'a user name: its uid is in the image, not known, and the doctor says so',
      facts: key('app', 0o600, 0, 0),
      info: ['container-judged'],
      notChecked:
        'it runs as app, data/tls.key is mode 0600 owned by 0:0, and the numeric user behind app is not known',
    },
    {
      name: 'a user name, but a key every user may read',
      facts: key('app', 0o644, 0, 0),
      info: ['container-judged'],
    },
    {
      name: 'only a uid: its primary group is not known, and the group bits would decide',
      facts: key('65532', 0o640, 0, 65532),
      info: ['container-judged'],
      notChecked: 'members of group 65532 may read it, and whether 65532 is in that group is not known',
    },
    {
      name: 'the runtime facts do not include the key',
      facts: withProxy({ files: [] }),
      info: ['container-judged'],
      notChecked: 'whether deploy-mcp-proxy-1 can read /data/tls.key: the runtime facts do not include it',
    },
  ],
  fail: [
    {
      name: 'runs as 65532:65532 and data/tls.key is 0600 owned by root',
      facts: key('65532:65532', 0o600, 0, 0),
      status: 'fail',
      messageIds: ['file-unreadable'],
      assert: (f) => {
        expect(first(f).symptom).toBe('The proxy exits at start with "open /data/tls.key: permission denied".');
        expect(first(f).cause).toBe(
          "The proxy runs as 65532:65532 and data/tls.key is mode 0600 owned by 0:0 (only its owner may read it): the proxy's open of /data/tls.key fails with permission denied.",
        );
        expect(first(f).fix).toBe(
          "chmod 644 data/tls.key (or keep it private to the proxy's user: chown 65532:65532 data/tls.key), then run docker compose restart mcp-proxy.",
        );
        expect(first(f).evidence).toEqual({ user: '65532:65532', mode: '0600', owner: '0:0' });
      },
    },
    {
      name: 'root with cap_drop: [ALL] reads by the mode like any user (no CAP_DAC_OVERRIDE)',
      facts: key('0:0', 0o600, 1000, 1000),
      status: 'fail',
      messageIds: ['file-unreadable'],
      assert: (f) => {
        expect(first(f).cause).toContain('The proxy runs as 0:0 (root without CAP_DAC_OVERRIDE (cap_drop))');
        expect(first(f).fix).toContain('chown 0:0 data/tls.key');
      },
    },
    {
      name: 'owned by the proxy user, but without the owner read bit',
      facts: key('65532:65532', 0o200, 65532, 65532),
      status: 'fail',
      messageIds: ['file-unreadable'],
      assert: (f) => expect(first(f).fix).toContain('chown 65532:65532 data/tls.key && chmod 600 data/tls.key'),
    },
    {
      name: 'missing on the host behind the mount',
      facts: keyFile({ problem: 'not found' }),
      status: 'fail',
      messageIds: ['file-missing-on-host'],
      assert: (f) =>
        expect(first(f).cause).toBe(
          '/data/tls.key is data/tls.key on the host through the mount of deploy-mcp-proxy-1, and data/tls.key not found.',
        ),
    },
    {
      name: 'no mount covers the key: it comes from the image',
      facts: keyFile({ hostPath: null }),
      status: 'warn',
      messageIds: ['file-not-mounted'],
    },
    {
      name: 'no proxy container',
      facts: withRuntime(runtimeFacts({ containers: [cloudflaredContainer()] }), { compose: composeFact() }),
      status: 'fail',
      messageIds: ['missing'],
      assert: (f) => expect(first(f).fix).toBe('Run docker compose up -d mcp-proxy in the deployment directory.'),
    },
    {
      name: 'in a restart loop (the key is unreadable)',
      facts: withProxy({ state: { status: 'restarting', restarting: true, exitCode: 1 }, restartCount: 12 }),
      status: 'fail',
      messageIds: ['restarting'],
      assert: (f) => expect(first(f).symptom).toContain('Unable to reach the origin service'),
    },
    {
      name: 'a restart loop seen between two exits: restarted by its policy 20 s ago',
      facts: withProxy({ restartCount: 4, state: { startedAt: '2026-11-25T11:59:40.000Z' } }),
      status: 'fail',
      messageIds: ['restarting'],
      assert: (f) => expect(first(f).cause).toContain('keeps exiting soon after it starts'),
    },
    {
      name: 'exited and not restarted',
      facts: withProxy({ state: { status: 'exited', running: false, exitCode: 2 } }),
      status: 'fail',
      messageIds: ['not-running'],
    },
    {
      name: 'paused',
      facts: withProxy({ state: { status: 'paused' } }),
      status: 'fail',
      messageIds: ['not-running'],
      assert: (f) => expect(first(f).fix).toContain('docker compose unpause mcp-proxy'),
    },
    {
      name: 'OOM-killed',
      facts: withProxy({ state: { status: 'exited', running: false, oomKilled: true, exitCode: 137 } }),
      status: 'fail',
      messageIds: ['oom-killed'],
    },
    {
      name: 'unhealthy by its healthcheck',
      facts: withProxy({ state: { health: 'unhealthy', healthOutput: 'connection refused' } }),
      status: 'fail',
      messageIds: ['unhealthy'],
      assert: (f) => expect(first(f).symptom).toBe('Docker reports deploy-mcp-proxy-1 unhealthy: connection refused.'),
    },
    {
      name: 'runs after 2 restarts: a warning',
      facts: withProxy({ restartCount: 2, state: { finishedAt: '2026-11-25T10:59:00.000Z' } }),
      status: 'warn',
      messageIds: ['restarted'],
    },
  ],
  skip: [{ name: 'an offline run', facts: baseFacts(), reason: 'needs the running containers' }],
});
