import { describe, expect, it } from 'vitest';
import { doctorIds } from '../../src/catalog/catalog.js';
import { renderDoctorJunit, renderLogsJunit, xmlAttr, xmlText } from '../../src/reporters/junit.js';
import { junitProblems, parseXml, type XmlNode } from '../helpers/consumers.js';
import { present } from '../helpers/present.js';
import { ctx, sampleDoctorReport, sampleLogsReport, TRICKY } from './samples.js';

const suiteOf = (root: XmlNode): XmlNode => present(root.children[0], 'the testsuite');
const cases = (root: XmlNode) => suiteOf(root).children.filter((c) => c.name === 'testcase');
const byName = (root: XmlNode, prefix: string) => cases(root).find((c) => c.attrs.name?.startsWith(prefix))!;
const child = (n: XmlNode, name: string) => n.children.find((c) => c.name === name);

describe('junit reporter: doctor', () => {
  const xml = renderDoctorJunit(sampleDoctorReport(), ctx());
  const root = parseXml(xml);

  it('is well-formed XML in the JUnit schema shape, with counts that add up', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(junitProblems(root)).toEqual([]);
    const suite = suiteOf(root);
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs).toMatchObject({
      name: 'mcp-tunnel doctor',
      tests: String(doctorIds().length),
      failures: '3',
      errors: '1',
    });
    expect(Number(suite.attrs.skipped)).toBe(cases(root).filter((c) => child(c, 'skipped')).length);
    expect(root.attrs.tests).toBe(suite.attrs.tests);
    expect(suite.attrs.time).toBe('0.042');
  });

  it('one testcase per check, in catalog order, classname mcp-tunnel.<layer>, name "<id>: <title>"', () => {
    const report = sampleDoctorReport();
    expect(cases(root).map((c) => c.attrs.name)).toEqual(report.results.map((r) => `${r.id}: ${r.title}`));
    expect(cases(root).map((c) => c.attrs.classname)).toEqual(report.results.map((r) => `mcp-tunnel.${r.layer}`));
    expect(byName(root, 'cloudflared-ingress').attrs.time).toBe('0.002');
  });

  it('a failing check has a <failure> typed by messageId, with symptom, cause, fix and the relative location', () => {
    const failure = child(byName(root, 'cloudflared-ingress'), 'failure')!;
    expect(failure.attrs.type).toBe('no-url');
    // The attribute survives a parser intact, except the characters XML cannot carry (U+0001, ESC).
    expect(failure.attrs.message).toBe(TRICKY.replace(/[\u0001\u001b]/g, ''));
    expect(failure.text).toContain('Cause: cause | with pipe');
    expect(failure.text).toContain('Fix: fix\nin two lines');
    expect(failure.text).toContain('At: compose.yaml:31:5');
    // The warning of the same check is not lost: it is in system-out.
    expect(child(byName(root, 'cloudflared-ingress'), 'system-out')!.text).toContain('network-mode');
  });

  it('skip -> <skipped message=reason>, error -> <error>, warn -> a pass with the warning in system-out', () => {
    expect(child(byName(root, 'edge-dns'), 'skipped')!.attrs.message).toBe('--offline: skipped edge-dns');
    const error = child(byName(root, 'private-key'), 'error')!;
    expect(error.attrs).toEqual({ message: 'the check threw: boom <b>', type: 'check-error' });
    const warn = byName(root, 'certificate-expiry');
    expect(child(warn, 'failure')).toBeUndefined();
    expect(child(warn, 'system-out')!.text).toContain('renewal-window');
    expect(child(warn, 'system-out')!.text).toContain('At: data/tls.crt');
    expect(byName(root, 'ca-certificate').children).toEqual([]);
  });

  it('with --fail-on warn a warning is a failure, as the exit code says', () => {
    const strict = parseXml(renderDoctorJunit(sampleDoctorReport(), ctx({ failOn: 'warn' })));
    expect(junitProblems(strict)).toEqual([]);
    expect(child(byName(strict, 'certificate-expiry'), 'failure')!.attrs.type).toBe('renewal-window');
    expect(suiteOf(strict).attrs.failures).toBe('4');
  });

  it('info findings only with --verbose', () => {
    expect(child(byName(root, 'tunnel-token'), 'system-out')).toBeUndefined();
    const verbose = parseXml(renderDoctorJunit(sampleDoctorReport(), ctx({ verbose: true })));
    expect(child(byName(verbose, 'tunnel-token'), 'system-out')!.text).toContain('token-decoded');
    expect(child(byName(verbose, 'cloudflared-ingress'), 'failure')!.text).toContain(
      'Evidence: {"command":"tunnel run"}',
    );
  });
});

describe('junit reporter: logs', () => {
  it('one testcase per matched signature (problems, harmless, healthy); errors fail, the rest pass', () => {
    const root = parseXml(renderLogsJunit(sampleLogsReport(), ctx()));
    expect(junitProblems(root)).toEqual([]);
    const names = cases(root).map((c) => c.attrs.name);
    expect(names).toEqual([
      'upstream-ip: Every upstream address is allowed by the IP policy (ip-validation-failed)',
      'edge-udp: UDP 7844 reaches a QUIC endpoint at the edge (quic-dial-timeout)',
      'udp-receive-buffer: UDP receive buffer warning (harmless) (udp-buffer)',
      'healthy: connection-registered',
    ]);
    const failure = child(byName(root, 'upstream-ip'), 'failure')!;
    expect(failure.attrs.type).toBe('ip-validation-failed');
    expect(failure.text).toContain('2 matching lines (lines 3-9)');
    expect(child(byName(root, 'edge-udp'), 'system-out')!.text).toMatch(/^warning: /);
    expect(suiteOf(root).attrs).toMatchObject({ tests: '4', failures: '1', errors: '0', skipped: '0' });
    expect(child(suiteOf(root), 'system-out')!.text).toContain('ERR something | odd');
    const strict = parseXml(renderLogsJunit(sampleLogsReport(), ctx({ failOn: 'warn' })));
    expect(suiteOf(strict).attrs.failures).toBe('2');
  });

  it('never an empty suite', () => {
    const empty = {
      ...sampleLogsReport(),
      matches: [],
      healthy: [],
      harmless: [],
      unmatched: { errorLines: 0, examples: [] },
    };
    const root = parseXml(renderLogsJunit(empty, ctx()));
    expect(junitProblems(root)).toEqual([]);
    expect(cases(root).map((c) => c.attrs.name)).toEqual(['no known problem in the logs']);
  });
});

describe('XML escaping', () => {
  it('escapes the five specials and strips what XML 1.0 cannot hold', () => {
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr(`"'\n\t\r`)).toBe('&quot;&apos;&#10;&#9;&#13;');
    expect(xmlText('x\u0000\u0008\u000b\u000c\u001f\ufffe\uffffy')).toBe('xy');
    expect(xmlText('lone \ud800 high, lone \udc00 low, pair \ud83d\ude00')).toBe(
      'lone  high, lone  low, pair \ud83d\ude00',
    );
    const doc = `<a v="${xmlAttr(TRICKY)}">${xmlText(TRICKY)}</a>`;
    const parsed = parseXml(doc);
    expect(parsed.attrs.v).toBe(TRICKY.replace(/[\u0001\u001b]/g, ''));
    expect(parsed.text).toBe(TRICKY.replace(/[\u0001\u001b]/g, '').replace(/\r\n/g, '\n'));
  });
});
