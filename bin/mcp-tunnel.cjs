#!/usr/bin/env node
// The executable. `--version` answers here without loading the tool; everything else runs the
// bundle (dist/bundle/mcp-tunnel.cjs, made by `npm run build`) with V8's code cache when it fits.
'use strict';
const { readFileSync } = require('node:fs');
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.on('error', () => undefined); // a closed pipe (`| true`) ends the output quietly
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  const { Script } = require('node:vm');
  const { wrap } = require('node:module');
  const { dirname } = require('node:path');
  const file = require.resolve('../dist/bundle/mcp-tunnel.cjs');
  const cacheFile = file.replace(/\.cjs$/, '.cache');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* no cache: V8 compiles as usual */
  }
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require('node:module').createRequire(file), mod, file, dirname(file));
  const done = mod.exports.main(argv);
  if (process.env.MCP_TUNNEL_WRITE_CODE_CACHE === '1')
    done.then(() => require('node:fs').writeFileSync(cacheFile, script.createCachedData()));
}
