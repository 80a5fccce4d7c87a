// Parses the command line, runs a command, returns the exit code. Never calls process.exit and
// never prints a stack trace: usage problems are exit 2 with what happened and what to do.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { UsageError, describeError, EXIT_USAGE } from './core/errors.js';
import { toolVersion } from './core/version.js';
import { redact } from './redaction/redact.js';
import { neutraliseControls, showControls } from './redaction/control-chars.js';
import { registerSecretsIn } from './redaction/register.js';
import { withSecretRegistry } from './redaction/secret-registry.js';
import type { CommandContext } from './commands/outputs.js';
import { writeReportFile } from './core/safe-writer.js';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborts when stdout is gone (EPIPE: the reader closed the pipe): stop producing output. */
  outputGone?: AbortSignal;
}

const FORMAT_HELP =
  'output format: human, json, markdown, junit, sarif, github, openmetrics; several comma-separated, with --output (default: github on GitHub Actions when stdout is not a terminal, else human)';
const OUTPUT_HELP =
  'file per format, comma-separated, in --format order; - is stdout (at most one); files are replaced atomically';

/** --days: a whole number of days from 1 to 825 (the longest a private CA's server certificate should live). */
function parseDays(value: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 825)
    throw new InvalidArgumentError('expected a whole number of days from 1 to 825');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** Colour only on a TTY, never with NO_COLOR, TERM=dumb or --no-color; FORCE_COLOR forces it. */
