// Bundles the compiled CLI into one CommonJS file (dist/bundle/mcp-tunnel.cjs) and records V8's
// code cache for it (dist/bundle/mcp-tunnel.cache) by running the doctor once on the bundled
// healthy example. Start-up is most of a doctor run's time: one file instead of ninety modules,
// and bytecode that need not be compiled again, make `doctor --offline` about twice as fast.
// A cache made by another Node.js version is rejected by V8 and the tool simply compiles as usual.
// First, every module of src/ and checks/ is transpiled to dist/src and dist/checks (the benches,
// the fuzzer and the lab import them). Transpiling does not type-check: `npm run lint` does, with
// tsc over src, checks and test, and `npm test` runs it before the build.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
for (const part of ['src', 'checks', 'bundle']) rmSync(join(root, 'dist', part), { recursive: true, force: true });

await build({
  entryPoints: [join(root, 'src', '**', '*.ts'), join(root, 'checks', '**', '*.ts')],
  outdir: join(root, 'dist'),
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

await build({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  outfile: join(outdir, 'mcp-tunnel.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // The network clients load only for a live run: leave them in node_modules.
  external: ['undici', 'ws'],
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__mcpTunnelModuleUrl' },
  banner: { js: 'const __mcpTunnelModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// Warm the cache with the commonest paths: an offline doctor run, and the catalog commands.
const env = { PATH: process.env.PATH, NO_COLOR: '1', MCP_TUNNEL_WRITE_CODE_CACHE: '1' };
const bin = join(root, 'bin', 'mcp-tunnel.cjs');
const run = spawnSync(
  process.execPath,
  [bin, 'doctor', '--offline', '--json', '--dir', join(root, 'fixtures', 'deployments', 'compose-healthy')],
  { env, encoding: 'utf8' },
);
if (run.status !== 0) {
  console.error(`bundle: the warm-up doctor run exited ${run.status}; no code cache written\n${run.stderr}`);
}
