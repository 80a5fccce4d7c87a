import { describe, expect, it } from 'vitest';
import { parseLine, stripPrefixes } from '../../src/logs/line.js';

const CONSOLE =
  '2026-03-02T08:00:06Z ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=0 event=0 ip=198.41.192.167';

describe('stripPrefixes', () => {
  it.each([
    ['Compose v2', `cloudflared-1  | ${CONSOLE}`, 'cloudflared'],
    ['Compose v2, any service name', `tunnel-1  | ${CONSOLE}`, 'tunnel'],
    ['Compose v2, padded name', `mcp-proxy-1    | ${CONSOLE}`, 'mcp-proxy'],
    ['Compose v1', `cloudflared_1  | ${CONSOLE}`, 'cloudflared'],
    ['Compose v1 with a project name', `mcp_mcp-gateway_1  | ${CONSOLE}`, 'mcp_mcp-gateway'],
    ['Compose with colour codes', `\x1b[36mcloudflared-1  |\x1b[0m ${CONSOLE}`, 'cloudflared'],
    ['journald short', `Mar 02 14:00:31 gw01 cloudflared[812]: ${CONSOLE}`, 'cloudflared'],
    ['journald short, single-digit day', `Jul  7 15:38:26 gw-host cloudflared[812]: ${CONSOLE}`, 'cloudflared'],
    ['journald short-precise', `Mar 02 14:00:31.582146 gw01 cloudflared[812]: ${CONSOLE}`, 'cloudflared'],
    ['journald with the host name cut out', `Sep 02 06:29:25 cloudflared[157543]: ${CONSOLE}`, 'cloudflared'],
    ['journald short-iso', `2026-03-02T14:01:00+0000 gw01 cloudflared[812]: ${CONSOLE}`, 'cloudflared'],
    [
      'kubectl --prefix',
      `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/cloudflared] ${CONSOLE}`,
      'pod/mcp-tunnel-6c9f7d8b5-x2k4q/cloudflared',
    ],
    [
      'kubectl --prefix --timestamps',
      `[pod/mcp-tunnel-6c9f7d8b5-x2k4q/cloudflared] 2026-03-02T15:00:01.120333444Z ${CONSOLE}`,
      'pod/mcp-tunnel-6c9f7d8b5-x2k4q/cloudflared',
    ],
    ['docker logs -t (runtime timestamp glued in front)', `2026-03-02T08:00:06.987654321Z ${CONSOLE}`, null],
    ['runtime timestamp glued without a space', `2026-03-02T08:00:06.987654321Z${CONSOLE}`, null],
    ['CRI log file', `2026-03-02T08:00:06.987654321Z stderr F ${CONSOLE}`, null],
    ['stderr: ', `stderr: ${CONSOLE}`, null],
    [
      'Compose and runtime timestamps stacked',
      `cloudflared-1  | 2026-03-02T08:00:06.987654321Z ${CONSOLE}`,
      'cloudflared',
    ],
    ['Docker Desktop local time in front', `2026-03-02 09:00:06 ${CONSOLE}`, null],
    ['indented (pasted in a quote)', `    ${CONSOLE}`, null],
  ])('%s', (_name, line, origin) => {
    const out = stripPrefixes(line);
    expect(out.text).toBe(CONSOLE);
    expect(out.origin).toBe(origin);
  });

  it('keeps a cloudflared console line whole (its timestamp is not a prefix)', () => {
    expect(stripPrefixes(CONSOLE).text).toBe(CONSOLE);
  });

  it('takes the time from a runtime prefix when the line has none', () => {
    const p = parseLine('2026-03-02T08:00:06.987654321Z tls handshake failed: remote error: tls: bad certificate');
    expect(p.time).toBe('2026-03-02T08:00:06.987654321Z');
    expect(p.message).toBe('tls handshake failed: remote error: tls: bad certificate');
  });
});

