// A pass means it was verified: what a check could not verify is said in the default human output
// and in JSON, and two sources that disagree with neither known right are reported as a disagreement.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** compose-healthy without data/tunnel-domain (every Helm deployment is like that), config edited. */
function deployment(edit: (config: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-claims-'));
  dirs.push(dir);
  cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
  rmSync(join(dir, 'data', 'tunnel-domain'));
  const path = join(dir, 'config', 'mcp-proxy.yaml');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

type Result = {
  id: string;
  status: string;
  reason: string | null;
  findings: { messageId: string; symptom: string; fix: string }[];
};
const resultOf = (stdout: string, id: string): Result => JSON.parse(stdout).results.find((r: Result) => r.id === id);

describe('doctor: no pass claims more than was checked', () => {
  it('a typo in tunnel_domain with the assigned domain unknown: a disagreement, not "re-issue the certificate"', async () => {
    const dir = deployment((c) =>
      c.replace('tunnel_domain: ${TUNNEL_DOMAIN}', 'tunnel_domain: abcd1243.tunnel.example.com'),
    );
    const json = await runInProcess(['doctor', '--offline', '--dir', dir, '--json']);
    expect(json.code).toBe(1);
    const san = resultOf(json.stdout, 'certificate-san');
    expect(san.status).toBe('fail');
    expect(san.findings.map((f) => f.messageId)).toEqual(['domain-disagreement']);
    const [disagreement] = san.findings;
    expect(present(disagreement).symptom).toContain('"abcd1243.tunnel.example.com"');
    expect(present(disagreement).symptom).toContain('"abcd1234.tunnel.example.com"');
    expect(present(disagreement).fix).toMatch(/--tunnel-domain/);
    const domain = resultOf(json.stdout, 'tunnel-domain');
    expect(domain.status).toBe('pass');
    expect(domain.reason).toMatch(
      /^not checked: tunnel_domain "abcd1243.tunnel.example.com" against the tunnel's assigned domain, which is unknown/,
    );

    const human = await runInProcess(['doctor', '--offline', '--dir', dir]);
    expect(human.stdout).toMatch(/✔ pass +tunnel-domain .*\n +not checked: tunnel_domain "abcd1243/);
    expect(human.stdout).toContain('one of them is wrong');
  });

  it('hostname upstreams offline: upstream-ip says which it did not resolve, in the default output and in JSON', async () => {
    const dir = deployment((c) => c.replace('wiki: http://172.20.1.7:3000', 'wiki: http://wiki:3000'));
    const json = await runInProcess(['doctor', '--offline', '--dir', dir, '--json']);
    const ip = resultOf(json.stdout, 'upstream-ip');
    expect(ip.status).toBe('pass');
    expect(ip.reason).toBe(
      'not checked: the addresses of wiki (wiki): resolving them needs DNS (run without --offline)',
    );
    const human = await runInProcess(['doctor', '--offline', '--dir', dir]);
    expect(human.stdout).toMatch(/✔ pass +upstream-ip .*\n +not checked: the addresses of wiki \(wiki\)/);
  });

  it('the verdict of a run without failures counts the passes that have parts not checked', async () => {
    const dir = deployment((c) => c.replace('wiki: http://172.20.1.7:3000', 'wiki: http://wiki:3000'));
    const report = JSON.parse(
      (await runInProcess(['doctor', '--offline', '--dir', dir, '--json', '--skip', 'tls'])).stdout,
    );
    const partial = report.results.filter((r: Result) => r.status === 'pass' && r.reason?.startsWith('not checked:'));
    expect(partial.length).toBeGreaterThanOrEqual(2);
    expect(report.verdict.status).toBe('pass');
    expect(report.verdict.summary).toContain(`(${partial.length} of them with parts not checked`);
  });

  it('an unparsable proxy config: certificate-san skips instead of passing on no routes', async () => {
    const dir = deployment(() => 'routes: [wiki: http://wiki:80\n');
    const san = resultOf(
      (await runInProcess(['doctor', '--offline', '--dir', dir, '--json'])).stdout,
      'certificate-san',
    );
    expect(san.status).toBe('skip');
    expect(san.reason).toMatch(/so its routes cannot be told/);
  });
});
