// The probe planner: the live fact groups named by the selected checks, nothing with --offline.

import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import type { Check } from '../../src/core/check.js';
import { planProbes } from '../../src/core/probe-plan.js';

const all = { only: [], skip: [] };
const plan = (only: string[], skip: string[] = [], checks: readonly Check[] = CHECKS) => [
  ...planProbes(checks, { only, skip }, false),
];

describe('planProbes', () => {
  it('plans nothing for static checks and nothing at all with --offline', () => {
    expect(plan(['tunnel-token'])).toEqual([]);
    expect(plan(['proxy-config', 'certificate-san', 'helm-values'])).toEqual([]);
    expect([...planProbes(CHECKS, all, true)]).toEqual([]);
  });

  it('plans what a defineCheck check declares, and only that', () => {
    expect(plan(['edge-udp'])).toEqual(['live.edge']);
  });

  it('plans exactly the live facts a check requires or uses', () => {
    const check: Check = {
      id: 'inner-tls',
      requires: ['live.proxy'],
      uses: ['live.upstreams', 'compose'],
      messages: {},
      evaluate: () => ({ status: 'pass', reason: null, findings: [] }),
    };
    expect(plan(['inner-tls'], [], [check])).toEqual(['live.proxy', 'live.upstreams']);
    expect(plan(['edge'], [], [check])).toEqual([]);
  });

  it('every live group is planned by some check of a full run', () => {
    expect(plan([]).sort()).toEqual([
      'live.caRegistration',
      'live.containerLogs',
      'live.edge',
      'live.mcp',
      'live.metrics',
      'live.oauthChain',
      'live.oauthMetadata',
      'live.proxy',
      'live.resourceMetadata',
      'live.runtime',
      'live.upstreams',
    ]);
    expect(plan(['inner-tls', 'listener-protocol'])).toEqual(['live.proxy']);
  });

  it('static checks that read a live fact when there is one plan its group', () => {
    expect(plan(['ca-registration'])).toEqual(['live.caRegistration']);
    expect(plan(['oauth'])).toEqual(['live.oauthMetadata', 'live.resourceMetadata', 'live.oauthChain']);
    expect(plan(['mcp-handshake'])).toEqual(['live.mcp']);
  });

  it('--skip prunes: skipping every layer with live checks leaves nothing', () => {
    expect(plan([], ['edge', 'tls', 'routing', 'oauth'])).toEqual([]);
    expect(plan(['edge'], ['edge-dns', 'edge-tcp'])).toEqual([
      'live.edge',
      'live.runtime',
      'live.metrics',
      'live.containerLogs',
    ]);
    expect(plan(['tunnel-connections', 'tunnel-transport', 'origin-errors'])).toEqual([
      'live.edge',
      'live.runtime',
      'live.metrics',
      'live.containerLogs',
    ]);
  });
});