describe('parseLine', () => {
  it('reads the cloudflared console format: time, level, message, fields', () => {
    const p = parseLine(CONSOLE);
    expect(p).toMatchObject({
      format: 'console',
      time: '2026-03-02T08:00:06Z',
      level: 'error',
      message: 'Failed to dial a quic connection',
    });
    expect(p.fields).toMatchObject({
      error: 'failed to dial to edge with quic: timeout: no recent network activity',
      connIndex: '0',
      ip: '198.41.192.167',
    });
  });

  it('reads a console line with an empty message (two spaces after the level)', () => {
    const p = parseLine(
      '2026-03-02T13:06:05Z ERR  error="Unable to reach the origin service." originService=http://localhost:8080',
    );
    expect(p.level).toBe('error');
    expect(p.message).toBe('');
    expect(p.fields.originService).toBe('http://localhost:8080');
  });

  it.each([
    ['DBG', 'debug'],
    ['INF', 'info'],
    ['WRN', 'warn'],
    ['ERR', 'error'],
    ['FTL', 'fatal'],
  ])('maps console level %s', (word, level) => {
    expect(parseLine(`2026-03-02T08:00:00Z ${word} something`).level).toBe(level);
  });

  it('reads --logfile JSON (level, context fields, time, message)', () => {
    const p = parseLine(
      '{"level":"error","connIndex":0,"ip":"198.41.192.7","error":"dial tcp 198.41.192.7:7844: i/o timeout","time":"2026-03-02T10:00:15Z","message":"Serve tunnel error"}',
    );
    expect(p).toMatchObject({
      format: 'json',
      level: 'error',
      time: '2026-03-02T10:00:15Z',
      message: 'Serve tunnel error',
    });
    expect(p.fields.ip).toBe('198.41.192.7');
  });

  it('reads --output json (keys in alphabetical order)', () => {
    const p = parseLine(
      '{"connIndex":1,"error":"x","event":0,"ip":"198.41.200.13","level":"warn","message":"Retrying","time":"2026-03-02T11:00:01Z"}',
    );
    expect(p).toMatchObject({ format: 'json', level: 'warn', message: 'Retrying', time: '2026-03-02T11:00:01Z' });
  });

  it('reads the proxy JSON lines (msg, upper-case level)', () => {
    const p = parseLine(
      'mcp-proxy-1    | {"time":"2026-03-02T12:01:11.020Z","level":"ERROR","msg":"IP validation failed: 34.117.59.81 is not a private address","route":"search"}',
    );
    expect(p).toMatchObject({
      format: 'json',
      level: 'error',
      origin: 'mcp-proxy',
      message: 'IP validation failed: 34.117.59.81 is not a private address',
    });
    expect(p.fields.route).toBe('search');
  });

  it('reads quic-go Go log lines (local time, no level)', () => {
    const p = parseLine(
      '2026/03/02 08:00:01 failed to sufficiently increase receive buffer size (was: 208 kiB, wanted: 7168 kiB, got: 416 kiB).',
    );
    expect(p).toMatchObject({ format: 'golog', time: '2026-03-02T08:00:01', level: null });
    expect(p.message).toMatch(/^failed to sufficiently/);
  });

  it('reads the proxy text lines in logfmt', () => {
    const p = parseLine(
      'time=2026-03-02T15:03:00.000Z level=ERROR msg="tls handshake failed" err="remote error: tls: bad certificate" sni=wiki.example',
    );
    expect(p).toMatchObject({
      format: 'logfmt',
      level: 'error',
      time: '2026-03-02T15:03:00.000Z',
      message: 'tls handshake failed',
    });
    expect(p.fields.err).toBe('remote error: tls: bad certificate');
  });

  it('reads zap console lines', () => {
    const p = parseLine(
      '2026-03-02T12:00:00.000Z\tERROR\tupstream request failed\t{"route":"wiki","error":"dial tcp 10.0.0.5:80: connect: connection refused"}',
    );
    expect(p).toMatchObject({ format: 'zap', level: 'error', message: 'upstream request failed' });
    expect(p.fields.route).toBe('wiki');
  });

  it('reads rows of the CONNECTIVITY PRE-CHECKS table', () => {
    const p = parseLine('UDP Connectivity   198.41.192.7:7844               FAIL    no QUIC response within 5s');
    expect(p).toMatchObject({ format: 'precheck', level: 'error' });
    expect(p.fields).toEqual({
      component: 'UDP Connectivity',
      target: '198.41.192.7:7844',
      status: 'FAIL',
      details: 'no QUIC response within 5s',
    });
    expect(
      parseLine('| DNS Resolution | region1.v2.argotunnel.com | PASS | resolved 10 addresses |').fields,
    ).toMatchObject({ component: 'DNS Resolution', status: 'PASS' });
  });

  it('reads a level word at the start of plain text', () => {
    expect(parseLine('ERROR: UDP port 7844 appears blocked').level).toBe('error');
    expect(parseLine('Error: create tunnel: 403 Forbidden').level).toBe('error');
    expect(parseLine('WARNING: something').level).toBe('warn');
    expect(parseLine('panic: runtime error: index out of range').level).toBe('fatal');
    expect(parseLine('just some words').level).toBeNull();
  });

  it('survives anything: broken JSON, binary, replacement characters', () => {
    expect(parseLine('{"level":"error", broken').format).toBe('text');
    expect(() => parseLine('\u0000\u0001\ufffd\ufffd ERR \u0007')).not.toThrow();
    expect(parseLine('').message).toBe('');
  });
});

describe('lineLevel', () => {
  it('agrees with parseLine on every fixture line and on tricky ones', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { lineLevel } = await import('../../src/logs/line.js');
    const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'logs');
    const lines = readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'));
    lines.push(
      '{"msg":"x level=error msg=y"}',
      '{"lvl":"eror"}',
      '{"severity":"ERROR","message":"x"}',
      '{"level":"error", broken',
      '2026/03/02 08:00:00 level=error msg="go log with logfmt"',
      '2026/03/02 08:00:00 ERROR: something',
      'cloudflared-1  | 2026-03-02T08:00:00Z ERR x',
      '2026-03-02T08:00:00.1Z\tERROR\tzap line',
      'UDP Connectivity   198.41.192.7:7844   FAIL   x',
      'panic: boom',
    );
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines) expect(lineLevel(l), l).toBe(parseLine(l).level);
  });
});
