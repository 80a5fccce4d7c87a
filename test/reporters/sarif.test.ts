import { describe, expect, it } from 'vitest';
import type * as Sarif from 'sarif';
import { CATALOG } from '../../src/catalog/catalog.js';
import { renderDoctorSarif, renderLogsSarif, SARIF_SCHEMA } from '../../src/reporters/sarif.js';
import { sarifProblems } from '../helpers/consumers.js';
import { present } from '../helpers/present.js';
import { BASE, ctx, sampleDoctorReport, sampleLogsReport } from './samples.js';

const doctor = (over = {}) => JSON.parse(renderDoctorSarif(sampleDoctorReport(), ctx(over))) as Sarif.Log;
const logs = (over = {}, report = sampleLogsReport()) => JSON.parse(renderLogsSarif(report, ctx(over))) as Sarif.Log;
const run = (log: Sarif.Log) => present(log.runs[0], 'the run');
const resultOf = (log: Sarif.Log, messageId: string) =>
  run(log).results!.find((r) => r.properties?.messageId === messageId)!;
const physical = (r: Sarif.Result) => r.locations?.[0]?.physicalLocation;

describe('sarif reporter: doctor', () => {
  it('validates against the SARIF 2.1.0 schema (plain and verbose)', () => {
    expect(sarifProblems(doctor())).toEqual([]);
    expect(sarifProblems(doctor({ verbose: true }))).toEqual([]);
    const log = doctor();
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(log.version).toBe('2.1.0');
  });

  it('the schema check can fail: a misspelt property or a wrong level is caught', () => {
    const log = doctor() as unknown as { runs: { results: Record<string, unknown>[] }[] };
    present(log.runs[0]?.results[0]).levle = 'error';
    expect(sarifProblems(log).join('\n')).toMatch(/additional/);
    const bad = doctor() as unknown as { runs: { results: Record<string, unknown>[] }[] };
    present(bad.runs[0]?.results[0]).level = 'fatal';
    expect(sarifProblems(bad).join('\n')).toMatch(/allowed values/);
  });

  it('has one rule per catalog ID, in catalog order, with descriptions, help and a stable help URI', () => {
    const driver = run(doctor()).tool.driver;
    expect(driver.name).toBe('mcp-tunnel');
    expect(driver.version).toBe('9.9.9');
    expect(driver.informationUri).toBe('https://www.npmjs.com/package/mcp-tunnel');
    expect(driver.rules!.map((r) => r.id)).toEqual(CATALOG.map((e) => e.id));
    for (const [i, rule] of driver.rules!.entries()) {
      const entry = present(CATALOG[i]);
      expect(rule.shortDescription!.text).toBe(entry.title);
      expect(rule.fullDescription!.text).toBe(entry.explain);
      expect(rule.help!.text.startsWith(entry.fix)).toBe(true);
      expect(rule.helpUri).toBe('https://www.npmjs.com/package/mcp-tunnel#checks');
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    }
    const level = (id: string) => driver.rules!.find((r) => r.id === id)!.defaultConfiguration!.level;
    expect(level('certificate-san')).toBe('error');
    expect(level('udp-receive-buffer')).toBe('note');
  });

  it('one result per error or warning finding, ruleIndex pointing at its rule', () => {
    const log = doctor();
    const results = run(log).results!;
    expect(results.map((r) => [r.ruleId, r.level, r.properties!.messageId])).toEqual([
      ['cloudflared-ingress', 'error', 'no-url'],
      ['cloudflared-ingress', 'warning', 'network-mode'],
      ['certificate-expiry', 'warning', 'renewal-window'],
      ['proxy-config', 'error', 'invalid-upstream'],
      ['tunnel-domain', 'error', 'no-location'],
    ]);
    for (const r of results) expect(run(log).tool.driver.rules?.[r.ruleIndex ?? -1]?.id).toBe(r.ruleId);
    expect(resultOf(log, 'no-url').message.text).toMatch(
      /^a \| pipe[\s\S]*\nCause: cause \| with pipe\nFix: fix\nin two lines$/,
    );
    // info findings become notes with --verbose only
    expect(results.some((r) => r.level === 'note')).toBe(false);
    const verbose = doctor({ verbose: true });
    expect(resultOf(verbose, 'token-decoded').level).toBe('note');
    expect(resultOf(verbose, 'no-url').properties!.evidence).toEqual({ command: 'tunnel run' });
  });

  it('locations: relative to the base with forward slashes and SRCROOT, line and column, encoded; absolute outside; the anchor without a region', () => {
    const log = doctor();
    expect(run(log).originalUriBaseIds?.SRCROOT?.uri).toBe(`file://${BASE}/`);
    expect(physical(resultOf(log, 'no-url'))).toEqual({
      artifactLocation: { uri: 'compose.yaml', uriBaseId: 'SRCROOT' },
      region: { startLine: 31, startColumn: 5 },
    });
    const odd = physical(resultOf(log, 'network-mode'))!;
    expect(odd.artifactLocation!.uri).toBe('dir%20with%20space/a%2Cb%3Ac%25.yaml');
    expect(decodeURIComponent(new URL(odd.artifactLocation!.uri!, `file://${BASE}/`).pathname)).toBe(
      `${BASE}/dir with space/a,b:c%.yaml`,
    );
    expect(odd.region).toEqual({ startLine: 2 });
    expect(physical(resultOf(log, 'renewal-window'))).toEqual({
      artifactLocation: { uri: 'data/tls.crt', uriBaseId: 'SRCROOT' },
    });
    expect(physical(resultOf(log, 'invalid-upstream'))).toEqual({
      artifactLocation: { uri: 'file:///elsewhere/mcp-proxy.yaml' },
      region: { startLine: 7, startColumn: 3 },
    });
    // GitHub rejects a file with any result lacking a location: the deployment's main file stands in.
    expect(physical(resultOf(log, 'no-location'))).toEqual({
      artifactLocation: { uri: 'compose.yaml', uriBaseId: 'SRCROOT' },
    });
    expect(resultOf(doctor({ anchorFile: undefined }), 'no-location').locations).toBeUndefined();
  });

  it('a check that errored is a tool execution notification, not a result', () => {
    const inv = present(run(doctor()).invocations?.[0]);
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toEqual([
      {
        level: 'error',
        message: { text: 'private-key could not be checked: the check threw: boom <b>' },
        descriptor: { id: 'private-key', index: CATALOG.findIndex((e) => e.id === 'private-key') },
      },
    ]);
  });
});

