// The planted-secret corpus: every secret shape, in every place the tool reads, in original,
// upper and lower case. Each case is a fresh copy of an example deployment with one shape
// planted in one place, and the runs to make on it; the tests run them in-process and assert
// that no piece of the secret reaches stdout, stderr or a report file.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS } from '../../src/reporters/index.js';
import { runInProcess } from '../helpers/in-process.js';
import { cleanEnv, FIXTURES } from '../helpers/exec.js';
import { apiKey, awkwardPassword, fragmentsOf, jwt, leaks, opaque, privateKey, tunnelToken } from './secret-shapes.js';

export interface Shape {
  name: string;
  /** The text planted: the secret with whatever context it is met in. */
  text: string;
  /** The secret values in it, none of which may leak. */
  secrets: string[];
  multiline: boolean;
}

export function shapes(): Shape[] {
  const plain = tunnelToken();
  const spaced = tunnelToken(true);
  const one = (name: string, text: string, secrets = [text]): Shape => ({ name, text, secrets, multiline: false });
  const key = (name: string, armour: Parameters<typeof privateKey>[0]): Shape => {
    const k = privateKey(armour);
    return { name, text: k.text, secrets: k.body, multiline: true };
  };
  const password = awkwardPassword();
  const user = opaque('glpat-');
  const session = opaque();
  const credentials = opaque();
  return [
    one('tunnel token', plain.token, [plain.token, plain.secret, plain.account]),
    one('tunnel token with spaces in its JSON', spaced.token, [spaced.token, spaced.secret, spaced.account]),
    one('decoded tunnel secret', `TunnelSecret=${plain.secret}`, [plain.secret]),
    one('JWT', jwt()),
    one('API key', apiKey()),
    key('PEM key, 5-dash armour', 'pem5'),
    key('PEM key, 4-dash armour', 'pem4'),
    key('PEM key, lowercase label', 'lowercase'),
    key('key body without armour', 'none'),
    one('URL password with @ and /', `https://admin:${password}@db.internal:5432/app`, [password]),
    one('URL user name that is a token', `https://${user}@git.internal/repo.git`, [user]),
    one('session cookie', `cookie="session=${session}"`, [session]),
    one('credentials field', `"credentials": "${credentials}"`, [credentials]),
  ];
}

export const CASES = {
  original: (t: string) => t,
  upper: (t: string) => t.toUpperCase(),
  lower: (t: string) => t.toLowerCase(),
} as const;
export type CaseName = keyof typeof CASES;

/** A planted shape in a given case: the text as planted and the secrets in the same case. */
export function inCase(shape: Shape, c: CaseName): Shape {
  const f = CASES[c];
  return { ...shape, text: f(shape.text), secrets: shape.secrets.map(f) };
}

export function copyFixture(fixture: string): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-corpus-'));
  const dir = join(root, 'deploy');
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  mkdirSync(join(root, 'out'));
  return { root, dir };
}

export function edit(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${path} has no "${from}"`);
  writeFileSync(path, text.replace(from, to));
}

/** A YAML block scalar at the given indentation, for any text (also multi-line). */
export function yamlBlock(text: string, indent: string): string {
  return `|-\n${text
    .split('\n')
    .map((l) => `${indent}${l}`)
    .join('\n')}`;
}

/** A log line that carries the shape, as a program would print it (a multi-line key with escaped line breaks). */
export function logLine(shape: Shape): string {
  const text = shape.multiline ? shape.text.replace(/\n/g, '\\n') : shape.text;
  const context: Record<string, string> = {
    'tunnel token': 'Provided Tunnel token is not valid. invalid token',
    'tunnel token with spaces in its JSON': 'Provided Tunnel token is not valid. invalid token',
    JWT: 'token exchange failed: assertion rejected',
    'API key': 'upstream auth failed api-key:',
    'key body without armour': 'unexpected key material private_key=',
  };
  const before = context[shape.name] ?? 'request failed';
  return `2026-03-02T09:10:03Z ERR ${before}${before.endsWith('=') ? '' : ' '}${text} connIndex=0`;
}

/** What a run showed: stdout, stderr and every report file, by name. */
export type Shown = [where: string, text: string][];

/** One doctor run writing the formats at once (human on stdout, the rest to files), verbose. */
export async function doctorFormats(
  root: string,
  args: string[],
  env: Record<string, string> = {},
  formats: readonly string[] = FORMATS,
): Promise<Shown> {
  const files = formats.slice(1).map((f) => join(root, 'out', `report.${f}`));
  const r = await runInProcess(
    ['doctor', '--offline', '--verbose', ...args, '--format', formats.join(','), '--output', ['-', ...files].join(',')],
    { env: cleanEnv(env) },
  );
  if (r.code !== 0 && r.code !== 1) throw new Error(`doctor exited ${r.code}: ${r.stderr}`);
  return [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
  ];
}

/** doctor --fix (the diffs), then with `apply` --fix --yes (what it applied, and the report after). */
export async function doctorFix(args: string[], env: Record<string, string> = {}, apply = true): Promise<Shown> {
  const shown: Shown = [];
  for (const fix of apply ? [['--fix'], ['--fix', '--yes']] : [['--fix']]) {
    const r = await runInProcess(['doctor', '--offline', ...args, ...fix], { env: cleanEnv(env) });
    shown.push([`${fix.join(' ')} stdout`, r.stdout], [`${fix.join(' ')} stderr`, r.stderr]);
  }
  return shown;
}

/** The places (stdout, stderr, a file) where a planted secret showed, with the secret's name. */
export function leaksIn(shown: Shown, shape: Shape): string[] {
  const secrets = new Map(shape.secrets.map((s, i) => [`${shape.name} #${i + 1}`, s]));
  const fragments = fragmentsOf(secrets);
  return shown.flatMap(([where, text]) => leaks(text, secrets, fragments).map((name) => `${name} in ${where}`));
}
