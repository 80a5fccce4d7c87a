import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { runLogs } from '../../src/commands/logs.js';
import { toolVersion } from '../../src/core/version.js';
import { fakeIO, options, runJson } from './helpers.js';
import { present } from '../helpers/present.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'logs');
const fixture = (name: string) => join(FIX, name);
const TOKEN =
  'eyJhIjoiMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiLCJ0IjoiMTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1IiwicyI6IlptRnJaUzF6WldOeVpYUXRabTl5TFdacGVIUjFjbVZ6TFc5dWJIa2hJU0U9In0=';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-logs-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const until = async (cond: () => boolean, ms = 5000) => {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('runLogs: inputs', () => {
  it('reads named files, one after the other, with line numbers per file', async () => {
    const { code, report } = await runJson([fixture('compose-v2.log'), fixture('journald.log')]);
    expect(code).toBe(1);
    expect(report.sources.map((s) => s.name)).toEqual([fixture('compose-v2.log'), fixture('journald.log')]);
    expect(report.linesRead).toBe(16 + 9);
    const tcp = report.matches.find((m) => m.signature === 'edge-tcp-dial');
    expect(tcp).toMatchObject({ firstLine: 5, firstSource: fixture('journald.log') });
  });

  it('reads gzip by its magic bytes, whatever the name', async () => {
    const plain = readFileSync(fixture('compose-v2.log'));
    const file = join(dir, 'logs.txt');
    writeFileSync(file, gzipSync(plain));
    const { report } = await runJson([file]);
    const { report: direct } = await runJson([fixture('compose-v2.log')]);
    expect(present(report.sources[0]).gzip).toBe(true);
    expect(report.linesRead).toBe(direct.linesRead);
    expect(report.matches.map((m) => [m.signature, m.count])).toEqual(
      direct.matches.map((m) => [m.signature, m.count]),
    );
  });

  it('reports a damaged gzip stream but keeps what it read', async () => {
    const gz = gzipSync(readFileSync(fixture('compose-v2.log')));
    const file = join(dir, 'cut.gz');
    writeFileSync(file, gz.subarray(0, gz.length - 30));
    const { report, io } = await runJson([file]);
    expect(present(report.sources[0]).problem).toMatch(/gzip/);
    expect(io.stderrText()).toMatch(/gzip stream is damaged or cut short/);
  });

  it('reads stdin when no file is named, and for "-"', async () => {
    const text = readFileSync(fixture('cloudflared-token.log'));
    for (const files of [[], ['-']]) {
      const { code, report } = await runJson(files, fakeIO(Readable.from([text.subarray(0, 100), text.subarray(100)])));
      expect(code).toBe(1);
      expect(present(report.sources[0]).name).toBe('stdin');
      expect(report.matches.map((m) => m.id)).toContain('tunnel-token');
    }
  });

  it('reads gzip on stdin', async () => {
    const gz = gzipSync(readFileSync(fixture('precheck-table.log')));
    const { report } = await runJson(['-'], fakeIO(Readable.from([gz.subarray(0, 10), gz.subarray(10)])));
    expect(present(report.sources[0]).gzip).toBe(true);
    expect(report.matches[0]).toMatchObject({ id: 'edge-udp', signature: 'precheck-udp-fail' });
  });

  it('prints a hint and exits 2 when stdin is a terminal and no file is named', async () => {
    for (const files of [[], ['-']]) {
      const io = fakeIO(Readable.from([]), true);
      expect(await runLogs(options({ files }), io)).toBe(2);
      expect(io.stderrText()).toMatch(/docker compose logs/);
      expect(io.stdoutText()).toBe('');
    }
  });

  it('exits 2 with a clear message for a named file it cannot read', async () => {
    const io = fakeIO();
    expect(await runLogs(options({ files: [fixture('healthy.log'), join(dir, 'nope.log')] }), io)).toBe(2);
    expect(io.stderrText()).toContain(`cannot read ${join(dir, 'nope.log')}: no such file`);
    expect(io.stdoutText()).toBe('');
    const io2 = fakeIO();
    expect(await runLogs(options({ files: [dir] }), io2)).toBe(2);
    expect(io2.stderrText()).toMatch(/is a directory/);
  });

  it('survives a binary file', async () => {
    const bin = Buffer.alloc(300_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 2654435761) >>> 24;
    const file = join(dir, 'core.bin');
    writeFileSync(
      file,
      Buffer.concat([bin, Buffer.from('\n2026-03-02T08:00:00Z ERR Provided Tunnel token is not valid.\n')]),
    );
    const { code, report, io } = await runJson([file]);
    expect(code).toBe(1);
    expect(report.matches.map((m) => m.signature)).toContain('token-not-valid');
    expect(io.stderrText()).toMatch(/looks binary/);
    expect(JSON.stringify(report)).not.toMatch(/[\u0000-\u0008]/);
  });

  it('cuts a huge line, counts it, and goes on', async () => {
    const file = join(dir, 'huge.log');
    const huge = `2026-03-02T08:00:00Z ERR Provided Tunnel token is not valid. ${'A'.repeat(3 * 1024 * 1024)}`;
    writeFileSync(file, `${huge}\n2026-03-02T08:00:01Z INF Registered tunnel connection connIndex=0 protocol=quic\n`);
    const { report } = await runJson([file], fakeIO(), { maxLineBytes: 4096 });
    expect(report.linesRead).toBe(2);
    expect(report.cutLines).toBe(1);
    expect(report.matches[0]).toMatchObject({ signature: 'token-not-valid', firstLine: 1 });
    expect(present(report.matches[0]).example.length).toBeLessThan(2100);
    expect(report.healthy[0]).toMatchObject({ signature: 'connection-registered', firstLine: 2 });
  });

  it('survives invalid UTF-8', async () => {
    const file = join(dir, 'latin1.log');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('2026-03-02T08:00:00Z ERR Unable to reach the origin service caf'),
        Buffer.from([0xe9, 0xff]),
        Buffer.from(' x\n'),
      ]),
    );
    const { report } = await runJson([file]);
    expect(report.matches[0]).toMatchObject({ signature: 'origin-unreachable' });
    expect(present(report.matches[0]).example).toContain('caf\ufffd\ufffd');
  });
});

