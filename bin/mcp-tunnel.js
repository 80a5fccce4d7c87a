#!/usr/bin/env node
import('../dist/src/main.js').then((m) => m.main(process.argv.slice(2)));
