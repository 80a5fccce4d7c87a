// The hidden command the namespace runner starts: one JSON request on stdin, one JSON answer on
// stdout; not in --help. Run in-process (the namespace itself is entered in running-project.test.ts).

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process.js';

describe('mcp-tunnel __in-namespace <task>', () => {
  it('tcp-connect answers with the probeTcp outcome', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runInProcess(['__in-namespace', 'tcp-connect'], {
        input: JSON.stringify({ payload: { host: '127.0.0.1', port }, timeoutMs: 2000 }),
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, value: { ok: true, failure: null, detail: null } });
    } finally {
      server.close();
    }
  });

  it('a bad request or an unknown task is an answer with ok false (exit 1), never a stack trace', async () => {
    const garbage = await runInProcess(['__in-namespace', 'tcp-connect'], { input: 'not json' });
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.stdout)).toMatchObject({ ok: false, detail: expect.stringMatching(/JSON/) });
    const unknown = await runInProcess(['__in-namespace', 'constructor'], { input: '{}' });
    expect(JSON.parse(unknown.stdout)).toEqual({ ok: false, detail: 'no namespace task named "constructor"' });
  });

  it('is not listed in --help', async () => {
    const help = await runInProcess(['--help']);
    expect(help.stdout).toContain('doctor');
    expect(help.stdout).not.toContain('namespace');
  });
});
