// The layer rules of eslint.config.js, through ESLint's Node API: a check or a pure module that
// reaches for I/O, a probe or the command line fails the lint; the real modules pass it.
// Type information is switched off here (the layer rules do not need it): building the whole
// program would cost this test half a minute on a 2-core machine; `npm run lint` does it in full.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/exec.js';

const eslint = new ESLint({ cwd: ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });

/** The layer messages ESLint gives `code` as if it were the file at `path` (relative to the root). */
async function layerErrors(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  if (!result) throw new Error(`ESLint returned no result for ${path}`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** A real file of the tree with one import line put in front of it. */
function withImport(line: string, path: string): string {
  return `${line}\n${readFileSync(join(ROOT, path), 'utf8')}`;
}

describe('layer rules', () => {
  const CHECK = 'checks/edge/edge-udp.ts';
  const REPORTER = 'src/reporters/junit.ts';

  it.each([
    ["import { readFileSync } from 'node:fs';", CHECK, /node:fs.*Only probes do I\/O/],
    ["import { readFileSync } from 'fs';", CHECK, /'fs'.*Only probes do I\/O/],
    ["import { connect } from 'node:net';", CHECK, /node:net/],
    ["import { resolveSrv } from 'node:dns/promises';", CHECK, /node:dns\/promises/],
    ["import { request } from 'undici';", CHECK, /undici/],
    ["import { resolveEdgeSrv } from '../../src/probes/dns-resolver.js';", CHECK, /probes.*gather/],
    ["import { runCli } from '../../src/cli.js';", CHECK, /cli\.js.*outermost/],
    ["import { probeDns } from '../probes/dns-resolver.js';", REPORTER, /probes.*gather/],
    ["import type { DnsAnswer } from '../probes/dns-resolver.js';", REPORTER, /probes.*gather/],
    ["import { writeFileSync } from 'node:fs';", REPORTER, /node:fs/],
    ["import { readFileSync } from 'node:fs';", 'src/model/compose.ts', /node:fs/],
    ["import { parseDer } from '../probes/certificate-file.js';", 'src/pki/der.ts', /probes/],
    ["import { runDoctor } from '../commands/doctor.js';", 'src/core/report.ts', /commands.*outermost/],
    ["import { scan } from '../logs/scanner.js';", 'src/catalog/catalog.ts', /logs.*catalog is data/],
  ])('%s in %s fails the lint', async (line, path, expected) => {
    const errors = await layerErrors(withImport(line, path), path);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
  });

  it('lets a probe, a command and a test do I/O', async () => {
    for (const path of ['src/probes/dns-resolver.ts', 'src/commands/doctor.ts', 'test/lint/layers.test.ts']) {
      expect(await layerErrors(withImport("import { statSync } from 'node:fs';", path), path)).toEqual([]);
    }
  });

  it('passes on the real check and reporters', async () => {
    const results = await eslint.lintFiles([CHECK, REPORTER, 'src/reporters/json.ts', 'src/reporters/human.ts']);
    expect(results).toHaveLength(4);
    for (const r of results)
      expect({ file: r.filePath, messages: r.messages }).toEqual({ file: r.filePath, messages: [] });
  });
});
