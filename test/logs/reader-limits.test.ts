// The logs reader's limits: a gzip that inflates far beyond any log (a "gzip bomb") is read only
// so far, and a FIFO with no writer is waited for out loud and given up on (without --follow),
// where it once hung silently in open().

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runLogs } from '../../src/commands/logs.js';
import type { LogsReport } from '../../src/logs/report.js';
import { GZIP_LIMITS } from '../../src/logs/reader.js';
import { fakeIO, options } from './helpers.js';
import { present } from '../helpers/present.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-reader-limits-'));
const saved = { ...GZIP_LIMITS };
afterEach(() => Object.assign(GZIP_LIMITS, saved));

describe('gzip inflation limits', () => {
  it('a gzip of newlines inflating 1000 times is cut at the ratio limit: a note, the source says so, exit 2', async () => {
    GZIP_LIMITS.freeBytes = 1024 * 1024; // the real 64 MiB takes seconds to read; the rule is the same
    const file = join(dir, 'bomb.gz');
    const inflated = 32 * 1024 * 1024;
    writeFileSync(file, gzipSync(Buffer.alloc(inflated, '\n')));
    const io = fakeIO();
    const started = Date.now();
    const code = await runLogs(options({ files: [file], json: true }), io);
    const report = JSON.parse(io.stdoutText()) as LogsReport;
    expect(present(report.sources[0]).problem).toMatch(
      /inflates to more than 200 times its compressed size \(a gzip bomb/,
    );
    expect(report.linesRead).toBeLessThan(inflated / 4);
    expect(io.stderrText()).toMatch(/gzip bomb/);
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(10000);
  });

  it('an ordinary gzip log is read whole', async () => {
    const file = join(dir, 'ok.gz');
    writeFileSync(
      file,
      gzipSync(
        Buffer.from('ERR failed to dial to edge with quic: timeout: no recent network activity\n'.repeat(20000)),
      ),
    );
    const io = fakeIO();
    const code = await runLogs(options({ files: [file], json: true }), io);
    const report = JSON.parse(io.stdoutText()) as LogsReport;
    expect(report.linesRead).toBe(20000);
    expect(present(report.sources[0]).problem).toBeUndefined();
    expect(code).toBe(1);
  });
});

describe('a FIFO as input', () => {
  it('no writer: says it waits, then gives up with exit 2 (it hung silently in open())', async () => {
    const fifo = join(dir, 'nowriter');
    execFileSync('mkfifo', [fifo]);
    const io = fakeIO();
    const started = Date.now();
    const code = await runLogs({ ...options({ files: [fifo], json: true }), fifoWaitMs: 600 }, io);
    expect(code).toBe(2);
    expect(io.stderrText()).toMatch(/is a FIFO: waiting for a writer \(at most 1 s\)/);
    expect(io.stderrText()).toMatch(/no writer opened it within 1 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a writer that comes while it waits is read', async () => {
    const fifo = join(dir, 'latewriter');
    execFileSync('mkfifo', [fifo]);
    const io = fakeIO();
    const writer = new Promise((r) => setTimeout(r, 400)).then(() =>
      writeFile(fifo, 'ERR failed to dial to edge with quic: timeout: no recent network activity\n'),
    );
    const code = await runLogs({ ...options({ files: [fifo], json: true }), fifoWaitMs: 5000 }, io);
    await writer;
    const report = JSON.parse(io.stdoutText()) as LogsReport;
    expect(report.linesRead).toBe(1);
    expect(code).toBe(1);
  });
});
