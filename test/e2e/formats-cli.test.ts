// End to end: --format / --output as a user and a CI job use them, every format read back by a
// real consumer (XML parser + JUnit shape, SARIF schema, markdown parser, workflow-command grammar).

import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sarif from 'sarif';
import { doctorIds } from '../../src/catalog/catalog.js';
import { FORMATS } from '../../src/reporters/index.js';
import { cleanEnv, FIXTURES, ROOT } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';
import {
  junitProblems,
  markdownTables,
  parseWorkflowCommand,
  parseXml,
  sarifProblems,
  WORKFLOW_COMMAND,
} from '../helpers/consumers.js';

const healthy = join(FIXTURES, 'compose-healthy');
const LOGS = join(ROOT, 'fixtures', 'logs');
const broken = readdirSync(FIXTURES).filter((d) => d.startsWith('broken-') || d.startsWith('helm-broken-'));

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'mcp-tunnel-formats-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const file = (name: string) => join(out, name);

describe('--format and --output', () => {
  it('--help names the formats and --output, for doctor and logs', async () => {
    for (const cmd of ['doctor', 'logs']) {
      const h = await runInProcess([cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('--output <list>');
      for (const f of FORMATS) expect(h.stdout).toContain(f);
    }
  });

  it('several formats to several files: nothing on stdout, each file readable by its consumer', async () => {
    const r = await runInProcess([
      'doctor',
      '--offline',
      '--dir',
      healthy,
      '--format',
      'json,junit,sarif,markdown',
      '--output',
      [file('r.json'), file('r.xml'), file('r.sarif'), file('r.md')].join(','),
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(file('r.json'), 'utf8')).verdict.status).toBe('pass');
    const junit = parseXml(readFileSync(file('r.xml'), 'utf8'));
    expect(junitProblems(junit)).toEqual([]);
    expect(junit.attrs).toMatchObject({ tests: String(doctorIds().length), failures: '0', errors: '0' });
    const sarif = JSON.parse(readFileSync(file('r.sarif'), 'utf8'));
    expect(sarifProblems(sarif)).toEqual([]);
    expect(present(sarif.runs[0]).results).toEqual([]);
    const checks = present(markdownTables(readFileSync(file('r.md'), 'utf8'))[0]);
    expect(checks.rows.length).toBe(doctorIds().length);
  });

  it('the CI recipe: github annotations on stdout, SARIF to a file', async () => {
    const dir = join(FIXTURES, 'broken-public-upstream');
    const sarifFile = file('ci.sarif');
    const r = await runInProcess([
      'doctor',
      '--offline',
      '--dir',
      relative(ROOT, dir),
      '--format',
      'github,sarif',
      '--output',
      `-,${sarifFile}`,
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const summary = lines.pop()!;
    expect(summary).toMatch(/^mcp-tunnel doctor .*: Layer routing fails first \(upstream-ip\)/);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(WORKFLOW_COMMAND);
    const annotation = parseWorkflowCommand(lines.find((l) => l.includes('title=upstream-ip'))!)!;
    expect(annotation.command).toBe('error');
    expect(annotation.props.file).toBe('fixtures/deployments/broken-public-upstream/config/mcp-proxy.yaml');
    expect(Number(annotation.props.line)).toBeGreaterThan(0);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as Sarif.Log;
    expect(sarifProblems(sarif)).toEqual([]);
    const result = present(sarif.runs[0]).results!.find((x) => x.ruleId === 'upstream-ip')!;
    const loc = present(result.locations?.[0]?.physicalLocation);
    expect(loc.artifactLocation).toEqual({
      uri: 'fixtures/deployments/broken-public-upstream/config/mcp-proxy.yaml',
      uriBaseId: 'SRCROOT',
    });
    expect(loc.region!.startLine).toBe(Number(annotation.props.line));
    const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').split('\n');
    expect(config[present(loc.region?.startLine) - 1]).toContain('203.0.113.20');
  });

  it('every broken example, in every format, is valid for its consumer and tells the same failures', async () => {
    for (const name of broken) {
      const dir = join(FIXTURES, name);
      const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')).fail as string[];
      const files = {
        junit: file(`${name}.xml`),
        sarif: file(`${name}.sarif`),
        markdown: file(`${name}.md`),
        github: file(`${name}.gh`),
      };
      const r = await runInProcess([
        'doctor',
        '--offline',
        '--dir',
        dir,
        '--format',
        'junit,sarif,markdown,github',
        '--output',
        Object.values(files).join(','),
      ]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      const junit = parseXml(readFileSync(files.junit, 'utf8'));
      expect(junitProblems(junit), name).toEqual([]);
      const failed = present(junit.children[0])
        .children.filter((c) => c.children.some((k) => k.name === 'failure'))
        .map((c) => present(c.attrs.name).split(':')[0]);
      expect(failed, name).toEqual(expected);
      const sarif = JSON.parse(readFileSync(files.sarif, 'utf8')) as Sarif.Log;
      expect(sarifProblems(sarif), name).toEqual([]);
      const errorRules = [
        ...new Set(
          present(sarif.runs[0])
            .results!.filter((x) => x.level === 'error')
            .map((x) => x.ruleId),
        ),
      ];
      expect(errorRules, name).toEqual(expected);
      for (const res of present(sarif.runs[0]).results!)
        expect(res.locations?.length, `${name} ${res.ruleId}`).toBeGreaterThan(0);
      const checks = present(markdownTables(readFileSync(files.markdown, 'utf8'))[0]);
      expect(
        checks.rows.filter((row) => row[0]?.text === '✖ fail').map((row) => present(row[1]).text.replace(/`/g, '')),
        name,
      ).toEqual(expected);
      const gh = readFileSync(files.github, 'utf8').trimEnd().split('\n');
      gh.pop();
      expect(
        [
          ...new Set(
            gh
              .map((l) => parseWorkflowCommand(l)!)
              .filter((c) => c.command === 'error')
              .map((c) => c.props.title),
          ),
        ],
        name,
      ).toEqual(expected);
    }
  });

  it('--json is --format json', async () => {
    // Equal but for the clock: durations and the instant the checks judged at.
    const strip = (s: string) => s.replace(/"(durationMs|now)": [^,\n]+/g, '"$1": 0');
    const a = (await runInProcess(['doctor', '--offline', '--dir', healthy, '--json'])).stdout;
    const b = (await runInProcess(['doctor', '--offline', '--dir', healthy, '--format', 'json'])).stdout;
    expect(JSON.parse(a).command).toBe('doctor');
    expect(strip(a)).toBe(strip(b));
    expect((await runInProcess(['doctor', '--offline', '--dir', healthy, '--json', '--format', 'json'])).code).toBe(0);
  });

  it('defaults to github annotations on GitHub Actions when stdout is not a terminal, else human', async () => {
    const dir = join(FIXTURES, 'broken-wrong-san');
    const gh = await runInProcess(['doctor', '--offline', '--dir', dir], { env: cleanEnv({ GITHUB_ACTIONS: 'true' }) });
    expect(gh.stdout.split('\n')[0]).toMatch(/^::error /);
    const human = await runInProcess(['doctor', '--offline', '--dir', dir]);
    expect(human.stdout).toMatch(/^mcp-tunnel doctor /);
    const explicit = await runInProcess(['doctor', '--offline', '--dir', dir, '--format', 'human'], {
      env: cleanEnv({ GITHUB_ACTIONS: 'true' }),
    });
    expect(explicit.stdout).toMatch(/^mcp-tunnel doctor /);
    const logs = await runInProcess(['logs', join(LOGS, 'compose-v2.log')], {
      env: cleanEnv({ GITHUB_ACTIONS: 'true' }),
    });
    expect(logs.stdout.split('\n')[0]).toMatch(/^::error file=/);
  });

  it.each([
    [['--format', 'json,junit'], /several formats need --output/],
    [['--format', 'json,junit', '--output', 'a.json'], /--output has 1 entry for 2 formats/],
    [['--format', 'json,junit', '--output', '-,-'], /at most one format can go to stdout/],
    [['--format', 'yaml'], /--format yaml: not a format/],
    [['--json', '--format', 'junit'], /--json is --format json/],
    [['--format', 'json', '--output', '/nonexistent-dir/x.json'], /does not exist/],
    [['--format', 'json,junit', '--output', 'same.out,same.out'], /named twice/],
    [['--format', 'json', '--output', '/tmp'], /is a directory/],
  ])('usage error %j: exit 2, a message, nothing run or written', async (args, message) => {
    const r = await runInProcess(['doctor', '--offline', '--dir', healthy, ...args], { cwd: out });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(join(out, 'same.out'))).toBe(false);
    const l = await runInProcess(['logs', join(LOGS, 'healthy.log'), ...args], { cwd: out });
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(message);
  });

  it('replaces an existing file atomically, keeping its mode, leaving no temporary file; writes to a device as it is', async () => {
    const target = file('replace.json');
    writeFileSync(target, 'old content');
    chmodSync(target, 0o600);
    const r = await runInProcess(['doctor', '--offline', '--dir', healthy, '--format', 'json', '--output', target]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8')).command).toBe('doctor');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(out).filter((n) => n.includes('.tmp'))).toEqual([]);
    const dev = await runInProcess([
      'doctor',
      '--offline',
      '--dir',
      healthy,
      '--format',
      'json,markdown',
      '--output',
      '/dev/null,-',
    ]);
    expect(dev.code).toBe(0);
    expect(dev.stdout).toMatch(/^# mcp-tunnel doctor: ✔ pass/);
  });

  it('relative --output paths are relative to the working directory', async () => {
    const r = await runInProcess(
      ['doctor', '--offline', '--dir', healthy, '--format', 'markdown', '--output', 'rel.md'],
      { cwd: out },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'rel.md'), 'utf8')).toContain('## Environment');
  });
});

describe('logs in every format', () => {
  it('files: JUnit, SARIF, markdown and github from one run', async () => {
    const log = join(LOGS, 'compose-v2.log');
    const [xmlFile, sarifFile, mdFile] = [file('logs.xml'), file('logs.sarif'), file('logs.md')];
    const r = await runInProcess([
      'logs',
      log,
      '--format',
      'junit,sarif,markdown,github',
      '--output',
      [xmlFile, sarifFile, mdFile, '-'].join(','),
    ]);
    expect(r.code).toBe(1);
    const junit = parseXml(readFileSync(xmlFile, 'utf8'));
    expect(junitProblems(junit)).toEqual([]);
    expect(junit.attrs.failures).toBe('4');
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as Sarif.Log;
    expect(sarifProblems(sarif)).toEqual([]);
    const first = present(sarif.runs[0]).results!.find((x) => x.ruleId === 'ca-registration')!;
    expect(first.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'fixtures/logs/compose-v2.log', uriBaseId: 'SRCROOT' },
      region: { startLine: 16 },
    });
    const matches = present(markdownTables(readFileSync(mdFile, 'utf8'))[0]);
    expect(matches.rows.length).toBe(4);
    const annotations = r.stdout
      .trimEnd()
      .split('\n')
      .slice(0, -1)
      .map((l) => parseWorkflowCommand(l)!);
    expect(annotations.map((a) => `${a.props.title}@${a.props.line}`)).toEqual([
      'ca-registration@16',
      'tunnel-domain@14',
      'upstream-ip@12',
      'upstream-reachable@15',
    ]);
  });

  it('--follow streams human and JSON; other formats come once at the end', async () => {
    const input = readFileSync(join(LOGS, 'compose-v2.log'), 'utf8');
    const json = await runInProcess(['logs', '--follow', '--format', 'json'], { input });
    const ndjson = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ndjson.slice(0, -1).every((e) => e.event === 'first-seen')).toBe(true);
    expect(ndjson.at(-1).command).toBe('logs');
    const md = file('follow.md');
    const gh = await runInProcess(['logs', '--follow', '--format', 'github,markdown', '--output', `-,${md}`], {
      input,
    });
    expect(gh.code).toBe(1);
    const lines = gh.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).every((l) => WORKFLOW_COMMAND.test(l))).toBe(true);
    expect(lines.filter((l) => l.includes('title=upstream-ip')).length).toBe(1);
    expect(readFileSync(md, 'utf8')).toMatch(/^# mcp-tunnel logs: ✖ fail/);
  });
});