describe('runLogs: output', () => {
  it('follows the design schema exactly in --json', async () => {
    const { report } = await runJson([fixture('cloudflared-console.log')]);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'tool',
        'command',
        'linesRead',
        'bytesRead',
        'durationMs',
        'verdict',
        'matches',
        'unmatched',
      ]),
    );
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'mcp-tunnel', version: toolVersion() },
      command: 'logs',
    });
    expect(report.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(report.verdict).sort()).toEqual(['id', 'layer', 'status', 'summary']);
    for (const m of report.matches) {
      for (const k of [
        'id',
        'signature',
        'layer',
        'severity',
        'count',
        'firstLine',
        'lastLine',
        'firstTime',
        'lastTime',
        'example',
        'symptom',
        'cause',
        'fix',
      ])
        expect(m).toHaveProperty(k);
    }
    expect(report.unmatched).toMatchObject({ errorLines: 0, examples: [] });
  });

  it('orders matches by layer (catalog order) and names the first failing layer', async () => {
    const { report } = await runJson([fixture('compose-v2.log'), fixture('cloudflared-logfile.log')]);
    const layers = report.matches.map((m) => m.layer);
    expect(layers).toEqual(
      [...layers].sort(
        (a, b) =>
          ['edge', 'tls', 'routing', 'oauth', 'setup'].indexOf(a) -
          ['edge', 'tls', 'routing', 'oauth', 'setup'].indexOf(b),
      ),
    );
    expect(report.verdict).toMatchObject({ status: 'fail', layer: 'edge', id: 'edge-tcp' });
  });

  it('never prints a token from a matched or an unmatched line, in either format', async () => {
    const file = join(dir, 'secrets.log');
    writeFileSync(
      file,
      [
        `2026-03-02T08:00:00Z ERR Provided Tunnel token is not valid. TUNNEL_TOKEN=${TOKEN}`,
        `2026-03-02T08:00:01Z ERR something odd happened token=${TOKEN}`,
        `2026-03-02T08:00:02Z ERR Unable to reach the origin service: dial tcp https://admin:hunter2secret@10.0.0.1:443: i/o timeout key=sk-ant-api03-abcdefghijklmnop`,
      ].join('\n'),
    );
    for (const json of [true, false]) {
      const io = fakeIO();
      await runLogs(options({ files: [file], json, verbose: true }), io);
      const out = io.stdoutText() + io.stderrText();
      expect(out).not.toContain(TOKEN.slice(0, 30));
      expect(out).not.toContain('hunter2secret');
      expect(out).not.toContain('abcdefghijklmnop');
      expect(out).toContain('[REDACTED]');
    }
  });

  it('renders human output grouped by ID with example, symptom, cause, fix and the verdict', async () => {
    const io = fakeIO();
    const code = await runLogs(options({ files: [fixture('compose-v2.log')], json: false }), io);
    const out = io.stdoutText();
    expect(code).toBe(1);
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/Layer 3 · routing/);
    expect(out).toMatch(
      /upstream-ip .*\n\s+ip-validation-failed: 2 lines \(lines 12–13, 2026-03-02T12:01:11.020Z → 2026-03-02T12:01:40.020Z\)/,
    );
    expect(out).toMatch(/fix\s+Point the route at a private address/);
    expect(out).toMatch(/4 of 4 connections registered/);
    expect(out).toMatch(/Verdict: Layer tls fails first: ca-registration/);
    const colored = fakeIO();
    await runLogs(options({ files: [fixture('compose-v2.log')], json: false, color: true }), colored);
    expect(colored.stdoutText()).toContain('\x1b[');
  });

  it('lists error lines nothing matched, with up to 5 examples', async () => {
    const file = join(dir, 'unknown.log');
    writeFileSync(
      file,
      Array.from({ length: 8 }, (_, i) => `2026-03-02T08:00:0${i}Z ERR mysterious failure number ${i}`).join('\n'),
    );
    const { report } = await runJson([file]);
    expect(report.unmatched.errorLines).toBe(8);
    expect(report.unmatched.examples).toHaveLength(5);
    expect(report.verdict.status).toBe('pass');
    expect(report.verdict.summary).toMatch(/8 error lines matched no known signature/);
    const io = fakeIO();
    await runLogs(options({ files: [file], json: false }), io);
    expect(io.stdoutText()).toMatch(/Not recognised: 8 error lines/);
    expect(io.stdoutText()).toMatch(/and 3 more lines/);
  });
});

