import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYamlFile } from '../../src/probes/yaml-document.js';
import { parseYamlText } from '../../src/model/yaml-document.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-yaml-'));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('YAML loader', () => {
  it('records the position of every key and list item', () => {
    const f = parseYamlText(
      'listen_addr: ":8080"\nroutes:\n  wiki: http://10.0.0.1:80\n  auth: http://10.0.0.2:80\n',
      'c.yaml',
    );
    expect(f.state).toBe('ok');
    if (f.state !== 'ok') return;
    expect(f.value.positions['routes.auth']).toEqual({ line: 4, column: 3 });
    expect(f.value.positions.listen_addr).toEqual({ line: 1, column: 1 });
  });

  it('gives line and column for a syntax error', () => {
    const f = parseYamlText('routes:\n  wiki: http://a:1\n   bad: [unclosed\n', 'c.yaml');
    expect(f.state).toBe('invalid');
    if (f.state !== 'invalid') return;
    expect(f.problem).toMatch(/not valid YAML/);
    expect(f.location?.line).toBeGreaterThanOrEqual(2);
    expect(f.location?.column).toBeGreaterThan(0);
  });

  it('refuses a billion-laughs document quickly and without the memory', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
    }
    const started = Date.now();
    const f = parseYamlText(levels.join('\n'), 'bomb.yaml');
    expect(f.state).toBe('invalid');
    if (f.state === 'invalid') expect(f.problem).toMatch(/aliases/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects duplicate keys, as the proxy does', () => {
    const f = parseYamlText('routes:\n  a: http://x:1\n  a: http://y:1\n', 'c.yaml');
    expect(f.state).toBe('invalid');
  });

  it('reads CRLF line ends and a UTF-8 BOM', () => {
    const p = file(
      'crlf.yaml',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('listen_addr: ":8080"\r\nroutes:\r\n  a: http://10.0.0.1:80\r\n'),
      ]),
    );
    const f = loadYamlFile(p, false);
    expect(f.state).toBe('ok');
    if (f.state === 'ok') expect(f.value.data).toEqual({ listen_addr: ':8080', routes: { a: 'http://10.0.0.1:80' } });
  });

  it.each([
    ['empty', '', /empty/],
    ['whitespace only', '  \n\n', /empty/],
    ['binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x01]), /binary/],
    ['UTF-16', Buffer.from([0xff, 0xfe, 0x6c, 0x00]), /UTF-16/],
    ['invalid UTF-8', Buffer.from([0x6c, 0x69, 0xc3, 0x28, 0x0a]), /UTF-8/],
  ])('reports a %s file as invalid', (name, content, problem) => {
    const f = loadYamlFile(file(`${name}.yaml`, content), false);
    expect(f.state).toBe('invalid');
    if (f.state === 'invalid') expect(f.problem).toMatch(problem);
  });

  it('reads at most a bounded size', () => {
    const p = file('huge.yaml', Buffer.alloc(3 * 1024 * 1024, 'a'));
    const f = loadYamlFile(p, true);
    expect(f.state).toBe('unreadable');
    if (f.state === 'unreadable') {
      expect(f.problem).toMatch(/too large/);
      expect(f.explicit).toBe(true);
    }
  });

  it('tells a directory and a missing file apart', () => {
    mkdirSync(join(dir, 'adir.yaml'));
    const d = loadYamlFile(join(dir, 'adir.yaml'), false);
    expect(d.state).toBe('unreadable');
    if (d.state === 'unreadable') expect(d.problem).toMatch(/directory/);
    expect(loadYamlFile(join(dir, 'nope.yaml'), false).state).toBe('missing');
  });
});
