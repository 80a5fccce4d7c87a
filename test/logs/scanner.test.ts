import { describe, expect, it } from 'vitest';
import { FragmentPrefilter } from '../../src/logs/prefilter.js';
import { LineScanner } from '../../src/logs/scanner.js';
import { present } from '../helpers/present.js';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function collect(pf: FragmentPrefilter, data: Buffer, opts: { max?: number; chunk?: number } = {}) {
  const got: { text: string; line: number; cut: boolean; ids: number[] }[] = [];
  const sc = new LineScanner(
    pf,
    (text, line, cut, ids, count) => got.push({ text, line, cut, ids: ids.slice(0, count) }),
    opts.max,
    1024,
  );
  const step = opts.chunk ?? data.length;
  for (let i = 0; i < data.length; i += step) sc.push(data.subarray(i, i + step));
  sc.end();
  return { got, sc };
}

describe('FragmentPrefilter', () => {
  it('finds the same lines as a naive search, on random text and random chunkings', () => {
    const r = prng(42);
    const alphabet = 'abcdefgh ERR:=."\n';
    const fragments = ['abc', ' ERR ', 'hhh', 'a=b', 'ded.', 'gfedcba'];
    const pf = new FragmentPrefilter(fragments);
    for (let round = 0; round < 30; round++) {
      let text = '';
      const n = 200 + Math.floor(r() * 3000);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(r() * alphabet.length)];
      const lines = text.split('\n');
      const expected = lines
        .map((l, i) => ({ l, i: i + 1 }))
        .filter(({ l, i }) => fragments.some((f) => l.includes(f)) && !(i === lines.length && l === ''))
        .map(({ l, i }) => `${i}:${l}`);
      const chunk = 1 + Math.floor(r() * 700);
      const { got, sc } = collect(pf, Buffer.from(text), { chunk });
      expect(got.map((g) => `${g.line}:${g.text}`)).toEqual(expected);
      for (const g of got) {
        expect(g.ids.map((id) => pf.fragments[id]).sort()).toEqual(fragments.filter((f) => g.text.includes(f)).sort());
      }
      expect(sc.lines).toBe(text.endsWith('\n') ? lines.length - 1 : lines.length);
    }
  });

  it('finds fragments at the start and the end of lines and of the input', () => {
    const pf = new FragmentPrefilter(['needle', 'ERR: ']);
    const { got } = collect(pf, Buffer.from('needle first\nnothing\nlast needle\nERR: x\nneedle'));
    expect(got.map((g) => g.line)).toEqual([1, 3, 4, 5]);
  });

  it('refuses fragments it cannot search', () => {
    expect(() => new FragmentPrefilter([])).toThrow();
    expect(() => new FragmentPrefilter(['a\nb'])).toThrow();
  });
});

describe('LineScanner', () => {
  const pf = new FragmentPrefilter(['MATCH']);

  it('counts lines with and without a final newline, and strips CR of CRLF', () => {
    expect(collect(pf, Buffer.from('a\nb\nc\n')).sc.lines).toBe(3);
    expect(collect(pf, Buffer.from('a\nb\nc')).sc.lines).toBe(3);
    expect(collect(pf, Buffer.from('')).sc.lines).toBe(0);
    expect(collect(pf, Buffer.from('\n\n')).sc.lines).toBe(2);
    const { got } = collect(pf, Buffer.from('x\r\nMATCH here\r\n'));
    expect(got).toEqual([{ text: 'MATCH here', line: 2, cut: false, ids: [0] }]);
  });

  it('gives the same answer whatever the chunk size (one byte at a time too)', () => {
    const data = Buffer.from('one\nMATCH two\nthree MATCH\n\nfourMATCH\nfive');
    const whole = collect(pf, data).got;
    for (const chunk of [1, 2, 3, 7, 64]) expect(collect(pf, data, { chunk }).got).toEqual(whole);
  });

  it('cuts a huge line, counts it, matches its head and keeps counting lines after it', () => {
    const huge = `MATCH at the start ${'x'.repeat(5000)} MATCH far away`;
    const data = Buffer.from(`first\n${huge}\n${'y'.repeat(3000)}MATCH\nMATCH last\n`);
    for (const chunk of [data.length, 100, 1]) {
      const { got, sc } = collect(pf, data, { max: 256, chunk });
      expect(sc.lines).toBe(4);
      expect(sc.cutLines).toBe(2);
      expect(got.map((g) => [g.line, g.cut, g.text.length])).toEqual([
        [2, true, 256],
        [4, false, 10],
      ]);
    }
  });

  it('survives binary input and invalid UTF-8', () => {
    const bin = Buffer.alloc(50_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 256;
    const { sc } = collect(pf, Buffer.concat([bin, Buffer.from('\nMATCH ok\n')]), { max: 128, chunk: 333 });
    expect(sc.lines).toBeGreaterThan(1);
    const bad = Buffer.concat([Buffer.from('MATCH '), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(' end\n')]);
    const { got } = collect(pf, bad);
    expect(present(got[0]).text).toBe('MATCH \ufffd(\ufffd\ufffd end');
  });

  it('reads into its own buffer with fill/commit (the file path)', () => {
    const lines: number[] = [];
    const sc = new LineScanner(pf, (_t, n) => lines.push(n), 64, 1024);
    const data = Buffer.from('a\nMATCH\nb\nMATCH');
    const t = sc.fillTarget();
    data.copy(t.buffer, t.offset);
    sc.commit(data.length);
    sc.end();
    expect(lines).toEqual([2, 4]);
    expect(sc.bytes).toBe(data.length);
  });
});
