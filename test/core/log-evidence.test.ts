// Log lines from the containers join the report: under the check with the same ID, or as a
// result of its own for a log-only ID, in catalog order, with the container and line cited.

import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/catalog.js';
import { foldContainerLogs } from '../../src/core/log-evidence.js';
import type { ContainerLogMatch } from '../../src/core/runtime-facts.js';
import type { CheckResult } from '../../src/core/types.js';
import { first } from '../helpers/present.js';

function result(id: string, status: CheckResult['status'], reason: string | null = null): CheckResult {
  const entry = first(CATALOG.filter((e) => e.id === id));
  return { id, layer: entry.layer, title: entry.title, status, durationMs: 1, reason, findings: [] };
}

function match(
  id: string,
  severity: ContainerLogMatch['severity'],
  over: Partial<ContainerLogMatch> = {},
): ContainerLogMatch {
  return {
    id,
    signature: `${id}-line`,
    severity,
    count: 3,
    container: 'deploy_cloudflared_1',
    service: 'cloudflared',
    firstLine: 12,
    lastLine: 40,
    firstTime: '2026-12-02T10:00:00Z',
    lastTime: '2026-12-02T10:01:00Z',
    example: 'ERR Unable to reach the origin service',
    symptom: 's',
    cause: 'the proxy is down.',
    fix: 'start it',
    detail: null,
    ...over,
  };
}

const doctorResults = (): CheckResult[] => [
  result('tunnel-token', 'pass'),
  result('edge-tcp', 'pass'),
  result('private-key', 'skip', 'needs the private key: none was found'),
  result('proxy-config', 'pass'),
];

describe('foldContainerLogs', () => {
  it('changes nothing without matches', () => {
    expect(foldContainerLogs(doctorResults(), [])).toEqual(doctorResults());
  });

  it('makes a log-only ID a result of its own, in catalog order, citing the container and lines', () => {
    const folded = foldContainerLogs(doctorResults(), [match('proxy-unreachable', 'error')]);
    const ids = folded.map((r) => r.id);
    expect(ids).toEqual(['tunnel-token', 'edge-tcp', 'proxy-unreachable', 'private-key', 'proxy-config']);
    const seen = first(folded.filter((r) => r.id === 'proxy-unreachable'));
    expect(seen.status).toBe('fail');
    expect(seen.findings[0]?.messageId).toBe('proxy-unreachable-line');
    expect(seen.findings[0]?.evidence?.source).toBe('log of container deploy_cloudflared_1');
    expect(seen.sources).toEqual([
      { kind: 'log', where: 'deploy_cloudflared_1 (service cloudflared), 3 lines, lines 12-40' },
    ]);
  });

  it('an error line fails a passing check, a warning only warns, and an info line changes no status', () => {
    const folded = foldContainerLogs(doctorResults(), [
      match('edge-tcp', 'warn'),
      match('tunnel-token', 'error'),
      match('proxy-config', 'info'),
    ]);
    const status = Object.fromEntries(folded.map((r) => [r.id, r.status]));
    expect(status).toMatchObject({ 'tunnel-token': 'fail', 'edge-tcp': 'warn', 'proxy-config': 'pass' });
    expect(first(folded.filter((r) => r.id === 'proxy-config')).findings).toHaveLength(1);
  });

  it('a skipped check that the log proves broken fails, without the skip reason', () => {
    const folded = foldContainerLogs(doctorResults(), [
      match('private-key', 'error', { signature: 'key-permission-denied' }),
    ]);
    const key = first(folded.filter((r) => r.id === 'private-key'));
    expect(key.status).toBe('fail');
    expect(key.reason).toBeNull();
  });

  it('an info line does not turn a skip into a pass', () => {
    const folded = foldContainerLogs(doctorResults(), [match('private-key', 'info')]);
    expect(first(folded.filter((r) => r.id === 'private-key')).status).toBe('skip');
  });
});
