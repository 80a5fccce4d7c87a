// `mcp-tunnel doctor`: validate the options, gather facts, run the checks, render, exit code.

import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { CHECKS } from '../../checks/index.js';
import { CATALOG } from '../catalog/catalog.js';
import {
  givenDeploymentOptions,
  resolveDeploymentOptions,
  type DeploymentOptionValues,
} from '../core/deployment-options.js';
import { UsageError } from '../core/errors.js';
import { FACTS_FILE_MAX_BYTES, factsFileText, parseFactsFile, registerSavedSecrets } from '../core/facts-file.js';
import { planProbes, withRuntimeGroups, type ProbePlan } from '../core/probe-plan.js';
import { buildDoctorReport, exitCodeFor } from '../core/report.js';
import { summarizeRuntime } from '../core/runtime-summary.js';
import { foldContainerLogs } from '../core/log-evidence.js';
import { isSelected, markEscapes, runChecks } from '../core/runner.js';
import type { ContainerLogMatch } from '../core/runtime-facts.js';
import { writeReportFile } from '../core/safe-writer.js';
import { LAYERS, type CheckResult, type DoctorReport } from '../core/types.js';
import type { Facts } from '../core/facts.js';
import { toolVersion } from '../core/version.js';
import { gatherStaticFacts } from '../probes/deployment.js';
import { refuseUnreadableInputs } from './explicit-inputs.js';
import { parseDnsServer } from '../model/dns-server.js';
import { decodeText, readBounded } from '../probes/bounded-file.js';
import { registerSecret } from '../redaction/register.js';
import { useColor, type CliIO } from '../cli.js';
import { startLastResort } from './last-resort.js';
import { emitOutputs, planOutputs, runEnvironment, type CommandContext } from './outputs.js';
import { startProgress } from './progress.js';

export interface DoctorOptions extends DeploymentOptionValues {
  dir?: string;
  offline?: boolean;
  edge: string[];
  region?: 'global' | 'us' | 'fed';
  dnsServer: string[];
  proxy?: string;
  /** --mcp-route NAME (repeatable): routes that serve MCP besides mcp and mcp*. */
  mcpRoute: string[];
  /** --mcp-path PATH: the MCP endpoint on every MCP route. */
  mcpPath?: string;
  apiUrl?: string;
  apiKeyFile?: string;
  timeout: string;
  /** --runtime: auto (inspect the containers when the Docker socket answers), docker (must), none. */
  runtime: 'auto' | 'docker' | 'none';
  /** --log-lines: last lines of each container's log that go through the log matcher. */
  logLines: string;
  /** --metrics HOST:PORT: cloudflared's metrics server, reached from this host. */
  metrics?: string;
  fix?: boolean;
  yes?: boolean;
  budget?: string;
  only: string[];
  skip: string[];
  /** Output formats (comma-separated on the command line); default human, or github on GitHub Actions. */
  format: string[];
  /** One destination per format: a file, or - for stdout. */
  output: string[];
  json?: boolean;
  failOn: 'error' | 'warn';
  color: boolean;
  verbose?: boolean;
  token?: string;
  /** --save-facts FILE: also write the gathered facts (masked) for a replay. */
  saveFacts?: string;
  /** --facts FILE: judge saved facts instead of gathering any. */
  facts?: string;
  /** Not a flag: the bundle's window (--since, --record) for the containers' log lines (ISO 8601). */
  logsNotBefore?: string;
}

function validateSelection(flag: string, list: string[]): void {
  const known = new Set<string>([...LAYERS, ...CATALOG.map((e) => e.id)]);
  for (const item of list) {
    if (!known.has(item)) {
      throw new UsageError(
        `${flag} ${item}: not a layer or check ID`,
        `Layers: ${LAYERS.join(', ')}. IDs: run mcp-tunnel checks.`,
      );
    }
  }
}

