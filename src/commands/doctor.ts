// `mcp-tunnel doctor`: validate the options, gather facts, run the checks, render, exit code.

import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { CHECKS } from '../../checks/index.js';
import { CATALOG } from '../catalog/catalog.js';
import { UsageError } from '../core/errors.js';
import { buildDoctorReport, exitCodeFor } from '../core/report.js';
import { markEscapes, runChecks } from '../core/runner.js';
import { LAYERS } from '../core/types.js';
import type { Facts } from '../core/facts.js';
import { toolVersion } from '../core/version.js';
import { gatherStaticFacts } from '../probes/deployment.js';
import { refuseUnreadableInputs } from './explicit-inputs.js';
import { parseDnsServer } from '../probes/dns-resolver.js';
import { readBounded } from '../probes/bounded-file.js';
import { registerSecret } from '../redaction/register.js';
import { useColor, type CliIO } from '../cli.js';
import { startLastResort } from './last-resort.js';
import { emitOutputs, planOutputs, runEnvironment, type CommandContext } from './outputs.js';

export interface DoctorOptions {
  dir?: string;
  config?: string;
  compose?: string;
  values: string[];
  cert?: string;
  key?: string;
  ca?: string;
  tunnelDomain?: string;
  tokenFile?: string;
  jwtFile?: string;
  federationRule?: string;
  oauthMetadata?: string;
  resourceMetadata?: string;
  offline?: boolean;
  edge: string[];
  region?: 'global' | 'us' | 'fed';
  dnsServer: string[];
  proxy?: string;
  apiUrl?: string;
  apiKeyFile?: string;
  timeout: string;
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
}

function validateSelection(flag: string, list: string[]): void {
  const known = new Set<string>([...LAYERS, ...CATALOG.map((e) => e.id)]);
  for (const item of list) {
    if (!known.has(item)) {
      throw new UsageError(`${flag} ${item}: not a layer or check ID`, `Layers: ${LAYERS.join(', ')}. IDs: run mcp-tunnel checks.`);
    }
  }
}

export function validateDoctorOptions(opts: DoctorOptions): { timeoutMs: number; budgetMs: number } {
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
  for (const edge of opts.edge) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(edge)) throw new UsageError(`--edge ${edge}: expected host:port (IPv6 as [addr]:port)`);
  }
  for (const server of opts.dnsServer) {
    if (parseDnsServer(server) === null) {
      throw new UsageError(`--dns-server ${server}: expected an IP address with an optional port (1.2.3.4:53, [::1]:53)`);
    }
  }
  if (opts.proxy !== undefined && !/^wss?:\/\/[^\s/]+(\/\S*)?$/.test(opts.proxy)) {
    throw new UsageError(`--proxy ${opts.proxy}: expected ws://host:port[/path]`);
  }
  if (opts.apiUrl !== undefined && !/^https?:\/\/\S+$/.test(opts.apiUrl)) throw new UsageError(`--api-url ${opts.apiUrl}: expected an http(s) URL`);
  if (opts.budget !== undefined && (!/^\d+$/.test(opts.budget) || Number(opts.budget) < 1 || Number(opts.budget) > 3600000)) {
    throw new UsageError(`--budget ${opts.budget}: give a whole number of milliseconds from 1 to 3600000`);
  }
  const timeoutMs = Number(opts.timeout);
  return { timeoutMs, budgetMs: opts.budget !== undefined ? Number(opts.budget) : Math.max(3 * timeoutMs, timeoutMs + 1000) };
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
  const named = [opts.config, opts.compose, opts.cert, opts.key, opts.ca, opts.tokenFile, opts.jwtFile, opts.federationRule, opts.oauthMetadata, opts.resourceMetadata, opts.tunnelDomain];
  if (named.some((v) => v !== undefined) || opts.values.length > 0) return false;
  const present = (f: { state: string } | undefined) => f !== undefined && f.state !== 'missing';
  return facts.deployment.layout === 'none' && !present(facts.proxyConfig) && !present(facts.caCert) && !present(facts.serverCert) && !present(facts.privateKey) && !present(facts.token);
}

