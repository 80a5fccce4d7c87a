// Save and replay (doctor --save-facts / --facts): the replayed report is the live one (durations
// aside), on the healthy example, with live facts, and on deployments with secrets planted, whose
// saved file holds no piece of any secret; bad facts files and flags that cannot apply exit 2.

import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { FACTS_FILE_MAX_BYTES } from '../../src/core/facts-file.js';
import { runInProcess } from '../helpers/in-process.js';
import { freePort } from '../lab/processes.js';
import { withoutDurations } from '../helpers/without-durations.js';
import { cleanEnv, FIXTURES } from '../helpers/exec.js';
import { copyFixture, leaksIn, shapes, yamlBlock, edit, type Shape } from '../redaction/planted-corpus.js';
import { apiKey, jwt } from '../redaction/secret-shapes.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'mcp-tunnel-facts-'));
}

/** Runs the doctor with --save-facts, then replays the file: both JSON reports and the file's text. */
async function saveAndReplay(args: string[], env: Record<string, string> = {}) {
  const file = join(scratch(), 'facts.json');
  const live = await runInProcess(['doctor', '--json', ...args, '--save-facts', file], { env: cleanEnv(env) });
  expect([0, 1], live.stderr).toContain(live.code);
  const replay = await runInProcess(['doctor', '--json', '--facts', file], { env: cleanEnv() });
  expect(replay.code, replay.stderr).toBe(live.code);
  const text = readFileSync(file, 'utf8');
  return {
    live: JSON.parse(live.stdout) as DoctorReport,
    replay: JSON.parse(replay.stdout) as DoctorReport,
    text,
    file,
  };
}

