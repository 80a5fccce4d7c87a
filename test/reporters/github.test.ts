import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, renderDoctorGithub, renderLogsGithub } from '../../src/reporters/github.js';
import { parseWorkflowCommand, WORKFLOW_COMMAND } from '../helpers/consumers.js';
import { ctx, sampleDoctorReport, sampleLogsReport, TRICKY } from './samples.js';
import { present } from '../helpers/present.js';

function lines(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

/** Every line but the last is a workflow command; the last is a plain summary that no runner reads as one. */
function commands(text: string) {
  const all = lines(text);
  const summary = all.pop()!;
  expect(summary.startsWith('::')).toBe(false);
  for (const l of all) expect(l, l).toMatch(WORKFLOW_COMMAND);
  return { cmds: all.map((l) => parseWorkflowCommand(l)!), summary };
}

describe('github reporter: doctor', () => {
  const { cmds, summary } = commands(renderDoctorGithub(sampleDoctorReport(), ctx()));

  it('one annotation per error and warning finding, one per check that errored, then a summary', () => {
    expect(cmds.map((c) => [c.command, c.props.title])).toEqual([
      ['error', 'cloudflared-ingress'],
      ['warning', 'cloudflared-ingress'],
      ['warning', 'certificate-expiry'],
      ['error', 'private-key'],
      ['error', 'proxy-config'],
      ['error', 'tunnel-domain'],
    ]);
    expect(summary).toMatch(
      /^mcp-tunnel doctor 9\.9\.9: Layer edge fails first \(cloudflared-ingress\): .* \(\d+ passed, 1 warned, 3 failed, \d+ skipped, 1 errored\)$/,
    );
  });

  it("file, line and column relative to the working directory; the message survives the runner's unescaping", () => {
    expect(cmds[0]?.props).toEqual({ file: 'compose.yaml', line: '31', col: '5', title: 'cloudflared-ingress' });
    expect(cmds[0]?.message).toBe(`${TRICKY}\nCause: cause | with pipe\nFix: fix\nin two lines`);
    expect(cmds[1]?.props.file).toBe('dir with space/a,b:c%.yaml');
    expect(cmds[1]?.props.line).toBe('2');
    expect(cmds[1]?.props.col).toBeUndefined();
    expect(cmds[2]?.props).toEqual({ file: 'data/tls.crt', title: 'certificate-expiry' });
    expect(cmds[3]).toEqual({
      command: 'error',
      props: { title: 'private-key' },
      message: 'private-key could not be checked: the check threw: boom <b>',
    });
    expect(cmds[4]?.props.file).toBe('/elsewhere/mcp-proxy.yaml');
    expect(cmds[5]?.props).toEqual({ title: 'tunnel-domain' });
  });

  it('notices for info findings with --verbose only', () => {
    const verbose = commands(renderDoctorGithub(sampleDoctorReport(), ctx({ verbose: true }))).cmds;
    expect(verbose.filter((c) => c.command === 'notice').map((c) => c.props.title)).toEqual(['tunnel-token']);
    expect(cmds.some((c) => c.command === 'notice')).toBe(false);
  });

  it('no message can start a command of its own', () => {
    const report = sampleDoctorReport();
    present(report.results[0]).findings = [
      {
        severity: 'error',
        messageId: 'x',
        symptom: 'a\n::set-output name=x::y\r\n::error::fake',
        cause: 'c',
        fix: 'f',
      },
    ];
    const text = renderDoctorGithub(report, ctx());
    expect(
      text
        .split('\n')
        .filter((l) => l.startsWith('::'))
        .every((l) => WORKFLOW_COMMAND.test(l)),
    ).toBe(true);
    expect(text).not.toMatch(/\n::(set-output|error::fake)/);
  });
});

describe('github reporter: logs', () => {
  it('annotations on the log file at the first matching line', () => {
    const { cmds, summary } = commands(renderLogsGithub(sampleLogsReport(), ctx()));
    expect(cmds.map((c) => [c.command, c.props.title, c.props.file, c.props.line])).toEqual([
      ['error', 'upstream-ip', 'logs/cloudflared.log', '3'],
      ['warning', 'edge-udp', 'logs/cloudflared.log', '2'],
    ]);
    expect(cmds[0]?.message).toContain(`Example: ${TRICKY}`);
    expect(summary).toBe(
      'mcp-tunnel logs 9.9.9: Layer routing fails first: upstream-ip (20 lines read, 1 error and 1 warning signatures, 2 unrecognised error lines)',
    );
    expect(commands(renderLogsGithub(sampleLogsReport(), ctx({ verbose: true }))).cmds.map((c) => c.command)).toEqual([
      'error',
      'warning',
      'notice',
    ]);
  });
});

describe('workflow command escaping', () => {
  it('data: % CR LF; properties: also : and ,', () => {
    expect(escapeData('100% a\r\nb:c,d')).toBe('100%25 a%0D%0Ab:c,d');
    expect(escapeProperty('100% a\r\nb:c,d')).toBe('100%25 a%0D%0Ab%3Ac%2Cd');
    expect(escapeData('%0A literal')).toBe('%250A literal');
  });
});