/** Static facts from the files, then (unless --offline) live facts from the network. */
async function gatherFacts(opts: DoctorOptions, io: CliIO, timeoutMs: number, budgetMs: number, stdoutFormat: string | undefined): Promise<Facts> {
  const facts = gatherStaticFacts({
    dir: opts.dir ? resolve(io.cwd, opts.dir) : io.cwd,
    dirExplicit: opts.dir !== undefined,
    config: opts.config && resolve(io.cwd, opts.config),
    compose: opts.compose && resolve(io.cwd, opts.compose),
    values: opts.values.map((v) => resolve(io.cwd, v)),
    cert: opts.cert && resolve(io.cwd, opts.cert),
    key: opts.key && resolve(io.cwd, opts.key),
    ca: opts.ca && resolve(io.cwd, opts.ca),
    tunnelDomain: opts.tunnelDomain,
    tokenFile: opts.tokenFile && resolve(io.cwd, opts.tokenFile),
    jwtFile: opts.jwtFile && resolve(io.cwd, opts.jwtFile),
    federationRule: opts.federationRule && resolve(io.cwd, opts.federationRule),
    oauthMetadata: opts.oauthMetadata && resolve(io.cwd, opts.oauthMetadata),
    resourceMetadata: opts.resourceMetadata && resolve(io.cwd, opts.resourceMetadata),
    offline: Boolean(opts.offline),
    env: io.env,
    now: new Date(),
  });
  refuseUnreadableInputs(facts, opts.dir === undefined ? undefined : { given: opts.dir, path: resolve(io.cwd, opts.dir) });
  if (nothingFound(facts, opts)) {
    throw new UsageError(
      `no MCP tunnel deployment found in ${facts.deployment.dir}`,
      'Looked for compose.yaml / docker-compose.yml, config/mcp-proxy.yaml or config/mcp-gateway.yaml, values.yaml and data/. Run the doctor in the deployment directory, or pass --dir, --compose, --config or --values.',
    );
  }
  if (!facts.offline) {
    const apiKey = readApiKey(opts, io);
    const { gatherLiveFacts } = await import('../probes/live.js');
    // Progress on a terminal's stderr, unless stdout carries a machine format someone may be reading live.
    const pending = io.stderrIsTTY && (stdoutFormat === undefined || stdoutFormat === 'human');
    if (pending) io.stderr('Probing the edge, the proxy listener and the upstreams…');
    try {
      facts.live = await gatherLiveFacts(facts, {
        edges: opts.edge,
        region: opts.region,
        dnsServers: opts.dnsServer,
        proxy: opts.proxy,
        apiUrl: opts.apiUrl,
        apiKey,
        timeoutMs,
        budgetMs,
      });
    } finally {
      if (pending) io.stderr('\r\u001b[2K');
    }
  }
  return facts;
}

export async function runDoctor(opts: DoctorOptions, io: CliIO, out: (t: string) => void, err: (t: string) => void, context: CommandContext): Promise<number> {
  const started = performance.now();
  const { timeoutMs, budgetMs } = validateDoctorOptions(opts);
  const targets = planOutputs({ format: opts.format, output: opts.output, json: opts.json }, { env: io.env, stdoutIsTTY: io.stdoutIsTTY, cwd: io.cwd });
  const stdoutFormat = targets.find((t) => t.path === null)?.format;
  if (opts.yes && !opts.fix) throw new UsageError('--yes applies the repairs of --fix: give both, or neither');
  const lastResort = startLastResort();
  let facts: Facts;
  try {
    facts = await gatherFacts(opts, io, timeoutMs, budgetMs, stdoutFormat);
  } finally {
    lastResort.stop();
  }
  const judged = runChecks(CHECKS, facts, { only: opts.only, skip: opts.skip });
  let results = markEscapes(judged, CHECKS, lastResort.escaped());
  const color = useColor(opts.color, io.stdoutIsTTY, io.env);
  // Repairs are told on stdout when it carries the human report, else on stderr (stdout stays one document).
  const fixSink = stdoutFormat === undefined || stdoutFormat === 'human' ? out : err;
  let reportFacts = facts;
  if (opts.fix && opts.yes) {
    const { runFix } = await import('./fix.js');
    const summary = await runFix(facts, results, { yes: true, color }, { stdout: fixSink, stderr: err });
    if (summary.applied > 0) {
      // Judge the repaired deployment afresh: the report and the exit code are the state after the repairs.
      reportFacts = await gatherFacts(opts, io, timeoutMs, budgetMs, stdoutFormat);
      results = runChecks(CHECKS, reportFacts, { only: opts.only, skip: opts.skip });
      fixSink('\nAfter the repairs:\n\n');
    }
  }
  const report = buildDoctorReport(results, performance.now() - started, toolVersion());
  const anchor = [reportFacts.compose, reportFacts.helmValues, reportFacts.proxyConfig].find((f) => f !== undefined && f.state !== 'missing');
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
