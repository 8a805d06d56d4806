#!/usr/bin/env node
// The package bin. `npm ci` builds dist/ through the `prepare` script, so this works on a fresh clone.
'use strict';
// The AWS SDK warns on every command, in several lines, that its releases after January 2027 need
// Node 22. The CLI keeps running on Node 20 (the README recommends 22+): that notice is not the
// user's business here, so the SDK's own switch turns it off unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
  process.exit(cli.exitCodeOf(err));
});
