// Which log lines a bundle keeps: --since keeps the lines newer than the duration; --record
// follows the logs while the failure is reproduced and keeps the lines whose time falls inside
// the window (lines written before it, or stamped outside it, are left out).

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES } from '../helpers/exec.js';
import { extract } from './archive.js';

const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bundle-window-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HEALTHY = join(FIXTURES, 'compose-healthy');

const refused = (at: Date) =>
  `${at.toISOString().replace(/\.\d+Z$/, 'Z')} ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13`;

/** The log matcher's report and the manifest inside a bundle. */
function contents(archive: string, name: string): { logs: any; manifest: any } {
  const files = extract(archive, join(root, `${name}-x`));
  return {
    logs: JSON.parse(files.get('logs.json')!.toString('utf8')),
    manifest: JSON.parse(files.get('manifest.json')!.toString('utf8')),
  };
}

const countOf = (logs: any) =>
  logs.files.matches
    .filter((m: { id: string }) => m.id === 'tunnel-token')
    .reduce((n: number, m: { count: number }) => n + m.count, 0);

describe('bundle log window', () => {
  it('--since keeps only the lines newer than the duration', async () => {
    const log = join(root, 'since.log');
    const now = Date.now();
    const lines = [refused(new Date(now - 3 * 3600_000)), refused(new Date(now - 2 * 3600_000))];
    lines.push(
      refused(new Date(now - 10 * 60_000)),
      refused(new Date(now - 5 * 60_000)),
      refused(new Date(now - 60_000)),
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const archive = join(root, 'since.tar.gz');
    const r = await runInProcess([
      'bundle',
      '--offline',
      '--dir',
      HEALTHY,
      '--logs',
      log,
      '--since',
      '1h',
      '--out',
      archive,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { logs, manifest } = contents(archive, 'since');
    expect(logs.files.linesRead).toBe(5);
    expect(countOf(logs)).toBe(3);
    expect(Date.parse(manifest.since)).toBeGreaterThan(now - 3600_000 - 60_000);
  });

  it('--record DURATION keeps the lines stamped inside the window, appended while it runs', async () => {
    const log = join(root, 'record.log');
    const before = new Date(Date.now() - 3600_000);
    writeFileSync(log, `${refused(before)}\n${refused(before)}\n`);
    const archive = join(root, 'record.tar.gz');
    const run = runInProcess([
      'bundle',
      '--offline',
      '--dir',
      HEALTHY,
      '--logs',
      log,
      '--record',
      '2s',
      '--out',
      archive,
    ]);
    await new Promise((r) => setTimeout(r, 600));
    appendFileSync(log, `${refused(new Date())}\n${refused(new Date())}\n${refused(new Date())}\n`);
    // Stamped long after the window ends: written now, but not part of the reproduction.
    appendFileSync(log, `${refused(new Date(Date.now() + 3600_000))}\n`);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('recording; reproduce the failure now');
    const { logs, manifest } = contents(archive, 'record');
    expect(logs.files.linesRead).toBe(6);
    expect(countOf(logs)).toBe(3);
    const window = manifest.window;
    expect(Date.parse(window.end) - Date.parse(window.start)).toBeGreaterThanOrEqual(1900);
  });

  it('--record ties the lines of two logs by the ray and request IDs both carry', async () => {
    const cloudflared = join(root, 'cloudflared.log');
    const proxy = join(root, 'proxy.log');
    // Before the window: the same ray ID, which must not count.
    writeFileSync(cloudflared, `${refused(new Date())} cfRay=00000000000000aa-AMS\n`);
    writeFileSync(proxy, '');
    const archive = join(root, 'correlate.tar.gz');
    const args = ['--logs', cloudflared, proxy, '--record', '1500ms', '--out', archive];
    const run = runInProcess(['bundle', '--offline', '--dir', HEALTHY, ...args]);
    await new Promise((r) => setTimeout(r, 400));
    const t = new Date().toISOString();
    appendFileSync(
      cloudflared,
      `${t} DBG Request Headers map[Accept:[application/json] Cf-Ray:[8f3a2b1c4d5e6f70-AMS]] connIndex=1\n` +
        `${t} ERR error="Incoming request ended abruptly: context canceled" cfRay=00000000000000aa-AMS\n` +
        `${t} DBG Upstream request cfRay=1111111111111111-FRA\n`,
    );
    appendFileSync(
      proxy,
      `{"time":"${t}","level":"INFO","msg":"request started","cf-ray":"8f3a2b1c4d5e6f70-AMS","request_id":"a1b2c3d4e5f60718"}\n` +
        `{"time":"${t}","level":"ERROR","msg":"upstream dial failed","cf-ray":"00000000000000aa-AMS"}\n`,
    );
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const { logs } = contents(archive, 'correlate');
    const ids = Object.fromEntries(logs.correlated.map((c: { id: string; lines: unknown }) => [c.id, c.lines]));
    expect(ids).toEqual({
      '8f3a2b1c4d5e6f70': { [cloudflared]: 1, [proxy]: 1 },
      '00000000000000aa': { [cloudflared]: 1, [proxy]: 1 },
    });
  });

  it('--record ends at once, with the reason, when a log cannot be opened', async () => {
    const started = performance.now();
    const args = ['--logs', join(root, 'no-such.log'), '--record', '30s'];
    const r = await runInProcess([
      'bundle',
      '--offline',
      '--dir',
      HEALTHY,
      ...args,
      '--out',
      join(root, 'none.tar.gz'),
    ]);
    expect(r.stderr).toContain('no-such.log');
    expect(r.code).toBe(2);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('--record DURATION without logs still waits for the window', async () => {
    const started = performance.now();
    const archive = join(root, 'nologs.tar.gz');
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--record', '800ms', '--out', archive]);
    expect(r.code, r.stderr).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(790);
    const { manifest } = contents(archive, 'nologs');
    expect(Date.parse(manifest.window.end) - Date.parse(manifest.window.start)).toBeGreaterThanOrEqual(790);
  });

  it('--record without a duration needs a terminal to press Enter on', async () => {
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--record']);
    expect(r.stderr).toContain('--record waits for Enter, but stdin is not a terminal');
    expect(r.code).toBe(2);
  });

  it('refuses a duration it cannot read', async () => {
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--since', 'yesterday']);
    expect(r.stderr).toContain('--since yesterday: expected a duration');
    expect(r.code).toBe(2);
  });
});
