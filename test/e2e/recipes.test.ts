// The README's recipes (a GitHub Actions workflow and a Helm test hook Job) are fixtures here:
// they parse as YAML, their commands are valid mcp-tunnel invocations that pass the healthy
// examples and fail the broken ones (--offline, with the paths mapped onto fixtures), and the
// README shows exactly these files.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cleanEnv, FIXTURES, ROOT, runCli } from '../helpers/exec.js';
import { markdownTables, parseWorkflowCommand, sarifProblems, WORKFLOW_COMMAND } from '../helpers/consumers.js';
import { present } from '../helpers/present.js';

const RECIPES = join(ROOT, 'fixtures', 'recipes');
const workflowText = readFileSync(join(RECIPES, 'github-actions.yml'), 'utf8');
const jobText = readFileSync(join(RECIPES, 'helm-test-job.yaml'), 'utf8');

function yamlDocs(text: string): Record<string, any>[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors.map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS());
}

/** Splits a shell command as sh would for these recipes: quotes, backslash-newline, $VAR and ${VAR}. */
function shellWords(command: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  const text = command.replace(/\\\n/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = null;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === '$' && quote !== null && quote !== '"') continue;
    if (c === '$') {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i));
      if (!m) throw new Error(`unsupported $ at ${i} in ${command}`);
      const name = present(m[1] ?? m[2]);
      if (!(name in env)) throw new Error(`the recipe uses $${name}, which the test does not provide`);
      word = (word ?? '') + env[name];
      i += m[0].length - 1;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
      continue;
    }
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
      continue;
    }
    if (/[|&;<>()`]/.test(c)) throw new Error(`the recipe's command uses shell syntax "${c}" this test does not model`);
    word = (word ?? '') + c;
  }
  if (quote) throw new Error('unterminated quote');
  if (word !== null) words.push(word);
  return words;
}

/** The mcp-tunnel arguments of an `npx [--yes] mcp-tunnel ...` command line. */
function mcpTunnelArgs(words: string[]): string[] {
  expect(words[0]).toBe('npx');
  const at = words.findIndex((w) => /^mcp-tunnel(@[\w.^~-]+)?$/.test(w));
  expect(at).toBeGreaterThan(0);
  expect(words.slice(1, at).every((w) => w === '--yes' || w === '-y')).toBe(true);
  return words.slice(at + 1);
}

