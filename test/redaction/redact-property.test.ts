// Properties of redact(): a registered secret planted anywhere in random text, in random case
// and broken over random lines, never survives, not even a FRAGMENT-long piece of it; and the
// secret shapes the patterns know survive in no case without being registered. Bounded runs
// (MCP_TUNNEL_PROPERTY_RUNS raises them).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redaction/redact.js';
import { registerSecret, withSecretRegistry } from '../../src/redaction/secret-registry.js';
import { FRAGMENT, leaks } from './secret-shapes.js';

const RUNS = Number(process.env.MCP_TUNNEL_PROPERTY_RUNS ?? 300);

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const secretArb = fc
  .string({ unit: fc.constantFrom(...BASE64), minLength: 16, maxLength: 96 })
  .filter((s) => /[0-9]/.test(s) && /[A-Za-z]/.test(s));
const caseArb = fc.constantFrom('same', 'upper', 'lower', 'mixed');
const textArb = fc.string({ unit: 'grapheme-ascii', maxLength: 200 });

function recase(s: string, how: string, seed: number): string {
  if (how === 'upper') return s.toUpperCase();
  if (how === 'lower') return s.toLowerCase();
  if (how === 'mixed')
    return [...s].map((c, i) => (((seed >> (i % 31)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase())).join('');
  return s;
}

/** The secret broken at the given cut points with a line break (and maybe indentation). */
function breakLines(s: string, cuts: number[], breaks: string[]): string {
  const at = [...new Set(cuts.map((c) => c % s.length))].sort((a, b) => a - b);
  let out = '';
  let last = 0;
  at.forEach((c, i) => {
    out += s.slice(last, c) + breaks[i % breaks.length];
    last = c;
  });
  return out + s.slice(last);
}

describe('redact: properties', () => {
  it('a registered secret never survives, in any case, whole or broken over lines', () => {
    fc.assert(
      fc.property(
        secretArb,
        textArb,
        textArb,
        caseArb,
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.array(fc.constantFrom('\n', '\r\n', '\n  ', '\n+ '), { minLength: 1, maxLength: 3 }),
        (secret, before, after, how, seed, cuts, breaks) => {
          const planted = breakLines(recase(secret, how, seed), cuts, breaks);
          const out = withSecretRegistry(() => {
            registerSecret(secret);
            return redact(`${before}${planted}${after}`);
          });
          // A diff marker ("+ ") between pieces is not whitespace: each piece is then checked on its own line.
          const checked = new Map([['secret', secret]]);
          expect(leaks(out.replace(/\n\+ /g, '\n'), checked)).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('known shapes are masked by pattern alone, in any case, wherever they sit in text', () => {
    const shapeArb = fc.oneof(
      secretArb.map((s) => ({ text: `sk-ant-api03-${s.replace(/[+/]/g, 'x')}`, secret: s.replace(/[+/]/g, 'x') })),
      secretArb.map((s) => ({
        text: `${Buffer.from(`{"a": "${s}"}`).toString('base64')}`,
        secret: Buffer.from(`{"a": "${s}"}`).toString('base64'),
      })),
      fc.tuple(secretArb, secretArb).map(([a, b]) => {
        const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(a).toString('base64url')}.${Buffer.from(b).toString('base64url')}`;
        return { text: jwt, secret: jwt.slice(20) };
      }),
      secretArb.map((s) => ({ text: `https://admin:p@ss/${s}@db.internal/`, secret: `p@ss/${s}` })),
      secretArb.map((s) => ({
        text: `-----BEGIN PRIVATE KEY-----\n${s}${s}\n-----END PRIVATE KEY-----`,
        secret: `${s}${s}`,
      })),
    );
    fc.assert(
      fc.property(
        shapeArb,
        textArb,
        textArb,
        caseArb,
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.constantFrom(' ', '\n', '\t', '"', '=', '\u0001'),
        (shape, before, after, how, seed, sep) => {
          const out = redact(`${before}${sep}${recase(shape.text, how, seed)}${sep === '=' ? ' ' : sep}${after}`);
          expect(leaks(out, new Map([['secret', shape.secret]]))).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the leak check can fail: an unregistered opaque secret survives redact()', () => {
    const secret = 'Q3vX9kLm2PzR8tYw';
    expect(secret.length).toBeGreaterThanOrEqual(FRAGMENT);
    expect(leaks(redact(`value ${secret}`), new Map([['s', secret]]))).toEqual(['s']);
  });
});
