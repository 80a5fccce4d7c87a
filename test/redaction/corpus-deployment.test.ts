// The planted-secret corpus over the deployment's files and environment: every shape, in every
// place the doctor reads, in three cases; every format at once (stdout and files, --verbose),
// and the --fix diffs (and --fix --yes) where a repair shows the lines around the secret.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CASES,
  copyFixture,
  doctorFormats,
  doctorFix,
  edit,
  inCase,
  leaksIn,
  shapes,
  yamlBlock,
  type CaseName,
  type Shape,
  type Shown,
} from './planted-corpus.js';

interface Place {
  name: string;
  fixture: string;
  /** Plants the shape; returns the environment of the run. */
  plant(dir: string, shape: Shape): Record<string, string> | void;
  fix?: boolean;
  singleLineOnly?: boolean;
  /** Extra arguments of the run. */
  args?(dir: string): string[];
}

const isToken = (s: Shape) => s.name.startsWith('tunnel token');
const variable = (s: Shape) => (isToken(s) ? 'TUNNEL_TOKEN' : 'APP_SECRET');
/** A .env whose TUNNEL_DOMAIN --fix rewrites, the secret on the lines right after it (the diff's context). */
const dotenv = (dir: string, s: Shape, value: string) => {
  const lines = ['TUNNEL_DOMAIN=wrong1234.tunnel.example.com', `${variable(s)}=${value}`, 'LOG_LEVEL=info'];
  writeFileSync(join(dir, '.env'), `${lines.join('\n')}\n`);
};
const config = (dir: string) => join(dir, 'config', 'mcp-proxy.yaml');
const WIKI = '  wiki: http://172.20.1.7:3000';

const PLACES: Place[] = [
  { name: 'TUNNEL_TOKEN in the environment', fixture: 'compose-healthy', plant: (_d, s) => ({ TUNNEL_TOKEN: s.text }) },
  {
    name: '.env, next to the line --fix edits',
    fixture: 'compose-healthy',
    fix: true,
    plant: (dir, s) => dotenv(dir, s, s.text),
  },
  {
    name: '.env, split over lines',
    fixture: 'compose-healthy',
    fix: true,
    plant: (dir, s) => {
      const half = Math.floor(s.text.length / 2);
      dotenv(dir, s, s.multiline ? s.text : `${s.text.slice(0, half)}\n${s.text.slice(half)}`);
    },
  },
  {
    name: 'compose environment, next to the command --fix edits',
    fixture: 'broken-no-url',
    fix: true,
    plant: (dir, s) => {
      const entry = `${variable(s)}: ${yamlBlock(s.text, '        ')}`;
      edit(join(dir, 'compose.yaml'), 'TUNNEL_TOKEN: ${TUNNEL_TOKEN}', entry);
    },
  },
  {
    name: 'compose command (--token)',
    fixture: 'broken-no-url',
    fix: true,
    singleLineOnly: true,
    plant: (dir, s) => {
      const command = `command: ["tunnel", "--no-autoupdate", "run", "--token", ${JSON.stringify(s.text)}]`;
      edit(join(dir, 'compose.yaml'), 'command: tunnel --no-autoupdate run', command);
    },
  },
  {
    name: 'data/tunnel-token',
    fixture: 'compose-healthy',
    plant: (dir, s) => writeFileSync(join(dir, 'data', 'tunnel-token'), `${s.text}\n`),
  },
  {
    name: 'data/tunnel-domain',
    fixture: 'compose-healthy',
    plant: (dir, s) => writeFileSync(join(dir, 'data', 'tunnel-domain'), `${s.text}\n`),
  },
  {
    name: 'a YAML value of the wrong type (quoted in the type error)',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(config(dir), 'listen_addr: ":8080"', `listen_addr: ${yamlBlock(s.text, '  ')}`),
  },
  {
    name: 'a route key',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(config(dir), WIKI, `${WIKI}\n  ${JSON.stringify(s.text)}: http://8.8.8.8:80`),
  },
  {
    name: 'a route value',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(config(dir), WIKI, `  wiki: ${JSON.stringify(s.text)}`),
  },
  {
    name: 'the --jwt-file',
    fixture: 'compose-healthy',
    plant: (dir, s) => writeFileSync(join(dir, 'identity.jwt'), `${s.text}\n`),
    args: (dir) => ['--jwt-file', join(dir, 'identity.jwt')],
  },
];

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const SHAPES = shapes();

for (const place of PLACES) {
  describe(`planted in ${place.name}`, () => {
    const planted = SHAPES.filter((s) => !place.singleLineOnly || !s.multiline);
    const caseNames = Object.keys(CASES) as CaseName[];
    const cases = planted.flatMap((s) => caseNames.map((c) => [s.name, c, inCase(s, c)] as const));
    it.each(cases)('%s (%s case)', async (_name, _case, shape) => {
      const { root, dir } = copyFixture(place.fixture);
      roots.push(root);
      const env = place.plant(dir, shape) ?? {};
      const args = ['--dir', dir, ...(place.args?.(dir) ?? [])];
      // Every format in the original case; the other cases, where only the redactor's folding differs, in two.
      const original = _case === 'original';
      const shown: Shown = await doctorFormats(root, args, env, original ? undefined : ['human', 'json']);
      if (place.fix) shown.push(...(await doctorFix(args, env, original)));
      expect(shown.find(([w]) => w === 'stdout')?.[1]).toContain('Verdict');
      expect(leaksIn(shown, shape)).toEqual([]);
    });
  });
}
