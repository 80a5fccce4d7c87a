import { describe, expect, it } from 'vitest';
import { lexer } from 'marked';
import { mdCell, mdCode, mdText, renderDoctorMarkdown, renderLogsMarkdown } from '../../src/reporters/markdown.js';
import { markdownHeadings, markdownHtml, markdownTables } from '../helpers/consumers.js';
import { ctx, sampleDoctorReport, sampleLogsReport } from './samples.js';
import { present } from '../helpers/present.js';

const md = renderDoctorMarkdown(sampleDoctorReport(), ctx());

describe('markdown reporter: doctor', () => {
  it('starts with the verdict, then the checks table, the findings and the environment', () => {
    const headings = markdownHeadings(md);
    expect(headings[0]).toEqual({ depth: 1, text: 'mcp-tunnel doctor: ✖ fail' });
    const h2 = headings.filter((h) => h.depth === 2).map((h) => h.text);
    expect(h2).toEqual(['Checks', 'Findings', 'Skipped checks', 'Environment']);
    const tokens = lexer(md);
    const firstParagraph = tokens.find((t) => t.type === 'paragraph')!;
    expect(firstParagraph.raw).toMatch(/^\*\*Verdict:\*\* Layer edge fails first \(cloudflared-ingress\)/);
    expect(tokens.indexOf(firstParagraph)).toBeLessThan(tokens.findIndex((t) => t.type === 'table'));
  });

  it('the checks table has Status, ID, Title and one row per check, whatever the text holds', () => {
    const report = sampleDoctorReport();
    const checks = present(markdownTables(md)[0]);
    expect(checks.header.map((h) => h.text)).toEqual(['Status', 'ID', 'Title']);
    expect(checks.rows.length).toBe(report.results.length);
    for (const row of checks.rows) expect(row.length).toBe(3);
    const byId = Object.fromEntries(checks.rows.map((r) => [present(r[1]).text.replace(/`/g, ''), r]));
    for (const r of report.results) {
      expect(byId[r.id], r.id).toBeDefined();
      expect(byId[r.id]?.[0]?.text).toBe(
        `${{ pass: '✔', warn: '▲', fail: '✖', skip: '○', error: '☠' }[r.status]} ${r.status}`,
      );
    }
  });

  it('findings carry symptom, cause and fix; markup in messages stays text', () => {
    const html = markdownHtml(md);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('>link</a>'); // [link](url) stays text (a bare URL may still be autolinked)
    expect(html).not.toContain('<em>');
    expect(html).toContain('a | pipe');
    expect(html).toContain('<strong>Cause:</strong> cause | with pipe');
    expect(html).toContain('<strong>Fix:</strong> fix<br>in two lines');
    expect(md).toContain('at `compose.yaml:31:5`');
    expect(md).toContain('The check itself failed: the check threw: boom \\<b\\>');
    // Info findings and evidence only with --verbose.
    expect(md).not.toContain('token-decoded');
    const verbose = renderDoctorMarkdown(sampleDoctorReport(), ctx({ verbose: true }));
    expect(verbose).toContain('token-decoded');
    expect(markdownHtml(verbose)).toMatch(
      /<details><summary>Evidence<\/summary>[\s\S]*&quot;command&quot;: &quot;tunnel run&quot;/,
    );
  });

  it('environment facts in a two-column table, the command line with its pipe kept in one cell', () => {
    const env = markdownTables(md).at(-1)!;
    expect(env.header.map((h) => h.text)).toEqual(['Fact', 'Value']);
    const facts = Object.fromEntries(env.rows.map((r) => [r[0]?.text, r[1]?.text]));
    expect(facts).toMatchObject({
      'mcp-tunnel': '9.9.9',
      'Node.js': 'v20.0.0',
      Platform: 'linux x64',
      Layout: 'compose',
      'Naming generation': 'mcp-proxy',
    });
    expect(env.rows.every((r) => r.length === 2)).toBe(true);
    expect(markdownHtml(md)).toContain('<code>mcp-tunnel doctor --offline --format markdown --output a|b.md</code>');
  });
});

describe('markdown reporter: logs', () => {
  const logs = renderLogsMarkdown(sampleLogsReport(), ctx());
  it('verdict first, a table of matched signatures, details with the example in a code block', () => {
    expect(markdownHeadings(logs)[0]).toEqual({ depth: 1, text: 'mcp-tunnel logs: ✖ fail' });
    const [first, harmless, healthy] = markdownTables(logs);
    const matches = present(first);
    expect(matches.header.map((h) => h.text)).toEqual(['Severity', 'ID', 'Signature', 'Count', 'Lines']);
    expect(matches.rows.map((r) => r[2]?.text)).toEqual(['`quic-dial-timeout`', '`ip-validation-failed`']);
    expect(matches.rows[1]?.map((c) => c.text)).toEqual([
      '✖ error',
      '`upstream-ip`',
      '`ip-validation-failed`',
      '2',
      '3–9',
    ]);
    expect(harmless?.rows.map((r) => r[0]?.text)).toEqual(['`udp-buffer`']);
    expect(healthy?.rows[0]?.map((c) => c.text)).toEqual([
      '`connection-registered`',
      '',
      '4',
      '4–8',
      '4 of 4 connections registered',
    ]);
    const code = lexer(logs)
      .filter((t) => t.type === 'code')
      .map((t) => (t as { text: string }).text);
    expect(code).toContain(present(sampleLogsReport().matches[0]).example.replace(/\r\n/g, '\n'));
    // An example holding a ``` fence stays inside its block.
    expect(code.at(-1)).toBe('11: ERR something | odd\n12: ERR ```fence``` inside');
  });
});

describe('markdown escaping', () => {
  it('inline text renders back to the same characters', () => {
    const raw = 'a*b*_c_ `d` [e](f) <g> | h ~i~ & \\ j';
    const html = markdownHtml(mdText(raw));
    expect(html.replace(/<\/?p>\n?/g, '')).toBe('a*b*_c_ `d` [e](f) &lt;g&gt; | h ~i~ &amp; \\ j');
  });
  it('a cell never breaks its row; a code span never ends early', () => {
    const table = `| A | B |\n| --- | --- |\n| ${mdCell('x | y\nz')} | ${mdCode('p|q`r', true)} |\n`;
    const t = present(markdownTables(table)[0]);
    expect(t.rows.length).toBe(1);
    expect(t.rows[0]?.length).toBe(2);
    expect(markdownHtml(table)).toContain('<code>p|q`r</code>');
    expect(markdownHtml(mdCode('``a``'))).toContain('<code>``a``</code>');
  });
});