/** Replaces the value of `flag` (as "--flag value") with `value`; the flag must be there. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  expect(i, `${flag} in ${args.join(' ')}`).toBeGreaterThanOrEqual(0);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mcp-tunnel-recipes-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('recipe: GitHub Actions workflow', () => {
  const workflow = present(yamlDocs(workflowText)[0], 'the workflow document');
  const steps = workflow.jobs.doctor.steps as Record<string, any>[];
  const doctorStep = steps.find((s) => typeof s.run === 'string' && s.run.includes('mcp-tunnel'))!;
  const upload = steps.find(
    (s) => typeof s.uses === 'string' && s.uses.startsWith('github/codeql-action/upload-sarif@'),
  )!;

  it('parses as a workflow: checkout, setup-node 20, the doctor, then the SARIF upload even when the doctor failed', () => {
    expect(workflow.permissions['security-events']).toBe('write');
    expect(steps[0]?.uses).toMatch(/^actions\/checkout@v\d+$/);
    expect(steps[1]?.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(steps[1]?.with['node-version']).toBe(20);
    expect(steps.indexOf(doctorStep)).toBeLessThan(steps.indexOf(upload));
    expect(upload.if).toMatch(/!cancelled\(\)|always\(\)/);
  });

  it('runs a valid doctor command: exit 0 on the healthy examples, 1 on a broken one, with annotations, SARIF and a summary', () => {
    const summary = join(work, 'step-summary.md');
    const args = mcpTunnelArgs(shellWords(doctorStep.run.trim(), { GITHUB_STEP_SUMMARY: summary }));
    expect(args[0]).toBe('doctor');
    expect(args).toContain('--offline');
    const format = present(args[args.indexOf('--format') + 1]).split(',');
    const output = present(args[args.indexOf('--output') + 1]).split(',');
    expect(format.slice(0, 2)).toEqual(['github', 'sarif']);
    expect(output.slice(0, 2)).toEqual(['-', upload.with.sarif_file]);
    const env = cleanEnv({ GITHUB_ACTIONS: 'true', CI: 'true' });
    for (const name of ['compose-healthy', 'compose-gateway-healthy', 'helm-healthy']) {
      writeFileSync(summary, '');
      const r = runCli(withFlag(args, '--dir', join(FIXTURES, name)), { cwd: work, env });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^mcp-tunnel doctor .*No problems found/m);
      expect(sarifProblems(JSON.parse(readFileSync(join(work, upload.with.sarif_file), 'utf8')))).toEqual([]);
      expect(readFileSync(summary, 'utf8')).toMatch(/^# mcp-tunnel doctor: ✔ pass/);
    }
    const r = runCli(withFlag(args, '--dir', join(FIXTURES, 'broken-wrong-san')), { cwd: work, env });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    lines.pop();
    for (const l of lines) expect(l).toMatch(WORKFLOW_COMMAND);
    expect(lines.map((l) => parseWorkflowCommand(l)!.props.title)).toContain('certificate-san');
    const sarif = JSON.parse(readFileSync(join(work, upload.with.sarif_file), 'utf8'));
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toContain('certificate-san');
    expect(
      present(markdownTables(readFileSync(summary, 'utf8'))[0]).rows.some((row) => row[0]?.text === '✖ fail'),
    ).toBe(true);
  });
});

describe('recipe: Helm test hook Job', () => {
  const docs = yamlDocs(jobText);
  const job = docs.find((d) => d.kind === 'Job')!;
  const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  it('parses as a ConfigMap of values and a Job, both Helm test hooks, running the doctor in node:20', () => {
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(configMap.metadata.annotations['helm.sh/hook']).toBe('test');
    // The ConfigMap exists before the Job (lower hook weight).
    expect(Number(configMap.metadata.annotations['helm.sh/hook-weight'] ?? 0)).toBeLessThan(
      Number(job.metadata.annotations['helm.sh/hook-weight'] ?? 0),
    );
    expect(Object.keys(configMap.data)).toEqual(['values.yaml']);
    expect(container.image).toBe('node:20');
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(0);
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    expect(volumes.values.configMap.name).toBe(configMap.metadata.name);
    expect(volumes['server-cert'].secret.secretName).toBe('mcp-tunnel-server-cert');
    for (const m of container.volumeMounts) expect(volumes[m.name], m.name).toBeDefined();
  });

  it('runs a valid doctor command: with the mounts mapped onto the examples, exit 0 on healthy Helm values, 1 on broken ones', () => {
    const args = mcpTunnelArgs(container.command.map(String));
    expect(args[0]).toBe('doctor');
    const mounts = Object.fromEntries(
      container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
    );
    expect(args[args.indexOf('--values') + 1]).toBe(`${mounts.values}/values.yaml`);
    expect(present(args[args.indexOf('--cert') + 1]).startsWith(`${mounts['server-cert']}/`)).toBe(true);
    const run = (valuesDir: string) =>
      runCli(
        [
          ...args.map((a) =>
            a.replace(mounts.values, valuesDir).replace(mounts['server-cert'], join(FIXTURES, '_certs-healthy')),
          ),
          '--offline',
        ],
        { cwd: work },
      );
    const healthy = run(join(FIXTURES, 'helm-healthy'));
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/server-certificate +Server certificate/);
    expect(healthy.stdout).toMatch(/✔ pass +private-key/);
    for (const name of ['helm-broken-ids', 'helm-broken-public-upstream']) {
      const broken = run(join(FIXTURES, name));
      expect(broken.code, name).toBe(1);
    }
  });
});

describe('recipes in the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  it.each([
    ['fixtures/recipes/github-actions.yml', workflowText],
    ['fixtures/recipes/helm-test-job.yaml', jobText],
  ])('embeds %s unchanged, in a yaml block', (_name, text) => {
    expect(readme).toContain(`\`\`\`yaml\n${text}\`\`\``);
  });

  it('first command runs the built CLI from the checkout (no npx) and the example passes', () => {
    const first = /^```sh\n(.*)\n/m.exec(readme)?.[1] ?? '';
    const [install, doctor] = first.replace(/\s+#.*$/, '').split(' && ');
    expect(install).toBe('npm install');
    const words = (doctor ?? '').split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['node', 'bin/mcp-tunnel.cjs']);
    const r = runCli(words.slice(2), { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Verdict: No problems found/);
  });

  it('has the CI section and the Helm test hook section', () => {
    expect(readme).toMatch(/^## In CI \(pre-deploy gate\)$/m);
    expect(readme).toMatch(/^## Helm test hook$/m);
  });
});