export function validateDoctorOptions(opts: DoctorOptions): { timeoutMs: number; budgetMs: number; logLines: number } {
  if (opts.token !== undefined) {
    throw new UsageError(
      'a tunnel token is never taken as a flag value (it would end up in shell history and process lists)',
      'Set TUNNEL_TOKEN in the environment, or put the token in a file and pass --token-file FILE.',
    );
  }
  validateSelection('--only', opts.only);
  validateSelection('--skip', opts.skip);
  if (!/^\d+$/.test(opts.timeout) || Number(opts.timeout) < 1 || Number(opts.timeout) > 600000) {
    throw new UsageError(`--timeout ${opts.timeout}: give a whole number of milliseconds from 1 to 600000`);
  }
  if (opts.mcpPath !== undefined && !/^\/[^\s?#]*$/.test(opts.mcpPath))
    throw new UsageError(`--mcp-path ${opts.mcpPath}: give a path starting with "/", without a query or fragment`);
  for (const edge of opts.edge) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(edge))
      throw new UsageError(`--edge ${edge}: expected host:port (IPv6 as [addr]:port)`);
  }
  for (const server of opts.dnsServer) {
    if (parseDnsServer(server) === null) {
      throw new UsageError(
        `--dns-server ${server}: expected an IP address with an optional port (1.2.3.4:53, [::1]:53)`,
      );
    }
  }
  if (opts.proxy !== undefined && !/^wss?:\/\/[^\s/]+(\/\S*)?$/.test(opts.proxy)) {
    throw new UsageError(`--proxy ${opts.proxy}: expected ws://host:port[/path]`);
  }
  if (opts.apiUrl !== undefined && !/^https?:\/\/\S+$/.test(opts.apiUrl))
    throw new UsageError(`--api-url ${opts.apiUrl}: expected an http(s) URL`);
  if (
    opts.budget !== undefined &&
    (!/^\d+$/.test(opts.budget) || Number(opts.budget) < 1 || Number(opts.budget) > 3600000)
  ) {
    throw new UsageError(`--budget ${opts.budget}: give a whole number of milliseconds from 1 to 3600000`);
  }
  if (!/^\d+$/.test(opts.logLines) || Number(opts.logLines) > 100000) {
    throw new UsageError(`--log-lines ${opts.logLines}: give a whole number of lines from 0 to 100000`);
  }
  if (opts.metrics !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):\d{1,5}$/.test(opts.metrics)) {
    throw new UsageError(`--metrics ${opts.metrics}: expected host:port (IPv6 as [addr]:port)`);
  }
  if (opts.runtime === 'docker' && opts.offline) {
    throw new UsageError('--runtime docker inspects the running containers, which --offline forbids: give one of them');
  }
  const timeoutMs = Number(opts.timeout);
  return {
    logLines: Number(opts.logLines),
    timeoutMs,
    budgetMs: opts.budget !== undefined ? Number(opts.budget) : Math.max(3 * timeoutMs, timeoutMs + 1000),
  };
}

/** The vendor API key: from --api-key-file or ANTHROPIC_API_KEY, never from a flag value. */
function readApiKey(opts: DoctorOptions, io: CliIO): string | undefined {
  if (opts.apiKeyFile) {
    const read = readBounded(resolve(io.cwd, opts.apiKeyFile), true, 16 * 1024);
    if (read.state === 'missing') throw new UsageError(`--api-key-file ${opts.apiKeyFile}: no such file`);
    if (read.state === 'unreadable') throw new UsageError(`--api-key-file ${opts.apiKeyFile}: ${read.problem}`);
    const key = read.bytes.toString('utf8').trim();
    if (key === '') throw new UsageError(`--api-key-file ${opts.apiKeyFile}: the file is empty`);
    registerSecret(key);
    return key;
  }
  const fromEnv = io.env.ANTHROPIC_API_KEY?.trim();
  registerSecret(fromEnv);
  return fromEnv ? fromEnv : undefined;
}

