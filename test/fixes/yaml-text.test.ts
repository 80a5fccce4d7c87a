// Surgical YAML and .env edits: only the repaired bytes change; quoting, comments, CRLF and
// order stay; anything that cannot be edited exactly is refused (null), never guessed.

import { describe, expect, it } from 'vitest';
import { setDotenvValue } from '../../src/fixes/dotenv-text.js';
import { routesListToMap } from '../../src/fixes/routes-map.js';
import { insertSeqItems, plainSafe, setScalar, yamlData } from '../../src/fixes/yaml-text.js';

describe('setScalar', () => {
  const compose = [
    '# top comment',
    'services:',
    '  cloudflared:',
    '    image: cloudflare/cloudflared   # pinned below',
    '    network_mode: "service:mcp-gateway"',
    "    user: 'nobody'",
    '    command: tunnel run',
    '',
    '  mcp-proxy:',
    '    image: x',
    '',
  ].join('\n');

  it('replaces a value in place, keeping its quotes and the comments around it', () => {
    const after = setScalar(compose, ['services', 'cloudflared', 'network_mode'], 'service:mcp-proxy')!;
    expect(after).toBe(compose.replace('"service:mcp-gateway"', '"service:mcp-proxy"'));
    expect(setScalar(compose, ['services', 'cloudflared', 'user'], "it's")).toBe(
      compose.replace("'nobody'", "'it''s'"),
    );
    expect(setScalar(compose, ['services', 'cloudflared', 'command'], 'tunnel run --url http://localhost:8080')).toBe(
      compose.replace('command: tunnel run', 'command: tunnel run --url http://localhost:8080'),
    );
  });

  it('quotes a plain value that would not read back as the same string', () => {
    const after = setScalar('a: x\n', ['a'], 'yes')!;
    expect(after).toBe('a: "yes"\n');
    expect(yamlData(after)).toEqual({ a: 'yes' });
    expect(setScalar('a: x\n', ['a'], 'b: c')).toBe('a: "b: c"\n');
  });

  it("adds a missing key at the end of its map, at the map's indentation", () => {
    const after = setScalar(compose, ['services', 'mcp-proxy', 'network_mode'], 'host', { style: 'double' })!;
    expect(after).toBe(compose.replace('    image: x\n', '    image: x\n    network_mode: "host"\n'));
  });

  it('adds missing maps on the way, and after a named key when asked', () => {
    const values = 'api:\n    wif:\n        tokenFile: /t\nsetup:\n    enabled: true\n';
    expect(setScalar(values, ['api', 'wif', 'audience'], 'https://api.anthropic.com')).toBe(
      'api:\n    wif:\n        tokenFile: /t\n        audience: https://api.anthropic.com\nsetup:\n    enabled: true\n',
    );
    expect(setScalar('setup:\n  enabled: true\n', ['api', 'wif', 'audience'], 'a.b')).toBe(
      'setup:\n  enabled: true\napi:\n  wif:\n    audience: a.b\n',
    );
    expect(
      setScalar('listen_addr: ":8080"\ntls:\n  cert_file: /a\n', ['tunnel_domain'], 'd.example', {
        afterKey: 'listen_addr',
      }),
    ).toBe('listen_addr: ":8080"\ntunnel_domain: d.example\ntls:\n  cert_file: /a\n');
  });

  it('fills an empty value and keeps CRLF line endings', () => {
    expect(setScalar('a:\nb: 1\n', ['a'], 'x')).toBe('a: x\nb: 1\n');
    expect(setScalar('a: 1\r\nb:\r\n  c: 2\r\n', ['b', 'd'], 'x')).toBe('a: 1\r\nb:\r\n  c: 2\r\n  d: x\r\n');
  });

  it('refuses shapes it cannot edit exactly', () => {
    expect(setScalar('a: {b: 1}\n', ['a', 'c'], 'x')).toBeNull(); // a flow map
    expect(setScalar('a: |\n  text\n', ['a'], 'x')).toBeNull(); // a block scalar
    expect(setScalar('a: [1, 2]\n', ['a'], 'x')).toBeNull(); // not a scalar
    expect(setScalar('a: : :\n', ['a'], 'x')).toBeNull(); // does not parse
  });
});

describe('insertSeqItems', () => {
  it("appends to a block list at the items' indentation and quoting", () => {
    const t = 'upstream:\n  allowed_ips:\n    - "10.0.0.0/8"   # cluster\n    - "172.16.0.0/12"\nroutes: {}\n';
    expect(insertSeqItems(t, ['upstream', 'allowed_ips'], 2, ['192.168.0.0/16'])).toBe(
      'upstream:\n  allowed_ips:\n    - "10.0.0.0/8"   # cluster\n    - "172.16.0.0/12"\n    - "192.168.0.0/16"\nroutes: {}\n',
    );
  });

  it('inserts in the middle of a list and into a flow list', () => {
    expect(
      insertSeqItems('command:\n- tunnel\n- run\n- --token-file\n- /t\n', ['command'], 2, [
        '--url',
        'http://localhost:8080',
      ]),
    ).toBe('command:\n- tunnel\n- run\n- --url\n- http://localhost:8080\n- --token-file\n- /t\n');
    expect(insertSeqItems('command: ["tunnel", "run"]\n', ['command'], 2, ['--url', 'http://localhost:8080'])).toBe(
      'command: ["tunnel", "run", "--url", "http://localhost:8080"]\n',
    );
    expect(insertSeqItems('ips: [10.0.0.0/8]\n', ['ips'], 0, ['192.168.0.0/16'])).toBe(
      'ips: [192.168.0.0/16, 10.0.0.0/8]\n',
    );
  });
});

