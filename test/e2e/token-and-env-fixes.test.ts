// Where the token really comes from (Compose env_file), and fix text that matches it: the bad
// line is replaced where it lives, data/tunnel-token is offered only when it exists, and a change
// to .env is followed by `docker compose up -d` in the doctor's fix and in --fix alike.

import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const token = readFileSync(join(FIXTURES, 'compose-healthy', 'data', 'tunnel-token'), 'utf8').trim();
const RECREATE = 'docker compose up -d';

function healthyCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-token-'));
  dirs.push(dir);
  cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
  return dir;
}

/** The token only in env_file(s) of the cloudflared service: not in .env, not in data/. */
function envFileDeployment(envFileYaml: string, files: Record<string, string>): string {
  const dir = healthyCopy();
  rmSync(join(dir, 'data', 'tunnel-token'));
  writeFileSync(join(dir, '.env'), 'TUNNEL_DOMAIN=abcd1234.tunnel.example.com\n');
  const compose = readFileSync(join(dir, 'compose.yaml'), 'utf8').replace(
    '    environment:\n      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n',
    `    env_file: ${envFileYaml}\n`,
  );
  writeFileSync(join(dir, 'compose.yaml'), compose);
  mkdirSync(join(dir, 'env'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

type Result = { id: string; status: string; findings: { messageId: string; cause: string; fix: string }[] };
async function result(dir: string, id: string): Promise<Result> {
  const r = await runInProcess(['doctor', '--offline', '--dir', dir, '--only', id, '--json']);
  return JSON.parse(r.stdout).results.find((x: Result) => x.id === id);
}

describe('TUNNEL_TOKEN through Compose env_file', () => {
  it('a single path, relative to the Compose file (not to the working directory)', async () => {
    const dir = envFileDeployment('env/cloudflared.env', { 'env/cloudflared.env': `TUNNEL_TOKEN=${token}\n` });
    const r = await result(dir, 'tunnel-token');
    expect(
      r.findings.filter((f) => f.messageId !== 'token-decoded'),
      JSON.stringify(r.findings),
    ).toEqual([]);
    expect(r.status).toBe('pass');
    expect(present(r.findings[0]).cause).toContain('env_file of the cloudflared service');
  });

  it('a list with the long syntax: an optional file that is absent, then the file that sets it', async () => {
    const dir = envFileDeployment(
      '\n      - path: env/absent.env\n        required: false\n      - env/cloudflared.env',
      { 'env/cloudflared.env': `# cloudflared\nTUNNEL_TOKEN="${token}"\n` },
    );
    expect((await result(dir, 'tunnel-token')).status).toBe('pass');
  });

  it('the last file that sets TUNNEL_TOKEN wins, as in Compose', async () => {
    const files = { 'env/old.env': 'TUNNEL_TOKEN=eyJhIjoiIn0=\n', 'env/new.env': `TUNNEL_TOKEN=${token}\n` };
    expect((await result(envFileDeployment('[env/old.env, env/new.env]', files), 'tunnel-token')).status).toBe('pass');
    const reversed = await result(envFileDeployment('[env/new.env, env/old.env]', files), 'tunnel-token');
    expect(reversed.status).toBe('fail');
    expect(present(reversed.findings[0]).fix).toContain(join('env', 'old.env'));
  });
});

describe('the token fix follows where the token comes from', () => {
  it('a bad token in .env with data/tunnel-token present: replace the line, never append a second one', async () => {
    const dir = healthyCopy();
    writeFileSync(join(dir, '.env'), `TUNNEL_DOMAIN=abcd1234.tunnel.example.com\nTUNNEL_TOKEN=${token.slice(0, 40)}\n`);
    const f = present((await result(dir, 'tunnel-token')).findings[0]);
    const env = join(dir, '.env');
    // Before: echo "TUNNEL_TOKEN=..." >> .env, which left the bad line in place.
    expect(f.fix).toContain(
      `sed -i '/^TUNNEL_TOKEN=/d' ${env} && echo "TUNNEL_TOKEN=$(cat ${join(dir, 'data', 'tunnel-token')})" >> ${env}`,
    );
    expect(f.fix).toContain(`${RECREATE} cloudflared`);
  });

  it('no data/tunnel-token: the fix does not send the user to it', async () => {
    const dir = healthyCopy();
    rmSync(join(dir, 'data', 'tunnel-token'));
    writeFileSync(join(dir, '.env'), `TUNNEL_DOMAIN=abcd1234.tunnel.example.com\nTUNNEL_TOKEN=${token.slice(0, 40)}\n`);
    const f = present((await result(dir, 'tunnel-token')).findings[0]);
    expect(f.fix).not.toContain('data/tunnel-token');
    expect(f.fix).not.toContain('cat ');
    expect(f.fix).toContain('the tunnel detail page');
    expect(f.fix).toContain(`Replace the TUNNEL_TOKEN= line in ${join(dir, '.env')}`);
  });
});

describe('after editing .env: one text, docker compose up -d', () => {
  it('the doctor fix and --fix both say up -d for TUNNEL_DOMAIN in .env, never restart', async () => {
    const dir = healthyCopy();
    writeFileSync(join(dir, 'data', 'tunnel-domain'), 'ffff0000.tunnel.example.com\n');
    const f = present((await result(dir, 'tunnel-domain')).findings[0]);
    expect(f.messageId).toBe('domain-mismatch');
    const expected = `${RECREATE} mcp-proxy (a restart alone does not re-read .env or the Compose file)`;
    expect(f.fix).toContain(expected);
    expect(f.fix).not.toContain('compose restart');
    const fix = await runInProcess(['doctor', '--offline', '--dir', dir, '--only', 'tunnel-domain', '--fix']);
    expect(fix.stdout).toContain(`then: ${expected}`);
  });
});

describe('the key fix offers the private alternative', () => {
  it("chmod 644 (the vendor's) and chown 65532:65532 with mode 0600, in the finding and in the --fix listing", async () => {
    const dir = healthyCopy();
    const key = join(dir, 'data', 'tls.key');
    chmodSync(key, 0o600);
    chownSync(key, 0, 0);
    const f = present((await result(dir, 'private-key')).findings[0]);
    expect(f.messageId).toBe('unreadable-by-proxy');
    expect(f.fix).toContain('chmod 644 data/tls.key');
    expect(f.fix).toContain('chown 65532:65532 data/tls.key && chmod 600 data/tls.key');
    const fix = await runInProcess(['doctor', '--offline', '--dir', dir, '--only', 'private-key', '--fix']);
    expect(fix.stdout).toContain(`$ chmod 644 ${key}`);
    expect(fix.stdout).toContain(`chown 65532:65532 ${key} && chmod 600 ${key}`);
  });
});
