import { expect } from 'vitest';
import { check } from '../../checks/edge/origin-errors.js';
import { testCheck } from '../harness/check-tester.js';
import { first } from '../helpers/present.js';
import { metricsFacts, runtimeWithCloudflared, unreadableMetrics } from '../lab/cloudflared-answers.js';
import { withLive } from '../lab/live-facts.js';

testCheck(check, {
  pass: [
    {
      name: 'healthy: 57 requests, no error, no 502',
      facts: withLive({ metrics: metricsFacts('healthy'), runtime: runtimeWithCloudflared() }),
      info: ['requests-served'],
    },
    {
      name: 'no request yet: a pass that says only that',
      facts: withLive({ metrics: metricsFacts('down') }),
      info: ['no-requests'],
    },
  ],
  fail: [
    {
      name: 'origin failing: request errors and 502s, with the --url of the running command',
      facts: withLive({ metrics: metricsFacts('origin-failing'), runtime: runtimeWithCloudflared() }),
      status: 'fail',
      messageIds: ['origin-unreachable'],
      assert: (findings) => {
        const f = first(findings);
        expect(f.cause).toContain('the proxy is down or --url is wrong');
        expect(f.cause).toContain('23 request errors and 23 responses 502 out of 23 requests to http://localhost:8080');
        expect(f.evidence).toMatchObject({ requestErrors: 23, responsesByCode: { '502': 23 } });
      },
    },
    {
      name: 'errors without any 502: a warning',
      facts: withLive({
        metrics: metricsFacts('healthy', (a) => {
          a.metrics.requestErrors = 3;
        }),
      }),
      status: 'warn',
      messageIds: ['request-errors'],
      assert: (findings) => expect(first(findings).cause).toContain('3 request errors out of 57 requests to its --url'),
    },
  ],
  skip: [
    { name: 'no readable /metrics', facts: withLive({ metrics: unreadableMetrics() }), reason: 'no readable /metrics' },
  ],
});
