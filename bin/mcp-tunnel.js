#!/usr/bin/env node
// `--version` answers here without loading the tool (as fast as starting Node); all else: src/main.
import { readFileSync } from 'node:fs';
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
else import('../dist/src/main.js').then((m) => m.main(argv));