describe('plainSafe', () => {
  it('allows what reads back as the same string and nothing else', () => {
    for (const s of ['service:mcp-proxy', 'http://localhost:8080', '10.0.0.0/8', '--url', 'abcd.tunnel.example.com'])
      expect(plainSafe(s)).toBe(true);
    for (const s of ['yes', 'null', '8080', '1e3', 'a: b', 'a #b', '- x', '', ' x', '*ref', '[x]', 'a,b', '@x'])
      expect(plainSafe(s)).toBe(false);
  });
});

describe('routesListToMap', () => {
  const config = [
    '# proxy config',
    'listen_addr: ":8080"',
    '',
    'routes:',
    '  # the main server',
    '  - mcp: http://10.20.0.15:8080   # primary',
    '  - auth: "http://192.168.10.4:9000"',
    '  # wiki comes last but one',
    '  - name: wiki',
    '    # moved in May',
    '    url: http://172.20.1.7:3000',
    '  - "docs: http://10.20.0.16:8080"',
    '',
    '# after the routes',
    'tls:',
    '  cert_file: /data/tls.crt',
    '',
  ].join('\n');

  it('keeps every comment, the order, the quoting and everything around', () => {
    const r = routesListToMap(config, ['routes']);
    expect('after' in r).toBe(true);
    const after = (r as { after: string }).after;
    expect(after).toBe(
      [
        '# proxy config',
        'listen_addr: ":8080"',
        '',
        'routes:',
        '  # the main server',
        '  mcp: http://10.20.0.15:8080   # primary',
        '  auth: "http://192.168.10.4:9000"',
        '  # wiki comes last but one',
        '  # moved in May',
        '  wiki: http://172.20.1.7:3000',
        '  docs: http://10.20.0.16:8080',
        '',
        '# after the routes',
        'tls:',
        '  cert_file: /data/tls.crt',
        '',
      ].join('\n'),
    );
    const data = yamlData(after) as { routes: Record<string, string> };
    expect(Object.keys(data.routes)).toEqual(['mcp', 'auth', 'wiki', 'docs']);
  });

  it('carries the comments of a rewritten item over in their order, trailing ones included', () => {
    const t =
      'routes:\n  - name: wiki   # first line\n    # moved in May\n    url: "http://x:1"  # team wiki\n  # between\n  - {a: "http://b:2"}  # flow item\n  - "c: http://c:3" # str\nnext: 1 # end\n';
    expect(routesListToMap(t, ['routes'])).toEqual({
      after:
        'routes:\n  # first line\n  # moved in May\n  wiki: http://x:1  # team wiki\n  # between\n  a: http://b:2  # flow item\n  c: http://c:3  # str\nnext: 1 # end\n',
    });
  });

  it("indents the map under a list written at the key's own column", () => {
    const r = routesListToMap('routes:\n- mcp: http://a:1\n- auth: http://b:2\ntls: {}\n', ['routes']);
    expect(r).toEqual({ after: 'routes:\n  mcp: http://a:1\n  auth: http://b:2\ntls: {}\n' });
  });

  it('turns a flow list into a block map', () => {
    expect(routesListToMap('routes: [{mcp: "http://a:1"}, {auth: http://b:2}]\nx: 1\n', ['routes'])).toEqual({
      after: 'routes:\n  mcp: http://a:1\n  auth: http://b:2\nx: 1\n',
    });
  });

  it('converts inside Helm values (gateway.config.routes)', () => {
    const values = 'gateway:\n  config:\n    routes:\n      - mcp: http://a:1  # one\n      - auth: http://b:2\n';
    expect(routesListToMap(values, ['gateway', 'config', 'routes'])).toEqual({
      after: 'gateway:\n  config:\n    routes:\n      mcp: http://a:1  # one\n      auth: http://b:2\n',
    });
  });

  it('refuses items it cannot read as one route, and duplicate names', () => {
    expect(routesListToMap('routes:\n  - mcp: http://a:1\n  - [x, y]\n', ['routes'])).toEqual({
      problem: expect.stringContaining('item 2'),
    });
    expect(routesListToMap('routes:\n  - mcp: http://a:1\n  - mcp: http://b:2\n', ['routes'])).toEqual({
      problem: expect.stringContaining('twice'),
    });
  });
});

describe('setDotenvValue', () => {
  const env = '# comment\nexport TUNNEL_DOMAIN="old.example"\nTUNNEL_TOKEN=secret-value\nOTHER=1 # note\n';
  it('changes the value in place, keeping export, quotes and other lines', () => {
    expect(setDotenvValue(env, 'TUNNEL_DOMAIN', 'new.example')).toBe(env.replace('"old.example"', '"new.example"'));
    expect(setDotenvValue(env, 'OTHER', '2')).toBe(env.replace('OTHER=1 # note', 'OTHER=2 # note'));
  });
  it('edits the last definition (the one Compose uses) and keeps CRLF', () => {
    expect(setDotenvValue('A=1\r\nA=2\r\n', 'A', '3')).toBe('A=1\r\nA=3\r\n');
  });
  it('appends a missing variable', () => {
    expect(setDotenvValue('A=1', 'B', 'x')).toBe('A=1\nB=x\n');
  });
});