/** True when nothing at all of a deployment was found and the user named no file. */
function nothingFound(facts: Facts, opts: DoctorOptions): boolean {
  if (givenDeploymentOptions(opts).length > 0) return false;
  const present = (f: { state: string } | undefined) => f !== undefined && f.state !== 'missing';
  return (
    facts.deployment.layout === 'none' &&
    !present(facts.proxyConfig) &&
    !present(facts.caCert) &&
    !present(facts.serverCert) &&
    !present(facts.privateKey) &&
    !present(facts.token)
  );
}

/** Flags that choose what to gather: with --facts nothing is gathered, so each is refused. */
function replayConflicts(opts: DoctorOptions): string[] {
  const flags: string[] = givenDeploymentOptions(opts).map((o) => o.flag);
  const given: [string, unknown][] = [
    ['--dir', opts.dir],
    ['--offline', opts.offline],
    ['--edge', opts.edge.length > 0 || undefined],
    ['--region', opts.region],
    ['--dns-server', opts.dnsServer.length > 0 || undefined],
    ['--proxy', opts.proxy],
    ['--mcp-route', opts.mcpRoute.length > 0 || undefined],
    ['--mcp-path', opts.mcpPath],
    ['--api-url', opts.apiUrl],
    ['--api-key-file', opts.apiKeyFile],
    ['--budget', opts.budget],
    ['--runtime', opts.runtime === 'auto' ? undefined : opts.runtime],
    ['--log-lines', opts.logLines === '2000' ? undefined : opts.logLines],
    ['--metrics', opts.metrics],
    ['--save-facts', opts.saveFacts],
    ['--fix', opts.fix],
  ];
  for (const [flag, value] of given) if (value !== undefined && value !== false) flags.push(flag);
  return flags;
}

/** The facts saved by --save-facts: read within a bound, refused with the reason when not a facts file. */
function readSavedFacts(file: string, io: CliIO): Facts {
  const read = readBounded(resolve(io.cwd, file), true, FACTS_FILE_MAX_BYTES);
  if (read.state === 'missing') throw new UsageError(`--facts ${file}: no such file`);
  if (read.state === 'unreadable') throw new UsageError(`--facts ${file}: ${read.problem}`);
  const text = decodeText(read.bytes);
  if (!text.ok) throw new UsageError(`--facts ${file}: ${text.problem}`);
  const parsed = parseFactsFile(text.text);
  if ('problem' in parsed) {
    throw new UsageError(
      `--facts ${file}: ${parsed.problem}`,
      'Give a file written by mcp-tunnel doctor --save-facts FILE.',
    );
  }
  registerSavedSecrets(parsed.facts);
  return parsed.facts;
}

/**
 * The network flags and the edge CA file, checked before any probe runs: a malformed one is a
 * usage error (exit 2), whatever the selected checks need. Returns the extra edge issuers.
 */
async function validateNetworkInputs(opts: DoctorOptions, io: CliIO): Promise<string[]> {
  const { EDGE_CA_ENV, parseEdge, readEdgeCaFile } = await import('../probes/live.js');
  const { parseProxyUrl } = await import('../probes/websocket-tls.js');
  for (const text of opts.edge) {
    const edge = parseEdge(text);
    if ('problem' in edge) throw new UsageError(`--edge ${text}: ${edge.problem}`);
  }
  if (opts.proxy !== undefined && !parseProxyUrl(opts.proxy)) {
    throw new UsageError(`--proxy ${opts.proxy}: expected ws://host:port[/path]`);
  }
  const caFile = io.env[EDGE_CA_ENV];
  if (!caFile) return [];
  const cas = readEdgeCaFile(resolve(io.cwd, caFile));
  if ('problem' in cas) throw new UsageError(`${EDGE_CA_ENV} ${caFile}: ${cas.problem}`);
  return cas.pems;
}