describe('sarif reporter: logs', () => {
  it('validates, and points each result at the log file and its first line', () => {
    const log = logs();
    expect(sarifProblems(log)).toEqual([]);
    const results = run(log).results!;
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['upstream-ip', 'error'],
      ['edge-udp', 'warning'],
    ]);
    expect(physical(present(results[0]))).toEqual({
      artifactLocation: { uri: 'logs/cloudflared.log', uriBaseId: 'SRCROOT' },
      region: { startLine: 3 },
    });
    expect(results[0]?.message.text).toContain('ip-validation-failed: 2 lines (lines 3-9)');
    expect(results[0]?.properties).toMatchObject({
      signature: 'ip-validation-failed',
      count: 2,
      firstLine: 3,
      lastLine: 9,
    });
    expect(run(log).automationDetails!.id).toBe('mcp-tunnel/logs/');
    expect(run(logs({ verbose: true })).results!.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
  });

  it('stdin has no file to point at', () => {
    const report = {
      ...sampleLogsReport(),
      sources: [{ name: 'stdin', gzip: false, lines: 20, bytes: 2000, cutLines: 0 }],
    };
    const log = logs({}, report);
    expect(sarifProblems(log)).toEqual([]);
    expect(run(log).results!.every((r) => r.locations === undefined)).toBe(true);
  });
});
