import { describe, expect, it } from 'vitest';
import { check } from '../../checks/edge/running-token.js';
import type { Facts } from '../../src/core/facts.js';
import { buildDoctorReport } from '../../src/core/report.js';
import { runCheck } from '../../src/core/runner.js';
import { FORMATS, loadRenderers } from '../../src/reporters/index.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts } from '../harness/facts.js';
import {
  cloudflaredContainer,
  composeFact,
  container,
  OTHER_TOKEN_FINGERPRINT,
  runtimeFacts,
  TEST_TOKEN,
  TEST_TOKEN_FINGERPRINT,
  tokenFact,
  withRuntime,
  type ContainerOverrides,
} from '../harness/runtime-facts.js';
import { ctx } from '../reporters/samples.js';
import { first } from '../helpers/present.js';

/** The files hold TEST_TOKEN; the running cloudflared is changed by `overrides`. */
const running = (overrides: ContainerOverrides, files: Partial<Facts> = { token: tokenFact() }) =>
  withRuntime(runtimeFacts({ containers: [container(), cloudflaredContainer(overrides)] }), {
    compose: composeFact(),
    ...files,
  });

const different = running({ tokenFingerprint: OTHER_TOKEN_FINGERPRINT });

testCheck(check, {
  pass: [
    { name: 'cloudflared holds the token of .env', facts: running({}), info: ['same-token'] },
    {
      name: 'the same token written with quotes in .env (the fingerprint is of the canonical token)',
      facts: running({}, { token: tokenFact(`"${TEST_TOKEN}"`) }),
      info: ['same-token'],
    },
  ],
  fail: [
    {
      name: 'cloudflared was not recreated after the token changed',
      facts: different,
      status: 'fail',
      messageIds: ['different-token'],
      assert: (f) => {
        expect(first(f).cause).toBe(
          'The running cloudflared (deploy-cloudflared-1) holds a different token than .env: it was not recreated after the token changed.',
        );
        expect(first(f).fix).toBe(
          'Run docker compose up -d cloudflared (a restart alone does not re-read .env or the Compose file).',
        );
      },
    },
  ],
  skip: [
    { name: 'an offline run', facts: baseFacts({ token: tokenFact() }), reason: 'needs the running containers' },
    {
      name: 'no cloudflared container',
      facts: withRuntime(runtimeFacts({ containers: [container()] }), { token: tokenFact() }),
      reason: 'reported by cloudflared-container',
    },
    {
      name: 'a token file not mounted where the doctor can see it',
      facts: running({
        tokenFingerprint: null,
        envNames: ['PATH'],
        argv: ['cloudflared', 'tunnel', 'run', '--token-file', '/etc/cloudflared/token'],
      }),
      reason: 'reads its token from a file (/etc/cloudflared/token)',
    },
    {
      name: 'no TUNNEL_TOKEN and no --token',
      facts: running({ tokenFingerprint: null, envNames: ['PATH'] }),
      reason: 'has no TUNNEL_TOKEN and no --token',
    },
    {
      name: 'the files hold a placeholder',
      facts: running({}, { token: tokenFact('changeme') }),
      reason: 'the files hold no usable token',
    },
  ],
});

describe('running-token never shows a fingerprint', () => {
  const fingerprints = [TEST_TOKEN_FINGERPRINT, OTHER_TOKEN_FINGERPRINT];
  /** Every 12-hex window of each fingerprint: no piece of it long enough to identify the token. */
  const pieces = fingerprints.flatMap((fp) => Array.from({ length: fp.length - 11 }, (_, i) => fp.slice(i, i + 12)));
  const results = [running({}), different, running({ tokenFingerprint: null })].map((facts) => runCheck(check, facts));

  it('judges the three runs (pass, fail, skip)', () => {
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail', 'skip']);
  });
  for (const format of FORMATS) {
    for (const verbose of [false, true]) {
      it(`in ${format}${verbose ? ' --verbose' : ''}`, async () => {
        const renderers = await loadRenderers(format);
        const text = renderers.doctor(buildDoctorReport(results, 5, '9.9.9'), ctx({ verbose }));
        expect(text).toContain('running-token');
        for (const piece of pieces) expect(text.toLowerCase()).not.toContain(piece);
      });
    }
  }
});
