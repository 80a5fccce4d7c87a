// origin-errors: what cloudflared counted on the way to the proxy. request_errors are errors
// proxying to the origin (its --url); it answers the edge 502 for each it could not reach. 502s
// mean the proxy is down or --url is wrong; errors without 502 are streams that broke midway.

import { defineCheck } from '../../src/core/check.js';
import { argvFlag } from '../../src/model/cloudflared-args.js';
import { metricsSource } from '../../src/model/cloudflared-metrics.js';
import { cloudflaredContainer } from '../../src/model/runtime-roles.js';

export const check = defineCheck({
  id: 'origin-errors',
  requires: ['live.metrics'],
  uses: ['compose', 'live.runtime'],
  messages: {
    'requests-served': {
      severity: 'info',
      meaning: 'Requests went through cloudflared to the proxy without errors (info).',
      symptom: 'None.',
      cause: '{source} counted {total} requests to {url} since it started, with no error and no 502.',
      fix: 'Nothing to do.',
    },
    'no-requests': {
      severity: 'info',
      meaning: 'No request has gone through cloudflared yet, so the way to the proxy is not proven (info).',
      symptom: 'None.',
      cause:
        '{source} counted no request since it started: nothing has gone through the tunnel yet, so this ' +
        'says nothing about the way from cloudflared to {url}.',
      fix: 'Nothing to do; run the doctor again after the first MCP request.',
    },
    'origin-unreachable': {
      severity: 'error',
      meaning: 'cloudflared answers 502: it cannot reach the proxy (down, or --url wrong).',
      symptom: 'MCP requests through the tunnel fail with 502 Bad Gateway.',
      cause:
        'cloudflared cannot reach the proxy: the proxy is down or --url is wrong. {source} counted {errors} ' +
        'request errors and {badGateway} responses 502 out of {total} requests to {url}.',
      fix:
        "Check that the proxy runs (docker compose ps; its log says why it exited), that cloudflared's --url is " +
        "http://localhost:<listen_addr port>, and that cloudflared shares the proxy's network namespace.",
    },
    'request-errors': {
      severity: 'warn',
      meaning: 'Some requests through cloudflared failed on the way to the proxy, without 502s.',
      symptom: 'Some MCP requests through the tunnel fail or end abruptly.',
      cause:
        '{source} counted {errors} request errors out of {total} requests to {url}, and no 502: connections ' +
        'to the proxy broke after they were made (the proxy restarting, or the caller going away).',
      fix: "Read the proxy's log and cloudflared's around those requests (docker compose logs); see proxy-unreachable.",
    },
  },
  run(facts, report) {
    const m = facts.live.metrics;
    const values = m.metrics.value;
    if (!values)
      return report.skip(`${metricsSource(m)} gave no readable /metrics: ${m.metrics.detail ?? 'no detail'}`);
    const url = argvFlag(cloudflaredContainer(facts)?.argv ?? [], ['url']) ?? 'its --url';
    const total = values.totalRequests ?? 0;
    const errors = values.requestErrors ?? 0;
    const badGateway = values.responsesByCode['502'] ?? 0;
    const data = { source: metricsSource(m), url, total, errors, badGateway };
    const evidence = {
      totalRequests: total,
      requestErrors: errors,
      responsesByCode: values.responsesByCode,
      from: m.from,
    };
    if (badGateway > 0) report('origin-unreachable', data, null, { evidence });
    else if (errors > 0) report('request-errors', data, null, { evidence });
    else if (total === 0) report('no-requests', data, null, { evidence });
    else report('requests-served', data, null, { evidence });
  },
});