describe('runLogs: exit codes and --fail-on', () => {
  it('exits 0 on a healthy log whose only noise is harmless', async () => {
    const { code, report } = await runJson([fixture('healthy.log')]);
    expect(code).toBe(0);
    expect(report.verdict.status).toBe('pass');
    expect(report.matches.every((m) => m.severity === 'info' && m.harmless)).toBe(true);
    expect(report.harmless.map((h) => h.signature).sort()).toEqual([
      'icmp-proxy-disabled',
      'request-canceled',
      'udp-receive-buffer',
    ]);
  });

  it('exits 0 on warnings only, 1 with --fail-on warn', async () => {
    const file = join(dir, 'warn.log');
    writeFileSync(
      file,
      '2026-03-02T08:00:00Z ERR Failed to serve quic connection error="timeout: no recent network activity" connIndex=1\n',
    );
    expect((await runJson([file])).code).toBe(0);
    expect((await runJson([file], fakeIO(), { failOn: 'warn' })).code).toBe(1);
  });

  it('exits 1 on an error finding', async () => {
    expect((await runJson([fixture('kubectl-prefix.log')])).code).toBe(1);
  });
});

describe('runLogs --follow', () => {
  it('prints findings from a growing file as they appear, then the summary when stopped', async () => {
    const file = join(dir, 'growing.log');
    writeFileSync(file, '2026-03-02T08:00:00Z INF Starting tunnel\n');
    const io = fakeIO();
    const ac = new AbortController();
    const done = runLogs(options({ files: [file], json: false, follow: true, signal: ac.signal }), io);
    await new Promise((r) => setTimeout(r, 300));
    expect(io.stdoutText()).toBe('');
    appendFileSync(
      file,
      '2026-03-02T08:00:05Z ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=0 event=0 ip=198.41.192.7\n',
    );
    await until(() => io.stdoutText().includes('quic-dial-timeout'));
    // A partial line waits for its newline.
    appendFileSync(file, '2026-03-02T08:00:06Z INF Registered tunnel connection connIndex=0 protocol=http2');
    await new Promise((r) => setTimeout(r, 400));
    expect(io.stdoutText()).not.toContain('connection-registered');
    appendFileSync(file, '\n');
    await until(() => io.stdoutText().includes('connection-registered'));
    ac.abort();
    const code = await done;
    const out = io.stdoutText();
    expect(out).toMatch(/Verdict: Layer edge has warnings first: edge-udp/);
    expect(code).toBe(0);
  });

  it('starts again from the top of a truncated file', async () => {
    const file = join(dir, 'truncated.log');
    writeFileSync(file, `${'2026-03-02T08:00:00Z INF filler line\n'.repeat(50)}`);
    const io = fakeIO();
    const ac = new AbortController();
    const done = runLogs(options({ files: [file], json: true, follow: true, signal: ac.signal }), io);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(file, '2026-03-02T08:00:09Z ERR Provided Tunnel token is not valid.\n');
    await until(() => io.stdoutText().includes('token-not-valid'));
    expect(io.stderrText()).toMatch(/truncated/);
    ac.abort();
    expect(await done).toBe(1);
    const lines = io
      .stdoutText()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'first-seen', kind: 'problem', match: { signature: 'token-not-valid' } });
    expect(lines[lines.length - 1]).toMatchObject({ command: 'logs', schemaVersion: 1 });
  });

  it('stops following a pipe that never ends when the signal aborts', async () => {
    const pipe = new PassThrough();
    const io = fakeIO(pipe);
    const ac = new AbortController();
    const done = runLogs(options({ files: [], json: false, follow: true, signal: ac.signal }), io);
    pipe.write('2026-03-02T08:00:00Z WRN No ingress rules were defined in provided config\n');
    await until(() => io.stdoutText().includes('no-ingress-rules'));
    ac.abort();
    expect(await done).toBe(1);
    expect(io.stdoutText()).toMatch(/Verdict: Layer edge fails first: cloudflared-ingress/);
  });

  it('follows a live pipe, printing each new finding as it arrives, and ends with the pipe', async () => {
    const pipe = new PassThrough();
    const io = fakeIO(pipe);
    const done = runLogs(options({ files: ['-'], json: true, follow: true }), io);
    pipe.write(
      'cloudflared-1  | 2026-03-02T08:00:00Z ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0\n',
    );
    await until(() => io.stdoutText().includes('edge-unauthorized'));
    pipe.write('mcp-proxy-1  | {"level":"ERROR","msg":"no route for host","host":"x.abcd.tunnel.example.com"}\n');
    await until(() => io.stdoutText().includes('no-route-for-host'));
    pipe.end();
    expect(await done).toBe(1);
    const last = JSON.parse(io.stdoutText().trim().split('\n').pop() as string);
    expect(last.matches.map((m: { signature: string }) => m.signature)).toEqual([
      'edge-unauthorized',
      'no-route-for-host',
    ]);
  });
});
