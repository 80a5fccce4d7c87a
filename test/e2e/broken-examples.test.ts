// Every broken example deployment fails exactly the checks its expect.json names, and no other.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';

const broken = readdirSync(FIXTURES).filter((d) => d.startsWith('broken-') || d.startsWith('helm-broken-'));

describe('broken example deployments', () => {
  it('there are broken examples for Compose and Helm', () => {
    expect(broken.filter((d) => d.startsWith('broken-')).length).toBeGreaterThanOrEqual(10);
    expect(broken.filter((d) => d.startsWith('helm-broken-')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(broken)('%s fails exactly the expected checks, with exit 1', async (name) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expect.json'), 'utf8')) as { fail: string[] };
    const r = await runInProcess(['doctor', '--offline', '--json', '--dir', join(FIXTURES, name)]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    const failing = report.results
      .filter((x: { status: string }) => x.status === 'fail' || x.status === 'error')
      .map((x: { id: string }) => x.id);
    expect(failing).toEqual(expected.fail);
    expect(r.code).toBe(1);
    expect(report.verdict.id).toBe(expected.fail[0]);
    for (const id of expected.fail) {
      const result = report.results.find((x: { id: string }) => x.id === id);
      const errors = result.findings.filter((f: { severity: string }) => f.severity === 'error');
      expect(errors.length).toBeGreaterThan(0);
      for (const f of errors) for (const k of ['symptom', 'cause', 'fix']) expect(f[k].length).toBeGreaterThan(10);
    }
  });
});
