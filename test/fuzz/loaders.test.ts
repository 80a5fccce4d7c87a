// Property-based tests of every loader (fast-check), with the inputs of `npm run fuzz`
// (scripts/fuzz/loaders.mjs) on the sources: each input is answered with a value (a typed fact),
// never a throw, within 2 s, and the answer survives the runner's clone and freeze. A few
// hundred runs per loader here, for CI; `npm run fuzz` runs 100,000 each.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneFacts, deepFreeze } from '../../src/core/runner.js';
import { parseLine } from '../../src/logs/line.js';
import { commandArgs, composeServices, serviceEnvironment, volumeMounts } from '../../src/model/compose.js';
import { readProxyConfig } from '../../src/model/proxy-config.js';
import { readCertificateBytes } from '../../src/probes/certificate-file.js';
import { parseDotenv } from '../../src/model/dotenv.js';
import { describeJwt } from '../../src/model/jwt.js';
import { readPrivateKeyBytes } from '../../src/probes/private-key-file.js';
import { describeTokenValue } from '../../src/model/tunnel-token.js';
import { parseYamlText } from '../../src/model/yaml-document.js';
// Plain JavaScript, shared with the fuzz script (scripts/fuzz/run.mjs).
import { defineLoaders } from '../../scripts/fuzz/loaders.mjs';

interface Loader {
  name: string;
  inputs: fc.Arbitrary<string | Buffer>;
  run(input: string | Buffer): unknown;
}

const loaders = defineLoaders({
  parseYamlText,
  readProxyConfig,
  composeServices,
  serviceEnvironment,
  commandArgs,
  volumeMounts,
  parseDotenv,
  readCertificateBytes,
  readPrivateKeyBytes,
  describeJwt,
  describeTokenValue,
  parseLine,
  cloneFacts,
  deepFreeze,
}) as Loader[];

describe('every loader answers any input, fast, without throwing', () => {
  it('covers the loaders of the brief', () => {
    expect(loaders.map((l) => l.name)).toEqual([
      'proxy YAML',
      'Compose',
      'Helm values',
      '.env',
      'PEM/DER certificate',
      'PEM/DER private key',
      'JWT',
      'tunnel token',
      'log line',
    ]);
  });

  it.each(loaders.map((l) => [l.name, l] as const))('%s', (_name, loader) => {
    fc.assert(
      fc.property(loader.inputs, (input) => {
        const started = performance.now();
        expect(loader.run(input)).toBeDefined();
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 150 },
    );
  });
});
