// What a reporter is told besides the report: plain data the CLI gathers (reporters stay pure:
// no process, no clock, no file system), and the one place that spells the project's links.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DeploymentFacts } from '../core/facts.js';
import type { LogMatch, LogsReport } from '../logs/report.js';

/** Facts about the run for a support ticket. Never holds a secret: the CLI leaves secret flag values out. */
export interface RunEnvironment {
  toolVersion: string;
  /** `process.version`, e.g. v20.20.2 */
  nodeVersion: string;
  /** `process.platform process.arch`, e.g. linux x64 */
  platform: string;
  /** The command as run, e.g. `mcp-tunnel doctor --offline --dir deploy`; secret-bearing values shown as (hidden). */
  commandLine: string;
  /** The doctor's deployment: directory, layout and naming generation. */
  deployment?: DeploymentFacts;
  /** The CI system the run was in, when one is recognised (GitHub Actions, GitLab CI...). */
  ci?: string;
}

export interface RenderContext {
  color: boolean;
  verbose: boolean;
  /** The exit-code threshold: with 'warn', JUnit counts warnings as failures too. */
  failOn: 'error' | 'warn';
  /** Paths in SARIF and GitHub annotations are relative to this directory (the working directory). */
  baseDir: string;
  /**
   * The file a finding without a location of its own is pinned to where a consumer insists on a
   * file (SARIF for GitHub code scanning): the deployment's Compose file, Helm values or proxy config.
   */
  anchorFile?: string;
  environment: RunEnvironment;
}

/** The project's page; the README there has a table of every check ID under "Checks". */
export const PROJECT_URL = 'https://www.npmjs.com/package/mcp-tunnel';

/** Where a check ID is documented (SARIF helpUri, markdown links). One anchor for now: the checks table. */
export function helpUriFor(_id: string): string {
  return `${PROJECT_URL}#checks`;
}

/**
 * A file as CI tools want it: relative to `baseDir` with forward slashes when it lies inside it,
 * else absolute (forward slashes too). Pure path arithmetic, no file system access.
 */
export function pathFromBase(file: string, baseDir: string): { path: string; inside: boolean } {
  const abs = isAbsolute(file) ? file : resolve(baseDir, file);
  const rel = relative(baseDir, abs);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return { path: (inside ? rel : abs).split(sep).join('/'), inside };
}

/** The log file a match was read from (none for stdin): annotations and SARIF results point there. */
export function logFileOf(m: LogMatch, report: LogsReport): string | undefined {
  const name = m.firstSource ?? (report.sources.length === 1 ? report.sources[0]?.name : undefined);
  return name && name !== 'stdin' && name !== '-' ? name : undefined;
}
