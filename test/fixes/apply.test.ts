// Applying repairs safely: a backup before every edit (with the original content and mode), the
// file replaced atomically with its mode kept, refusal when a file changed after it was read,
// nothing written without --yes, and nothing at all when there is nothing to repair.

import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFix } from '../../src/commands/fix.js';
import { applyPlans } from '../../src/fixes/apply.js';
import { planFixes } from '../../src/fixes/index.js';
import { readSources } from '../../src/fixes/sources.js';
import { check, copyDeployment, gather, sink, statusOf } from './helpers.js';
import { present } from '../helpers/present.js';

const config = (dir: string) => join(dir, 'config', 'mcp-proxy.yaml');

/** Every file under a directory with its content and mode. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const st = lstatSync(join(dir, f));
    if (st.isFile()) out[f] = `${(st.mode & 0o7777).toString(8)} ${readFileSync(join(dir, f), 'utf8')}`;
  }
  return out;
}

function plan(dir: string) {
  const facts = gather(dir);
  const results = check(facts);
  const { sources, stale } = readSources(facts);
  return { facts, results, stale, report: planFixes(facts, results, sources) };
}

describe('apply', () => {
  it("writes <file>.bak with the original content and mode first, and keeps the file's mode", () => {
    const dir = copyDeployment('broken-routes-list');
    chmodSync(config(dir), 0o640);
    const original = readFileSync(config(dir), 'utf8');
    const { report } = plan(dir);
    expect(report.plans).toHaveLength(1);
    const r = present(applyPlans(report.plans, dir)[0]);
    expect(r).toMatchObject({ status: 'applied', backup: `${config(dir)}.bak` });
    expect(readFileSync(`${config(dir)}.bak`, 'utf8')).toBe(original);
    expect(statSync(`${config(dir)}.bak`).mode & 0o7777).toBe(0o640);
    expect(statSync(config(dir)).mode & 0o7777).toBe(0o640);
    const edit = present(report.plans[0]);
    expect(readFileSync(config(dir), 'utf8')).toBe(edit.kind === 'edit' ? edit.after : '');
    // No temporary file is left behind.
    expect(readdirSync(join(dir, 'config')).sort()).toEqual(['mcp-proxy.yaml', 'mcp-proxy.yaml.bak']);
  });

  it('never overwrites an earlier backup: .bak.1, .bak.2, ...', () => {
    const dir = copyDeployment('broken-routes-list');
    writeFileSync(`${config(dir)}.bak`, 'an older backup\n');
    writeFileSync(`${config(dir)}.bak.1`, 'another one\n');
    const r = present(applyPlans(plan(dir).report.plans, dir)[0]);
    expect(r.backup).toBe(`${config(dir)}.bak.2`);
    expect(readFileSync(`${config(dir)}.bak`, 'utf8')).toBe('an older backup\n');
    expect(readFileSync(`${config(dir)}.bak.1`, 'utf8')).toBe('another one\n');
  });

  it('refuses to write a file that changed after planning, and leaves it (and no backup) alone', () => {
    const dir = copyDeployment('broken-routes-list');
    const { report } = plan(dir);
    const edited = `${readFileSync(config(dir), 'utf8')}# edited by someone else\n`;
    writeFileSync(config(dir), edited);
    const r = present(applyPlans(report.plans, dir)[0]);
    expect(r.status).toBe('conflict');
    expect(r.message).toContain('changed since it was checked');
    expect(readFileSync(config(dir), 'utf8')).toBe(edited);
    expect(readdirSync(join(dir, 'config'))).toEqual(['mcp-proxy.yaml']);
  });

  it('plans nothing on a file that changed after the checks read it, and says so', async () => {
    const dir = copyDeployment('broken-routes-list');
    const facts = gather(dir);
    const results = check(facts);
    writeFileSync(config(dir), readFileSync(config(dir), 'utf8').replace('info', 'debug'));
    const s = sink();
    const summary = await runFix(facts, results, { yes: true, color: false }, s.io);
    expect(summary.planned).toBe(0);
    expect(s.out()).toContain('config/mcp-proxy.yaml changed after the checks read it');
    expect(readdirSync(join(dir, 'config'))).toEqual(['mcp-proxy.yaml']);
  });

  it('refuses a chmod when the mode changed in between', () => {
    const dir = copyDeployment('compose-healthy');
    const key = join(dir, 'data', 'tls.key');
    chmodSync(key, 0o600);
    const { report } = plan(dir);
    expect(report.plans.map((p) => p.kind)).toEqual(['chmod']);
    chmodSync(key, 0o400);
    const r = present(applyPlans(report.plans, dir)[0]);
    expect(r.status).toBe('conflict');
    expect(statSync(key).mode & 0o7777).toBe(0o400);
  });

  it('keeps a UTF-8 BOM and CRLF line endings', () => {
    const dir = copyDeployment('broken-routes-list');
    const crlf = readFileSync(config(dir), 'utf8').replace(/\n/g, '\r\n');
    writeFileSync(config(dir), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf)]));
    const { report } = plan(dir);
    const r = present(applyPlans(report.plans, dir)[0]);
    expect(r.status).toBe('applied');
    const bytes = readFileSync(config(dir));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toContain('routes:\r\n  mcp: http://10.20.0.15:8080\r\n  auth: http://192.168.10.4:9000\r\n');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(statusOf(check(gather(dir)))['proxy-config']).toBe('pass');
  });

  it('refuses a symbolic link even inside the deployment, and says why (links are never followed)', () => {
    const dir = copyDeployment('broken-routes-list');
    renameSync(config(dir), join(dir, 'real-config.yaml'));
    symlinkSync('../real-config.yaml', config(dir));
    const before = snapshot(dir);
    const r = present(applyPlans(plan(dir).report.plans, dir)[0]);
    expect(r.status).toBe('refused');
    expect(r.message).toContain('is a symbolic link: not changed');
    expect(lstatSync(config(dir)).isSymbolicLink()).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('runFix', () => {
  it('without yes shows the diff and changes nothing', async () => {
    const dir = copyDeployment('broken-routes-list');
    const before = snapshot(dir);
    const facts = gather(dir);
    const s = sink();
    const summary = await runFix(facts, check(facts), { yes: false, color: false }, s.io);
    expect(summary).toEqual({ applied: 0, planned: 1, notApplied: 0, manual: 0 });
    expect(snapshot(dir)).toEqual(before);
    const out = s.out();
    expect(out).toContain('1. proxy-config (routes-is-list): write routes as a map');
    expect(out).toContain('--- a/config/mcp-proxy.yaml\n');
    expect(out).toContain('+++ b/config/mcp-proxy.yaml\n');
    expect(out).toMatch(/@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(out).toContain('-  - mcp: http://10.20.0.15:8080');
    expect(out).toContain('+  mcp: http://10.20.0.15:8080');
    expect(out).toContain('Nothing was changed. Run again with --yes');
    expect(out).not.toContain('\u001b[');
  });

  it('colours the diff only when asked', async () => {
    const dir = copyDeployment('broken-routes-list');
    const facts = gather(dir);
    const s = sink();
    await runFix(facts, check(facts), { yes: false, color: true }, s.io);
    expect(s.out()).toMatch(/\u001b\[\d+m\+ {2}mcp:/);
  });

  it('is a no-op when nothing needs repair', async () => {
    for (const name of ['compose-healthy', 'compose-gateway-healthy', 'helm-healthy']) {
      const dir = copyDeployment(name);
      const before = snapshot(dir);
      const facts = gather(dir);
      const results = check(facts);
      const s = sink();
      const summary = await runFix(facts, results, { yes: true, color: false }, s.io);
      expect(summary).toEqual({ applied: 0, planned: 0, notApplied: 0, manual: 0 });
      expect(s.out()).toBe('Nothing to repair: no check reported a problem.\n');
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('reports a refusal in the output and counts it', async () => {
    const dir = copyDeployment('broken-routes-list');
    const facts = gather(dir);
    const results = check(facts);
    // Change the file after runFix reads it: between planning and applying.
    const s = sink();
    let changed = false;
    const io = {
      stdout: (t: string) => {
        s.io.stdout(t);
        if (!changed) {
          writeFileSync(config(dir), `${readFileSync(config(dir), 'utf8')}# late edit\n`);
          changed = true;
        }
      },
      stderr: s.io.stderr,
    };
    const summary = await runFix(facts, results, { yes: true, color: false }, io);
    expect(summary).toMatchObject({ planned: 1, applied: 0, notApplied: 1 });
    expect(s.out()).toMatch(/✖ conflict: write routes as a map[^\n]*changed since it was checked/);
  });
});
