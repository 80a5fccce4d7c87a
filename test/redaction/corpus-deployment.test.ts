// The planted-secret corpus over the deployment's files and environment: every shape, in every
// place the doctor reads, in three cases; every format at once (stdout and files, --verbose),
// and the --fix diffs (and --fix --yes) where a repair shows the lines around the secret.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, copyFixture, doctorFormats, doctorFix, edit, inCase, leaksIn, shapes, yamlBlock, type CaseName, type Shape, type Shown } from './planted-corpus.js';

interface Place {
  name: string;
  fixture: string;
  /** Plants the shape; returns the environment of the run. */
  plant(dir: string, shape: Shape): Record<string, string> | void;
  fix?: boolean;
  singleLineOnly?: boolean;
}

const isToken = (s: Shape) => s.name.startsWith('tunnel token');

const PLACES: Place[] = [
  { name: 'TUNNEL_TOKEN in the environment', fixture: 'compose-healthy', plant: (_d, s) => ({ TUNNEL_TOKEN: s.text }) },
  {
    name: '.env, next to the line --fix edits',
    fixture: 'compose-healthy',
    fix: true,
    plant: (dir, s) => writeFileSync(join(dir, '.env'), `TUNNEL_DOMAIN=wrong1234.tunnel.example.com\n${isToken(s) ? 'TUNNEL_TOKEN' : 'APP_SECRET'}=${s.text}\nLOG_LEVEL=info\n`),
  },
  {
    name: '.env, split over lines',
    fixture: 'compose-healthy',
    fix: true,
    plant: (dir, s) => {
      const half = Math.floor(s.text.length / 2);
      const split = s.multiline ? s.text : `${s.text.slice(0, half)}\n${s.text.slice(half)}`;
      writeFileSync(join(dir, '.env'), `TUNNEL_DOMAIN=wrong1234.tunnel.example.com\n${isToken(s) ? 'TUNNEL_TOKEN' : 'APP_SECRET'}=${split}\nLOG_LEVEL=info\n`);
    },
  },
  {
    name: 'compose environment, next to the command --fix edits',
    fixture: 'broken-no-url',
    fix: true,
    plant: (dir, s) => edit(join(dir, 'compose.yaml'), 'TUNNEL_TOKEN: ${TUNNEL_TOKEN}', `${isToken(s) ? 'TUNNEL_TOKEN' : 'APP_SECRET'}: ${yamlBlock(s.text, '        ')}`),
  },
  {
    name: 'compose command (--token)',
    fixture: 'broken-no-url',
    fix: true,
    singleLineOnly: true,
    plant: (dir, s) => edit(join(dir, 'compose.yaml'), 'command: tunnel --no-autoupdate run', `command: ["tunnel", "--no-autoupdate", "run", "--token", ${JSON.stringify(s.text)}]`),
  },
  { name: 'data/tunnel-token', fixture: 'compose-healthy', plant: (dir, s) => writeFileSync(join(dir, 'data', 'tunnel-token'), `${s.text}\n`) },
  { name: 'data/tunnel-domain', fixture: 'compose-healthy', plant: (dir, s) => writeFileSync(join(dir, 'data', 'tunnel-domain'), `${s.text}\n`) },
  {
    name: 'a YAML value of the wrong type (quoted in the type error)',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(join(dir, 'config', 'mcp-proxy.yaml'), 'listen_addr: ":8080"', `listen_addr: ${yamlBlock(s.text, '  ')}`),
  },
  {
    name: 'a route key',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(join(dir, 'config', 'mcp-proxy.yaml'), '  wiki: http://172.20.1.7:3000', `  wiki: http://172.20.1.7:3000\n  ${JSON.stringify(s.text)}: http://8.8.8.8:80`),
  },
  {
    name: 'a route value',
    fixture: 'compose-healthy',
    plant: (dir, s) => edit(join(dir, 'config', 'mcp-proxy.yaml'), '  wiki: http://172.20.1.7:3000', `  wiki: ${JSON.stringify(s.text)}`),
  },
  {
    name: 'the --jwt-file',
    fixture: 'compose-healthy',
    plant: (dir, s) => writeFileSync(join(dir, 'identity.jwt'), `${s.text}\n`),
  },
];

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const SHAPES = shapes();

for (const place of PLACES) {
  describe(`planted in ${place.name}`, () => {
    const cases = SHAPES.filter((s) => !place.singleLineOnly || !s.multiline).flatMap((s) => (Object.keys(CASES) as CaseName[]).map((c) => [s.name, c, inCase(s, c)] as const));
    it.each(cases)('%s (%s case)', async (_name, _case, shape) => {
      const { root, dir } = copyFixture(place.fixture);
      roots.push(root);
      const env = place.plant(dir, shape) ?? {};
      const args = ['--dir', dir, ...(place.name === 'the --jwt-file' ? ['--jwt-file', join(dir, 'identity.jwt')] : [])];
      // Every format in the original case; the other cases, where only the redactor's folding differs, in two.
      const original = _case === 'original';
      const shown: Shown = await doctorFormats(root, args, env, original ? undefined : ['human', 'json']);
      if (place.fix) shown.push(...(await doctorFix(args, env, original)));
      expect(shown.find(([w]) => w === 'stdout')?.[1]).toContain('Verdict');
      expect(leaksIn(shown, shape)).toEqual([]);
    });
  });
}