/** Static facts from the files, then the live facts of the groups of probes the plan names. */
async function gatherFacts(
  opts: DoctorOptions,
  io: CliIO,
  { timeoutMs, budgetMs, logLines }: { timeoutMs: number; budgetMs: number; logLines: number },
  stdoutFormat: string | undefined,
): Promise<Facts> {
  const offline = Boolean(opts.offline);
  const edgeCaPems = offline ? [] : await validateNetworkInputs(opts, io);
  const facts = gatherStaticFacts({
    ...resolveDeploymentOptions(opts, (p) => resolve(io.cwd, p)),
    dir: opts.dir ? resolve(io.cwd, opts.dir) : io.cwd,
    dirExplicit: opts.dir !== undefined,
    offline,
    env: io.env,
    now: new Date(),
  });
  refuseUnreadableInputs(
    facts,
    opts.dir === undefined ? undefined : { given: opts.dir, path: resolve(io.cwd, opts.dir) },
  );
  if (nothingFound(facts, opts)) {
    throw new UsageError(
      `no MCP tunnel deployment found in ${facts.deployment.dir}`,
      'Looked for compose.yaml / docker-compose.yml, config/mcp-proxy.yaml or config/mcp-gateway.yaml, values.yaml and data/. Run the doctor in the deployment directory, or pass --dir, --compose, --config or --values.',
    );
  }
  const plan: ProbePlan = withRuntimeGroups(
    planProbes(CHECKS, { only: opts.only, skip: opts.skip }, offline),
    opts.runtime,
    logLines,
  );
  if (plan.size === 0) return facts;
  const apiKey = plan.has('live.caRegistration') ? readApiKey(opts, io) : undefined;
  const { gatherRunningDeployment } = await import('../probes/running-deployment.js');
  // Progress on a terminal's stderr, unless stdout carries a machine format someone may be reading live.
  const progress = await startProgress(
    io,
    'Probing the edge, the proxy listener and the upstreams…',
    stdoutFormat === undefined || stdoutFormat === 'human',
  );
  try {
    const network = {
      edges: opts.edge,
      region: opts.region,
      dnsServers: opts.dnsServer,
      proxy: opts.proxy,
      mcpRoutes: opts.mcpRoute,
      mcpPath: opts.mcpPath,
      apiUrl: opts.apiUrl,
      apiKey,
      timeoutMs,
      budgetMs,
      edgeCaPems,
      plan,
    };
    const runtime = {
      mode: opts.runtime,
      logLines,
      metrics: opts.metrics,
      env: io.env,
      ...(opts.logsNotBefore !== undefined ? { logsNotBefore: opts.logsNotBefore } : {}),
    };
    const gathered = await gatherRunningDeployment(facts, network, runtime);
    if (gathered.runtimeProblem !== null) {
      throw new UsageError(
        `--runtime docker: ${gathered.runtimeProblem}`,
        'Run the doctor where the Docker socket is readable, or leave out --runtime docker.',
      );
    }
    facts.live = gathered.live;
  } finally {
    progress.stop();
  }
  return facts;
}

/** The containers' log matches whose IDs the selection keeps (--only / --skip apply to them too). */
function selectedLogMatches(facts: Facts, opts: DoctorOptions): ContainerLogMatch[] {
  const matches = facts.live?.containerLogs?.matches ?? [];
  return matches.filter((m) => isSelected({ id: m.id }, { only: opts.only, skip: opts.skip }) === null);
}

/** The checks' results over `facts`, the containers' log matches folded in, as --only / --skip select. */
function judge(facts: Facts, opts: DoctorOptions): CheckResult[] {
  return foldContainerLogs(
    runChecks(CHECKS, facts, { only: opts.only, skip: opts.skip }),
    selectedLogMatches(facts, opts),
  );
}

function reportOf(results: CheckResult[], facts: Facts, durationMs: number): DoctorReport {
  return buildDoctorReport(results, durationMs, toolVersion(), summarizeRuntime(facts));
}

/** What a doctor run found, before anything is printed or written: the facts, the results and the report. */
export interface Diagnosis {
  facts: Facts;
  results: CheckResult[];
  report: DoctorReport;
}

/**
 * Gathers the facts (or reads the saved ones of --facts) and judges them, printing nothing but
 * the progress on a terminal (unless `stdoutFormat` is a machine format). The doctor and the
 * bundle both run this; the options must have passed validateDoctorOptions.
 */
