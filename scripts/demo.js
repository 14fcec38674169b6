#!/usr/bin/env node
// `npm run demo [-- --exit]`: builds if needed, then runs dist/src/demo/main.js (see src/demo/main.ts).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'demo', 'main.js');
if (!fs.existsSync(entry)) {
  process.stdout.write('Building (first run) ...\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