describe('doctor --save-facts, then --facts', () => {
  it.each(['compose-healthy', 'helm-healthy', 'broken-wrong-san', 'broken-public-upstream'])(
    '%s offline: the same report',
    async (name) => {
      const { live, replay, file } = await saveAndReplay(['--offline', '--dir', join(FIXTURES, name)]);
      expect(withoutDurations(replay)).toEqual(withoutDurations(live));
      expect(statSync(file).mode & 0o777).toBe(0o600);
    },
  );

  it('with live facts (closed loopback ports): the same report, and the file holds the probes and the DER', async () => {
    const port = await freePort();
    const net = [
      '--edge',
      `127.0.0.1:${port}`,
      '--dns-server',
      `127.0.0.1:${port}`,
      '--proxy',
      `ws://127.0.0.1:${port}/`,
      '--timeout',
      '300',
    ];
    const { live, replay, text } = await saveAndReplay(['--dir', join(FIXTURES, 'compose-healthy'), ...net]);
    expect(withoutDurations(replay)).toEqual(withoutDurations(live));
    expect(live.results.find((r) => r.id === 'edge-tcp')?.status).toBe('fail');
    const saved = JSON.parse(text) as {
      schemaVersion: number;
      tool: { version: string };
      now: string;
      facts: {
        live: { probes: unknown[] };
        caCert: { value: { certificates: { derBase64: string; fingerprint256: string }[] } };
      };
    };
    expect(saved.schemaVersion).toBe(1);
    expect(saved.facts.live.probes.length).toBeGreaterThan(0);
    const cert = saved.facts.caCert.value.certificates[0];
    expect(cert?.derBase64).toMatch(/^MII[A-Za-z0-9+/]+=*$/);
    expect(cert?.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--only prunes the saved probes too: a replay without --only skips what was not gathered', async () => {
    const { live, text } = await saveAndReplay(['--dir', join(FIXTURES, 'compose-healthy'), '--only', 'tunnel-token']);
    expect(live.results.find((r) => r.id === 'tunnel-token')?.status).toBe('pass');
    expect(JSON.parse(text).facts.live).toBeUndefined();
  });
});

interface Place {
  name: string;
  plant(dir: string, root: string, shape: Shape): { env?: Record<string, string>; args?: string[] };
}

/** Writes a file of the deployment; the run needs nothing else. */
const file = (path: (dir: string) => string, text: (s: Shape) => string) => (dir: string, _root: string, s: Shape) => {
  writeFileSync(path(dir), text(s));
  return {};
};
const dotenvWith = (name: string) => (s: Shape) =>
  `TUNNEL_DOMAIN=abcd1234.tunnel.example.com\n${name}=${JSON.stringify(s.text)}\n`;

const PLACES: Place[] = [
  { name: 'TUNNEL_TOKEN in .env', plant: file((dir) => join(dir, '.env'), dotenvWith('TUNNEL_TOKEN')) },
  { name: 'a secret-named variable in .env', plant: file((dir) => join(dir, '.env'), dotenvWith('APP_PASSWORD')) },
  { name: 'TUNNEL_TOKEN in the environment', plant: (_d, _r, s) => ({ env: { TUNNEL_TOKEN: s.text } }) },
  {
    name: 'compose environment',
    plant: (dir, _r, s) => {
      edit(
        join(dir, 'compose.yaml'),
        'TUNNEL_TOKEN: ${TUNNEL_TOKEN}',
        `TUNNEL_TOKEN: ${yamlBlock(s.text, '        ')}`,
      );
      return {};
    },
  },
  {
    name: 'data/tunnel-token',
    plant: file(
      (dir) => join(dir, 'data', 'tunnel-token'),
      (s) => `${s.text}\n`,
    ),
  },
  {
    name: 'data/tls.key',
    plant: file(
      (dir) => join(dir, 'data', 'tls.key'),
      (s) => `${s.text}\n`,
    ),
  },
  {
    name: 'a JWT file',
    plant: (_d, root, s) => {
      writeFileSync(join(root, 'id.jwt'), s.text);
      return { args: ['--jwt-file', join(root, 'id.jwt')] };
    },
  },
];

describe('--save-facts with secrets planted: nothing of them in the file, the replay equals the run', () => {
  const cases = PLACES.flatMap((p) => shapes().map((s) => [p.name, s.name, p, s] as const));
  it.each(cases)('%s: %s', async (_p, _s, place, shape) => {
    const { root, dir } = copyFixture('compose-healthy');
    const planted = place.plant(dir, root, shape);
    const { live, replay, text } = await saveAndReplay(
      ['--offline', '--dir', dir, ...(planted.args ?? [])],
      planted.env,
    );
    expect(leaksIn([['facts file', text]], shape)).toEqual([]);
    expect(withoutDurations(replay)).toEqual(withoutDurations(live));
  });

  it('an API key (ANTHROPIC_API_KEY and --api-key-file) is never saved', async () => {
    const key = apiKey();
    const { root } = copyFixture('compose-healthy');
    writeFileSync(join(root, 'key'), key);
    for (const [args, env] of [
      [[], { ANTHROPIC_API_KEY: key }],
      [['--api-key-file', join(root, 'key')], {}],
    ] as const) {
      const { text } = await saveAndReplay(
        [
          '--dir',
          join(FIXTURES, 'compose-healthy'),
          '--only',
          'ca-registration',
          '--api-url',
          'http://127.0.0.1:9',
          '--timeout',
          '300',
          ...args,
        ],
        env,
      );
      expect(text).not.toContain(key.slice(8, 30));
    }
  });

  it('a dotenv value under a secret name is replaced by a marker that says so', async () => {
    const { dir } = copyFixture('compose-healthy');
    const secret = jwt();
    writeFileSync(join(dir, '.env'), `TUNNEL_DOMAIN=abcd1234.tunnel.example.com\nDB_PASSWORD=${secret}\n`);
    const { text } = await saveAndReplay(['--offline', '--dir', dir]);
    const saved = JSON.parse(text) as { facts: { dotenv: { value: Record<string, string> } } };
    expect(saved.facts.dotenv.value).toEqual({
      TUNNEL_DOMAIN: 'abcd1234.tunnel.example.com',
      DB_PASSWORD: `<secret: ${secret.length} characters removed>`,
    });
  });
});

describe('--facts refuses what it cannot replay (exit 2, a clear message)', () => {
  const healthy = join(FIXTURES, 'compose-healthy');
  async function savedFile(): Promise<string> {
    const file = join(scratch(), 'facts.json');
    const r = await runInProcess(['doctor', '--offline', '--dir', healthy, '--save-facts', file]);
    expect(r.code).toBe(0);
    return file;
  }
  const write = (text: string) => {
    const file = join(scratch(), 'facts.json');
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ['not JSON', () => write('{"schemaVersion": 1,'), /is not JSON/],
    ['a JSON list', () => write('[]'), /not a facts file/],
    [
      'another schemaVersion',
      () => write('{"schemaVersion": 2}'),
      /schemaVersion 2; this version of mcp-tunnel reads 1/,
    ],
    ['no facts', () => write('{"schemaVersion": 1, "now": "2026-01-01T00:00:00Z"}'), /`facts` is not an object/],
    ['too deep', () => write(`{"schemaVersion": 1, "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`), /nests deeper than/],
    [
      'too large',
      () => write(`{"schemaVersion": 1, "x": "${'a'.repeat(FACTS_FILE_MAX_BYTES)}"}`),
      /larger than|too large/,
    ],
    ['missing', () => join(scratch(), 'none.json'), /no such file/],
  ])('%s', async (_, make, message) => {
    const r = await runInProcess(['doctor', '--facts', make()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a file fact of the wrong shape', async () => {
    const saved = JSON.parse(readFileSync(await savedFile(), 'utf8')) as { facts: Record<string, unknown> };
    saved.facts.caCert = { state: 'fine' };
    const r = await runInProcess(['doctor', '--facts', write(JSON.stringify(saved))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/`facts.caCert` is not a file fact/);
  });

  it.each([
    ['--fix'],
    ['--offline'],
    ['--dir', healthy],
    ['--edge', '127.0.0.1:9'],
    ['--config', 'x.yaml'],
    ['--save-facts', 'again.json'],
    ['--mcp-route', 'tools'],
    ['--mcp-path', '/api/mcp'],
  ])('with %s: a usage error naming it', async (...flag) => {
    const r = await runInProcess(['doctor', '--facts', await savedFile(), ...flag]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag[0]} cannot apply`);
  });

  it('--only and --skip work on a replay', async () => {
    const r = await runInProcess([
      'doctor',
      '--json',
      '--facts',
      await savedFile(),
      '--only',
      'tls',
      '--skip',
      'certificate-san',
    ]);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.results.find((x) => x.id === 'certificate-san')?.reason).toMatch(/skipped on request/);
    expect(report.results.find((x) => x.id === 'ca-certificate')?.status).toBe('pass');
  });
});
