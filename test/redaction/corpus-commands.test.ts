// The planted-secret corpus over the other commands: logs (every format, stdin and files,
// --follow), certs inspect on a file holding the secret, and usage errors that echo a flag
// value or a file name holding one. Every shape, in three cases.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/reporters/index.js';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { CASES, inCase, leaksIn, logLine, shapes, type CaseName, type Shape, type Shown } from './planted-corpus.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-corpus-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SHAPES = shapes();
const CASE_NAMES = Object.keys(CASES) as CaseName[];
const everyCase = (filter: (s: Shape) => boolean = () => true) =>
  SHAPES.filter(filter).flatMap((s) => CASE_NAMES.map((c) => [s.name, c, inCase(s, c)] as const));

const shownOf = (label: string, r: { stdout: string; stderr: string }): Shown => [
  [`${label} stdout`, r.stdout],
  [`${label} stderr`, r.stderr],
];

describe('logs: a secret in a log line', () => {
  it.each(everyCase())('%s (%s case), every format, stdin and file, --follow', async (name, c, shape) => {
    const input = `${logLine(shape)}\n2026-03-02T09:10:04Z ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0\n`;
    const base = join(root, `logs-${SHAPES.findIndex((s) => s.name === name)}-${c}`);
    writeFileSync(`${base}.log`, input);
    const files = FORMATS.slice(1).map((f) => `${base}.${f}`);
    const shown: Shown = [];
    const all = await runInProcess([
      'logs',
      `${base}.log`,
      '--verbose',
      '--format',
      FORMATS.join(','),
      '--output',
      ['-', ...files].join(','),
    ]);
    expect(all.code).toBe(1);
    shown.push(...shownOf('logs file', all), ...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]));
    for (const args of [['--json'], ['--follow'], ['--follow', '--json']])
      shown.push(...shownOf(`logs ${args.join(' ')}`, await runInProcess(['logs', '--verbose', ...args], { input })));
    // The line is in the report: as an example, or as an unrecognised error line.
    expect(all.stdout).toMatch(/REDACTED/);
    expect(leaksIn(shown, shape)).toEqual([]);
  });
});

describe('certs inspect: a file holding the secret', () => {
  it.each(everyCase())('%s (%s case)', async (name, c, shape) => {
    const file = join(root, `inspect-${SHAPES.findIndex((s) => s.name === name)}-${c}.pem`);
    writeFileSync(file, `${shape.text}\n`);
    const shown: Shown = [];
    for (const args of [[], ['--json']])
      shown.push(...shownOf(`inspect ${args.join(' ')}`, await runInProcess(['certs', 'inspect', file, ...args])));
    expect(leaksIn(shown, shape)).toEqual([]);
  });
});

describe('usage errors: a secret given as a flag value or a file name', () => {
  const dir = join(FIXTURES, 'compose-healthy');
  const commands = (v: string, out: string): string[][] => [
    ['doctor', '--offline', '--dir', dir, '--token-file', v],
    ['doctor', '--offline', '--dir', dir, '--jwt-file', v],
    ['doctor', '--offline', '--dir', dir, '--config', v],
    ['doctor', '--offline', '--dir', v],
    ['doctor', '--offline', '--dir', dir, '--tunnel-domain', v, '--json'],
    ['doctor', '--offline', '--dir', dir, '--format', v],
    ['doctor', '--offline', '--dir', dir, '--only', v],
    ['doctor', '--offline', '--dir', dir, '--edge', v],
    ['doctor', '--offline', '--dir', dir, '--proxy', v],
    ['doctor', '--offline', '--dir', dir, '--api-url', v],
    ['doctor', '--offline', '--dir', dir, '--timeout', v],
    ['doctor', '--offline', '--dir', dir, '--output', v],
    ['doctor', '--offline', '--dir', dir, '--token', v],
    ['logs', v],
    ['certs', 'inspect', v],
    ['certs', 'init', '--tunnel-domain', v, '--out', out],
    ['explain', v],
  ];
  it.each(everyCase())('%s (%s case)', async (name, c, shape) => {
    // Run in a directory of its own: a value that is a valid file name (--output <value>) is written there.
    const cwd = mkdtempSync(join(root, 'cwd-'));
    const out = join(cwd, `init-${SHAPES.findIndex((s) => s.name === name)}-${c}`);
    const shown: Shown = [];
    for (const args of commands(shape.text, out)) {
      const r = await runInProcess(args, { cwd });
      shown.push(...shownOf(args.slice(0, 4).join(' '), r));
    }
    const written = readdirSync(cwd, { recursive: true, encoding: 'utf8' })
      .map((f) => join(cwd, f))
      .filter((f) => statSync(f).isFile());
    shown.push(...written.map((f): [string, string] => [f, readFileSync(f, 'utf8')]));
    expect(shown.some(([, text]) => /mcp-tunnel|error/.test(text))).toBe(true);
    expect(leaksIn(shown, shape)).toEqual([]);
  });
});