export function useColor(flag: boolean, isTTY: boolean, env: CliIO['env']): boolean {
  if (!flag) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** The options that say what to gather and how (the deployment's files, the live probes): doctor and bundle share them. */
function gatheringOptions(command: Command): Command {
  return command
    .option('--dir <path>', 'deployment directory (compose file, config/, data/, values.yaml)')
    .option('--config <file>', 'proxy config (config/mcp-proxy.yaml or config/mcp-gateway.yaml)')
    .option('--compose <file>', 'Compose file')
    .option('--values <file>', 'Helm values file (repeatable, merged like helm -f)', collect, [])
    .option('--cert <file>', 'server certificate (default data/tls.crt)')
    .option('--key <file>', 'server private key (default data/tls.key)')
    .option('--ca <file>', 'CA certificate (default data/ca.crt)')
    .option('--tunnel-domain <domain>', "the tunnel's assigned domain (default data/tunnel-domain)")
    .option('--token-file <file>', 'file holding the tunnel token (the token itself: TUNNEL_TOKEN, never a flag)')
    .option('--jwt-file <file>', "the setup job's identity token (decoded only, never sent)")
    .option('--federation-rule <file>', 'the federation rule as JSON, as the API returns it')
    .option('--oauth-metadata <file>', '/.well-known/oauth-authorization-server document')
    .option('--resource-metadata <file>', '/.well-known/oauth-protected-resource document')
    .option('--offline', 'no DNS queries and no connections: judge the files only')
    .option('--edge <host:port>', 'edge address to probe (repeatable; replaces SRV discovery)', collect, [])
    .addOption(new Option('--region <region>', 'edge region').choices(['global', 'us', 'fed']))
    .option('--dns-server <ip[:port]>', 'resolver for every lookup of the run (repeatable)', collect, [])
    .option('--proxy <url>', "the proxy's listener for the live inner-TLS probe (ws://host:port[/path])")
    .option('--mcp-route <name>', 'a route that serves MCP besides mcp and mcp* (repeatable)', collect, [])
    .option('--mcp-path <path>', 'the MCP endpoint on every MCP route (default /mcp)')
    .option('--api-url <url>', 'vendor API base URL for the CA registration check')
    .option('--api-key-file <file>', 'file holding the API key (or ANTHROPIC_API_KEY; never a flag value)')
    .addOption(
      new Option(
        '--runtime <engine>',
        'inspect the running containers: auto (when the Docker socket answers), docker, none',
      )
        .choices(['auto', 'docker', 'none'])
        .default('auto'),
    )
    .option('--log-lines <n>', "last lines of each container's log to match (0: none)", '2000')
    .option('--metrics <host:port>', "cloudflared's metrics server, when the doctor cannot find it itself")
    .option('--timeout <ms>', 'deadline of each probe in milliseconds', '5000')
    .option('--budget <ms>', 'deadline of the whole live run in milliseconds (default 3 x --timeout)');
}

/** Runs one command with its own secret registry: what this run reads is masked in this run's output only. */
export function runCli(argv: string[], io: CliIO): Promise<number> {
  return withSecretRegistry(() => runCommand(argv, io));
}

async function runCommand(argv: string[], io: CliIO): Promise<number> {
  // A secret given where a flag value goes (--tunnel-domain <a JWT>) is masked wherever it is echoed.
  for (const arg of argv) registerSecretsIn(arg);
  // The output edge: everything the tool writes is redacted (registered values, then patterns),
  // then any control character left is made visible; a terminal keeps the tool's colours.
  const colourOn = (isTTY: boolean) => useColor(true, isTTY, io.env);
  const out = (t: string) => io.stdout(neutraliseControls(redact(t), colourOn(io.stdoutIsTTY)));
  const err = (t: string) => io.stderr(neutraliseControls(redact(t), colourOn(io.stderrIsTTY)));
  // A message that quotes input (a flag value, a file name): redacted first, then every control
  // character shown, not even a colour obeyed.
  const errQuoting = (t: string) => err(showControls(redact(t)));
  // Report files too, never with colour; then written by the one writer (atomically, links refused).
  const context: CommandContext = {
    writeFile: (path, text) => writeReportFile(path, neutraliseControls(redact(text), false)),
    argv,
  };
  let exitCode = 0;

  const program = new Command('mcp-tunnel')
    .description(
      'Doctor for MCP tunnel deployments: the edge, the inner TLS, routing, OAuth discovery and the setup job.',
    )
    .version(toolVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's messages quote what was typed: no escape sequence of it reaches the terminal, not even a colour.
    .configureOutput({ writeOut: out, writeErr: errQuoting });

  gatheringOptions(program.command('doctor'))
    .description('diagnose a deployment (Compose or Helm), layer by layer')
    .option('--only <list>', 'only these layers or check IDs (comma-separated, repeatable)', collectList, [])
    .option('--skip <list>', 'skip these layers or check IDs (comma-separated, repeatable)', collectList, [])
    .option('--format <list>', FORMAT_HELP, collectList, [])
    .option('--output <list>', OUTPUT_HELP, collectList, [])
    .option('--json', 'same as --format json')
    .addOption(
      new Option('--fail-on <level>', 'lowest status that makes the exit code 1')
        .choices(['error', 'warn'])
        .default('error'),
    )
    .option('--no-color', 'no colours')
    .option('--verbose', 'show evidence and informational findings')
    .option(
      '--fix',
      'show the repairs that are safe to make mechanically (diffs and commands); changes nothing without --yes',
    )
    .option('--yes', 'with --fix: apply them (each edited file is backed up as <file>.bak first), then judge again')
    .option('--save-facts <file>', 'also write the gathered facts as JSON (secrets masked, mode 0600) for --facts')
    .option('--facts <file>', 'judge facts saved by --save-facts: no probe runs and no deployment file is read')
    .addOption(new Option('--token <value>').hideHelp())
    .action(async (opts) => {
      const { runDoctor } = await import('./commands/doctor.js');
      exitCode = await runDoctor(opts, io, out, err, context);
    });

  gatheringOptions(program.command('bundle'))
    .description('write one redacted archive for a support ticket: the report, logs, sanitised files, versions')
    .option('--out <file>', 'the archive to write (default mcp-tunnel-bundle-<UTC time>.tar.gz; never replaced)')
    .option('--logs <file...>', 'log files to match (- is stdin; plain or gzip)', collect, [])
    .option('--since <duration>', 'keep only log lines newer than this (90s, 15m, 2h, 7d)')
    .option(
      '--record [duration]',
      'follow the logs while the failure is reproduced; end on Enter or after the duration',
    )
    .option('--inspect <file>', 'list a bundle, verify its manifest and scan it for secrets (exit 0 clean, 1 not)')
    .addOption(new Option('--token <value>').hideHelp())
    .action(async (opts) => {
      const { runBundle } = await import('./commands/bundle.js');
      exitCode = await runBundle(opts, io, out, err, context);
    });

  program
    .command('logs')
    .description('map cloudflared and proxy logs (files, - or stdin; plain or gzip) to causes and fixes')
    .argument('[file...]', 'log files; - or none for stdin')
    .option('--format <list>', FORMAT_HELP, collectList, [])
    .option('--output <list>', OUTPUT_HELP, collectList, [])
    .option('--json', 'same as --format json')
    .option('--follow', 'keep reading a growing file or a live pipe, printing findings as they appear')
    .addOption(
      new Option('--fail-on <level>', 'lowest severity that makes the exit code 1')
        .choices(['error', 'warn'])
        .default('error'),
    )
    .option('--no-color', 'no colours')
    .option('--verbose', 'show more examples and healthy evidence')
    .action(async (files: string[], opts) => {
      const { runLogsCommand } = await import('./commands/logs.js');
      exitCode = await runLogsCommand(files, opts, io, out, err, context);
    });

  const certs = program
    .command('certs')
    .description("make, renew and inspect the tunnel's CA and server certificate (no openssl needed)");
  certs
    .command('init')
    .description('make a CA and a server certificate for *.<tunnel-domain> in data/ (never replaces a key)')
    .requiredOption(
      '--tunnel-domain <domain>',
      "the domain on the tunnel's detail page (e.g. abcd1234.tunnel.anthropic.com)",
    )
    .option('--out <dir>', 'data directory to write', 'data')
    .addOption(
      new Option('--key-type <type>', 'server key type: ECDSA P-256 or RSA 4096').choices(['ec', 'rsa']).default('ec'),
    )
    .option('--days <n>', 'server certificate validity in days (1-825)', parseDays, 90)
    .option('--force', 'replace existing certificates and tunnel-domain (kept as .bak); keys are never replaced')
    .action(async (opts) => {
      const { certsInit } = await import('./commands/certs.js');
      exitCode = await certsInit(
        {
          tunnelDomain: opts.tunnelDomain,
          out: resolve(io.cwd, opts.out),
          force: Boolean(opts.force),
          keyType: opts.keyType,
          days: opts.days,
        },
        { stdout: out, stderr: err },
      );
    });
  certs
    .command('renew')
    .description('re-issue the server certificate with the existing CA (fresh key; old files kept as .bak)')
    .option('--out <dir>', 'data directory holding ca.key, ca.crt, tls.key and tls.crt', 'data')
    .option('--days <n>', 'validity in days (1-825)', parseDays, 90)
    .option('--tunnel-domain <domain>', 'names to cover when data/tunnel-domain is absent')
    .option('--keep-key', 're-sign the current tls.key instead of making a new key')
    .addOption(
      new Option('--key-type <type>', 'type of the new key (default: as before)')
        .choices(['ec', 'rsa'])
        .conflicts('keepKey'),
    )
    .action(async (opts) => {
      const { certsRenew } = await import('./commands/certs.js');
      exitCode = await certsRenew(
        {
          out: resolve(io.cwd, opts.out),
          days: opts.days,
          tunnelDomain: opts.tunnelDomain,
          keepKey: Boolean(opts.keepKey),
          keyType: opts.keyType,
        },
        { stdout: out, stderr: err },
      );
    });
  certs
    .command('inspect')
    .description('show what the doctor sees in a certificate or key file (never key material)')
    .argument('<file>', 'certificate (PEM or DER, one or a bundle) or private key')
    .option('--json', 'as JSON')
    .action(async (file: string, opts) => {
      const { certsInspect } = await import('./commands/certs.js');
      exitCode = await certsInspect(
        { file: resolve(io.cwd, file), json: Boolean(opts.json) },
        { stdout: out, stderr: err },
      );
    });

  program
    .command('checks')
    .description('list every catalog ID: layer, kind and title')
    .option('--json', 'as JSON')
    .action(async (opts) => {
      const { listChecks } = await import('./commands/catalog-commands.js');
      out(listChecks(Boolean(opts.json)));
    });

  program
    .command('explain')
    .description('explain a catalog ID, a messageId or a log signature: symptom, cause, fix and background')
    .argument('<id>', 'a check ID (see mcp-tunnel checks), a messageId or a log signature')
    .option('--json', 'as JSON')
    .action(async (id: string, opts) => {
      const { explain } = await import('./commands/catalog-commands.js');
      out(explain(id, Boolean(opts.json)));
    });

  // Run by the doctor itself under nsenter (src/probes/network-namespace.ts): not for people.
  program
    .command('__in-namespace', { hidden: true })
    .argument('<task>')
    .action(async (task: string) => {
      const { runInNamespaceTask } = await import('./commands/in-namespace.js');
      exitCode = await runInNamespaceTask(task, io.stdin, out);
    });

  try {
    if (argv.length === 0) {
      out(program.helpInformation());
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      // commander already printed its message
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      // Usage errors quote flag values and file names: shown, never obeyed.
      errQuoting(`mcp-tunnel: ${e.message}\n`);
      if (e.hint) errQuoting(`${e.hint}\n`);
      return EXIT_USAGE;
    }
    errQuoting(
      `mcp-tunnel: internal error: ${describeError(e)}\nPlease report this with the command you ran (output is redacted).\n`,
    );
    return EXIT_USAGE;
  }
}
