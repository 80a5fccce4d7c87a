// `npm run bench`: every benchmark of the project, each printing its figures and its ratio
// against a baseline measured in the same invocation.

import { existsSync } from 'node:fs';
import { runStartupBench } from './startup.mjs';

const only = process.argv[2];
if (!only || only === 'startup') runStartupBench();
for (const [name, file, fn] of [
  ['live', './live.mjs', 'runLiveBench'],
  ['logs', './logs.mjs', 'runLogsBench'],
  ['runtime', './runtime.mjs', 'runRuntimeBench'],
  ['bundle', './bundle.mjs', 'runBundleBench'],
  ['mcp-oauth', './mcp-oauth.mjs', 'runMcpOauthBench'],
]) {
  if (only && only !== name) continue;
  if (!existsSync(new URL(file, import.meta.url))) continue;
  const mod = await import(file);
  console.log('');
  await mod[fn]();
}
