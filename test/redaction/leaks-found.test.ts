// The secret leaks found in issue 8, each reproduced as it was reported: each failed before the
// registry, the case-insensitive patterns and the control-character edge.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { apiKey, awkwardPassword, jwt, leaks, opaque, privateKey, tunnelToken } from './secret-shapes.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function deployment(fixture = 'compose-healthy'): string {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-leak-'));
  roots.push(root);
  const dir = join(root, 'deploy');
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

const secrets = (entries: Record<string, string>) => new Map(Object.entries(entries));

function expectNoLeak(run: { stdout: string; stderr: string }, planted: Map<string, string>): void {
  expect(leaks(run.stdout, planted), `stdout:\n${run.stdout}`).toEqual([]);
  expect(leaks(run.stderr, planted), `stderr:\n${run.stderr}`).toEqual([]);
}

describe('secret leaks reported in issue 8', () => {
  it('a token pasted into data/tunnel-domain is not printed, not even lowercased', async () => {
    const dir = deployment();
    const { token } = tunnelToken();
    writeFileSync(join(dir, 'data', 'tunnel-domain'), `${token}\n`);
    for (const format of ['human', 'json']) {
      const r = await runInProcess(['doctor', '--offline', '--dir', dir, '--format', format, '--verbose']);
      expect(r.code).toBe(1);
      expectNoLeak(r, secrets({ token }));
    }
  });

  it('a TUNNEL_TOKEN split over lines in .env does not show in the --fix diff context', async () => {
    const dir = deployment();
    const { token } = tunnelToken();
    const half = Math.floor(token.length / 2);
    writeFileSync(
      join(dir, '.env'),
      `TUNNEL_DOMAIN=wrong1234.tunnel.example.com\nTUNNEL_TOKEN=${token.slice(0, half)}\n${token.slice(half)}\nLOG_LEVEL=info\n`,
    );
    const r = await runInProcess(['doctor', '--offline', '--dir', dir, '--fix']);
    expect(r.stdout).toContain('.env');
    expect(r.stdout).toMatch(/TUNNEL_DOMAIN=/);
    expectNoLeak(r, secrets({ head: token.slice(0, half), tail: token.slice(half) }));
  });

  for (const armour of ['pem4', 'lowercase', 'none'] as const) {
    it(`a private key (${armour}) pasted as a YAML value is not quoted in proxy-config's type error`, async () => {
      const dir = deployment();
      const key = privateKey(armour);
      const indented = key.text
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n');
      const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace(
        'listen_addr: ":8080"',
        `listen_addr: |\n${indented}`,
      );
      writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), config);
      for (const format of ['human', 'json', 'sarif']) {
        const r = await runInProcess(['doctor', '--offline', '--dir', dir, '--format', format, '--verbose']);
        expect(r.code).toBe(1);
        expectNoLeak(r, new Map(key.body.map((l, i) => [`line ${i + 1}`, l])));
      }
    });
  }

  it('URL credentials with "@" or "/" in the password, or a token as the user name, are not quoted', async () => {
    const dir = deployment();
    const password = awkwardPassword();
    const user = opaque('ghp_');
    const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace(
      'wiki: http://172.20.1.7:3000',
      `wiki: http://admin:${password}@8.8.8.8:3000\n  docs: https://${user}@8.8.4.4/`,
    );
    writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), config);
    const r = await runInProcess(['doctor', '--offline', '--dir', dir, '--verbose']);
    expect(r.code).toBe(1);
    expectNoLeak(r, secrets({ password, user }));
  });

  it('a token whose JSON has spaces (eyJhIjog...) shows neither in the compose diff nor in --token-file errors', async () => {
    const dir = deployment('broken-no-url');
    const { token } = tunnelToken(true);
    expect(token.startsWith('eyJhIjog')).toBe(true);
    const compose = readFileSync(join(dir, 'compose.yaml'), 'utf8').replace(
      'TUNNEL_TOKEN: ${TUNNEL_TOKEN}',
      `TUNNEL_TOKEN: ${token}`,
    );
    writeFileSync(join(dir, 'compose.yaml'), compose);
    const fix = await runInProcess(['doctor', '--offline', '--dir', dir, '--fix']);
    expect(fix.stdout).toContain('compose.yaml');
    expectNoLeak(fix, secrets({ token }));
    const missing = await runInProcess(['doctor', '--offline', '--dir', dir, '--token-file', token]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--token-file');
    expectNoLeak(missing, secrets({ token }));
  });

  it('logs prints no secret in examples or unrecognised lines, even right after a control character', async () => {
    const { token } = tunnelToken(true);
    const identity = jwt();
    const afterControl = jwt();
    const password = awkwardPassword();
    const key = apiKey().replace('sk-ant-', 'key-');
    const credentials = opaque();
    const session = opaque();
    const lines = [
      `2026-03-02T09:10:03Z ERR Provided Tunnel token is not valid. invalid token ${token}`,
      `2026-03-02T09:10:04Z ERR failed to serve: assertion rejected ${identity}`,
      `2026-03-02T09:10:05Z ERR dial upstream failed url=http://admin:${password}@10.0.0.1:80/ error="connection refused"`,
      `mcp-proxy-1 | ERROR upstream auth failed api-key: ${key}`,
      `mcp-proxy-1 | {"level":"ERROR","msg":"bad config","credentials": "${credentials}"}`,
      `mcp-proxy-1 | ERROR proxy refused cookie="session=${session}"`,
      `mcp-proxy-1 | ERROR token exchange failed \u0001${afterControl}`,
    ];
    const planted = secrets({ token, identity, afterControl, password, key, credentials, session });
    for (const format of ['human', 'json', 'markdown', 'github']) {
      const r = await runInProcess(['logs', '--verbose', '--format', format], { input: `${lines.join('\n')}\n` });
      expect(r.stderr).toBe('');
      expectNoLeak(r, planted);
    }
  });

  it('--tunnel-domain <a JWT> and --format <a JWT> do not echo the value, in any case', async () => {
    const dir = deployment();
    const value = jwt();
    const domain = await runInProcess(['doctor', '--offline', '--dir', dir, '--tunnel-domain', value]);
    expectNoLeak(domain, secrets({ value }));
    const format = await runInProcess(['doctor', '--offline', '--dir', dir, '--format', value]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format');
    expectNoLeak(format, secrets({ value }));
    const init = await runInProcess(['certs', 'init', '--tunnel-domain', value, '--out', join(dir, 'fresh')]);
    expectNoLeak(init, secrets({ value }));
  });

  it('a route key with terminal control sequences is shown escaped, never obeyed (also with --no-color)', async () => {
    const dir = deployment();
    const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace(
      'wiki: http://172.20.1.7:3000',
      'wiki: http://172.20.1.7:3000\n  "x\\e[2J\\e]0;pwned\\aY": http://8.8.8.8:80',
    );
    writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), config);
    for (const args of [['--no-color'], []]) {
      const r = await runInProcess(['doctor', '--offline', '--dir', dir, ...args], {
        tty: args.length === 0,
        env: { PATH: '/usr/bin:/bin', MCP_TUNNEL_LOOPBACK_ONLY: '1' },
      });
      expect(r.code).toBe(1);
      const shown = r.stdout + r.stderr;
      expect(shown).toContain('\\x1b[2J');
      expect(shown).not.toMatch(/\x1b\[2J|\x1b\]0;|\x07/);
      // Whatever escape sequences are left are the tool's own colours, and only on the terminal.
      expect(shown.match(/\x1b\[[^m]*?[A-Za-z]/g)?.filter((s) => !/^\x1b\[[0-9;]*m$/.test(s)) ?? []).toEqual([]);
      if (args.length === 1) expect(shown).not.toContain('\x1b');
      else expect(shown).toMatch(/\x1b\[[0-9;]*m/);
    }
  });
});

describe('--fix diffs quote file lines safely', () => {
  it('an escape sequence in a line of the diff is shown as text on a terminal, even a colour code', async () => {
    const dir = deployment('broken-routes-list');
    const file = join(dir, 'config', 'mcp-proxy.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('routes:', 'routes: # \u001b[41mowned\u001b]0;t\u0007'));
    const r = await runInProcess(['doctor', '--offline', '--fix', '--dir', dir], {
      tty: true,
      env: { PATH: '/usr/bin:/bin', MCP_TUNNEL_LOOPBACK_ONLY: '1' },
    });
    expect(r.stdout).toContain('\\x1b[41mowned');
    expect(r.stdout).not.toContain('\u001b[41m');
    expect(r.stdout).not.toMatch(/\u001b\]0;|\u0007/);
  });
});

describe('usage errors quote input safely', () => {
  it('a flag value with escape sequences is shown as text, colour codes included, and a JWT after a control character is masked', async () => {
    const value = jwt();
    for (const tty of [false, true]) {
      const r = await runInProcess(
        ['doctor', '--offline', '--format', `x\u001b[31mred\u001b]0;title\u0007\u0001${value}`],
        { tty, env: { PATH: '/usr/bin:/bin', MCP_TUNNEL_LOOPBACK_ONLY: '1' } },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('\\x1b[31m');
      expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      expect(leaks(r.stderr, secrets({ value }))).toEqual([]);
    }
  });
});
