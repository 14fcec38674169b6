#!/usr/bin/env node
'use strict';
// `mlops <command> [arguments] [options]`: runs the compiled CLI (dist/src/cli/index.js; see
// src/cli/index.ts for the commands). On a fresh clone without dist/, the sources are compiled first.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'cli', 'index.js');

if (!fs.existsSync(entry)) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (fs.existsSync(tsc)) {
    process.stderr.write('mlops: compiling (first run)...\n');
    spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (!fs.existsSync(entry)) {
    process.stderr.write('mlops: the CLI is not built: run npm ci (or npm run build)\n');
    process.exit(1);
  }
}

require(entry)
  .runCli(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = typeof code === 'number' ? code : 0;
    },
    (err) => {
      process.stderr.write(`mlops: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