export async function diagnose(
  opts: DoctorOptions,
  io: CliIO,
  limits: { timeoutMs: number; budgetMs: number; logLines: number; started: number },
  stdoutFormat: string | undefined,
): Promise<Diagnosis> {
  const lastResort = startLastResort();
  let facts: Facts;
  try {
    facts =
      opts.facts !== undefined ? readSavedFacts(opts.facts, io) : await gatherFacts(opts, io, limits, stdoutFormat);
  } finally {
    lastResort.stop();
  }
  const results = markEscapes(judge(facts, opts), CHECKS, lastResort.escaped());
  return { facts, results, report: reportOf(results, facts, performance.now() - limits.started) };
}

export async function runDoctor(
  opts: DoctorOptions,
  io: CliIO,
  out: (t: string) => void,
  err: (t: string) => void,
  context: CommandContext,
): Promise<number> {
  const started = performance.now();
  const limits = validateDoctorOptions(opts);
  const targets = planOutputs(
    { format: opts.format, output: opts.output, json: opts.json },
    { env: io.env, stdoutIsTTY: io.stdoutIsTTY, cwd: io.cwd },
  );
  const stdoutFormat = targets.find((t) => t.path === null)?.format;
  if (opts.yes && !opts.fix) throw new UsageError('--yes applies the repairs of --fix: give both, or neither');
  if (opts.facts !== undefined) {
    const conflicts = replayConflicts(opts);
    if (conflicts.length > 0) {
      throw new UsageError(
        `--facts ${opts.facts} judges saved facts: ${conflicts.join(', ')} cannot apply ` +
          '(nothing is gathered, nothing is changed)',
        'Leave them out; --only, --skip and the output options work as usual.',
      );
    }
  }
  const diagnosis = await diagnose(opts, io, { ...limits, started }, stdoutFormat);
  const facts = diagnosis.facts;
  let results = diagnosis.results;
  const color = useColor(opts.color, io.stdoutIsTTY, io.env);
  // Repairs are told on stdout when it carries the human report, else on stderr (stdout stays one document).
  const fixSink = stdoutFormat === undefined || stdoutFormat === 'human' ? out : err;
  let reportFacts = facts;
  if (opts.fix && opts.yes) {
    const { runFix } = await import('./fix.js');
    const summary = await runFix(facts, results, { yes: true, color }, { stdout: fixSink, stderr: err });
    if (summary.applied > 0) {
      // Judge the repaired deployment afresh: the report and the exit code are the state after the repairs.
      reportFacts = await gatherFacts(opts, io, limits, stdoutFormat);
      results = judge(reportFacts, opts);
      fixSink('\nAfter the repairs:\n\n');
    }
  }
  // Written before the report, so a file that cannot be written is a usage error with no report half out.
  if (opts.saveFacts !== undefined) {
    writeReportFile(resolve(io.cwd, opts.saveFacts), factsFileText(reportFacts, toolVersion()), 0o600);
  }
  const report = reportFacts === facts ? diagnosis.report : reportOf(results, reportFacts, performance.now() - started);
  const anchor = [reportFacts.compose, reportFacts.helmValues, reportFacts.proxyConfig].find(
    (f) => f !== undefined && f.state !== 'missing',
  );
  await emitOutputs(
    'doctor',
    report,
    targets,
    {
      color,
      verbose: Boolean(opts.verbose),
      failOn: opts.failOn,
      baseDir: io.cwd,
      ...(anchor ? { anchorFile: anchor.path } : {}),
      environment: runEnvironment(context.argv, io.env, reportFacts.deployment),
    },
    { stdout: out, file: context.writeFile },
  );
  if (opts.fix && !opts.yes) {
    const { runFix } = await import('./fix.js');
    fixSink('\n');
    await runFix(facts, results, { yes: false, color }, { stdout: fixSink, stderr: err });
  }
  return exitCodeFor(results, opts.failOn);
}
