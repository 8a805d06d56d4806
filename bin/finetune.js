#!/usr/bin/env node
// The package bin. `npm ci` builds dist/ through the `prepare` script, so this works on a fresh clone.
'use strict';
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (err) {
  // Only dist/cli/main.js itself missing means "not built"; a module missing inside it is a real error.
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).split('\n')[0].includes('../dist/cli/main.js')) {
    console.error('finetune is not built yet: run `npm ci` (or `npm run build`) in the project folder first.');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(typeof err?.exitCode === 'number' ? err.exitCode : 1);
});
