// Bounded parsing: inputs up to the read cap that once took seconds and a gigabyte, overflowed
// the stack or threw an internal error now end in a typed answer, fast. Each case below was
// reproduced on main before the fix.

import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneFacts, deepFreeze } from '../../src/core/runner.js';
import type { DoctorReport } from '../../src/core/types.js';
import { describeJwt } from '../../src/model/jwt.js';
import { parseYamlText } from '../../src/model/yaml-document.js';
import { parseLine } from '../../src/logs/line.js';
import { FIXTURES, runCli } from '../helpers/exec.js';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('YAML loader limits', () => {
  it.each([
    ['1 MiB of "["', '['.repeat(1024 * 1024), /too large/],
    ['250 KB of "[" (under the size limit): nesting', '['.repeat(250 * 1024), /longer than|nested deeper/],
    ['one line of 75,000 aliases (300 KB)', `a: &a x\nb: [${'*a, '.repeat(75000)}]\n`, /too large|aliases|longer than/],
    ['a line of 600 aliases', `a: &a x\nb: [${'*a, '.repeat(600)}]\n`, /more than 500 YAML aliases/],
    ['40,000 lines of errors', ': : :\n'.repeat(40000), /too complex/],
    ['56,549 double quotes on one line (found by the fuzzer: 2.5 s)', '"'.repeat(56549), /too complex/],
    [
      'a block nested 200 levels deep',
      Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      /nested deeper than 64/,
    ],
    ['"- " nested 5,000 times on one line', `${'- '.repeat(5000)}x`, /nested deeper than 64/],
  ])('%s: refused before the parser, in well under 2 s', (_name, text, problem) => {
    const { value, ms } = timed(() => parseYamlText(text, 'c.yaml'));
    expect(value.state).toBe('invalid');
    if (value.state === 'invalid') expect(value.problem).toMatch(problem);
    expect(ms).toBeLessThan(2000);
  });

  it('stops after 20 parse errors (the parser has no limit of its own)', () => {
    const f = parseYamlText('a: b: c\n'.repeat(3000), 'c.yaml');
    expect(f.state).toBe('invalid');
    if (f.state === 'invalid') expect(f.problem).toBe('is not valid YAML: more than 20 errors');
  });

  it("finds a duplicate key among 9,000 in one pass (the parser's own check compares every pair)", () => {
    const text = `${Array.from({ length: 9000 }, (_, i) => `k${i}: v`).join('\n')}\nk5: again\n`;
    const { value, ms } = timed(() => parseYamlText(text, 'c.yaml'));
    expect(value).toMatchObject({
      state: 'invalid',
      problem: 'is not valid YAML: Map keys must be unique',
      location: { line: 9001, column: 1 },
    });
    expect(ms).toBeLessThan(2000);
  });
});

describe('YAML keys', () => {
  it('a key that is a mapping or a list is refused (nested "? " keys doubled time and memory per level)', () => {
    const { value, ms } = timed(() => parseYamlText('? '.repeat(59), 'c.yaml'));
    expect(value).toMatchObject({ state: 'invalid', problem: 'uses a mapping or a list as a key; refused' });
    expect(ms).toBeLessThan(2000);
    expect(parseYamlText('{[a, b]: c}\n', 'c.yaml')).toMatchObject({
      state: 'invalid',
      problem: 'uses a mapping or a list as a key; refused',
    });
  });
});

describe('freezing and cloning facts', () => {
  it('a typed array (what a YAML !!binary value used to become) is cloned and frozen around, not a throw', () => {
    const frozen = deepFreeze(cloneFacts({ a: new Uint8Array(Buffer.from('hello')), b: Buffer.from('x') }));
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(Buffer.from(frozen.a).toString()).toBe('hello');
  });

  it('YAML tags like !!binary and !!set stay strings (no typed arrays or Sets in facts)', () => {
    const f = parseYamlText('a: !!binary aGVsbG8=\nb: !!set x\n', 'c.yaml');
    expect(f).toMatchObject({ state: 'ok', value: { data: { a: 'aGVsbG8=', b: 'x' } } });
  });

  it('100,000 nested arrays: cloned and frozen without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100000; i++) deep = [deep];
    const copy = deepFreeze(cloneFacts({ deep }));
    // Plain booleans: vitest's matchers would walk the 100,000 levels themselves.
    expect(copy.deep === deep).toBe(false);
    expect(Object.isFrozen(copy.deep)).toBe(true);
  });
});

describe('recursive YAML documents (found by npm run fuzz: a cycle made clone and freeze run out of memory)', () => {
  it.each([
    ['a map whose value is an alias to the map', '&a !!binary #...\n: *a'],
    ['a list holding itself', '&a [*a]\n'],
    ['a map holding itself under a key', 'x: &a\n  y: *a\n'],
  ])('%s is refused as invalid', (_name, text) => {
    expect(parseYamlText(text, 'c.yaml')).toMatchObject({
      state: 'invalid',
      problem: 'has an alias inside the node it names (a recursive document); refused',
    });
  });

  it('a shared alias that is not recursive is still read', () => {
    expect(parseYamlText('a: &x [1, 2]\nb: *x\n', 'c.yaml')).toMatchObject({
      state: 'ok',
      value: { data: { a: [1, 2], b: [1, 2] } },
    });
  });

  it('cloning data that contains itself ends, keeping the cycle in the copy', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const copy = deepFreeze(cloneFacts({ loop }));
    expect(copy.loop === loop).toBe(false);
    expect(copy.loop.self === copy.loop).toBe(true);
    expect(Object.isFrozen(copy.loop)).toBe(true);
  });
});

describe('JSON nesting in the JWT and log loaders', () => {
  it('a JWT nesting 4,000 arrays is refused as invalid', () => {
    const payload = `{"a":${'['.repeat(4000)}${']'.repeat(4000)}}`;
    const f = describeJwt(`${b64url('{"alg":"RS256"}')}.${b64url(payload)}.c2ln`, 'jwt');
    expect(f).toMatchObject({ state: 'invalid', problem: expect.stringMatching(/nests JSON deeper than 64 levels/) });
  });

  it('a JSON log line nesting 30,000 levels is read as text, not a stack overflow', () => {
    const line = `{"level":"error","msg":${'['.repeat(30000)}${']'.repeat(30000)}}`;
    expect(parseLine(line).format).toBe('text');
  });
});

describe('the doctor on such files: a report, never an internal error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bounds-'));
  cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });

  it('a !!binary value in the proxy config: a JSON report (was: internal error, exit 2, no JSON)', () => {
    writeFileSync(
      join(dir, 'config', 'mcp-proxy.yaml'),
      'listen_addr: ":8443"\ncert: !!binary aGVsbG8=\nroutes:\n  a: http://10.0.0.1:80\n',
    );
    const r = runCli(['doctor', '--offline', '--json', '--dir', dir]);
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.results.find((x) => x.id === 'proxy-config')?.status).not.toBe('error');
  });

  it('a JWT nesting 4,000 arrays: a JSON report with the token judged (was: stack overflow in deepFreeze)', () => {
    const jwt = join(dir, 'deep.jwt');
    writeFileSync(
      jwt,
      `${b64url('{"alg":"RS256","kid":"k"}')}.${b64url(`{"iss":"x","a":${'['.repeat(4000)}${']'.repeat(4000)}}`)}.c2ln`,
    );
    const r = runCli(['doctor', '--offline', '--json', '--dir', dir, '--jwt-file', jwt]);
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.results.find((x) => x.id === 'wif-token')?.status).toBe('fail');
  });
});
