#!/usr/bin/env node
'use strict';
// `mlops <command> [options]`: a small dispatcher. Each command is one compiled module,
// dist/src/cli/<command>.js, exporting `main(argv: string[]): Promise<number>` (the exit code).
// On a fresh clone without dist/, the TypeScript sources are compiled once first.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const cliDir = path.join(root, 'dist', 'src', 'cli');

function commands() {
  if (!fs.existsSync(cliDir)) return [];
  return fs
    .readdirSync(cliDir)
    .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function build() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) return false;
  process.stderr.write('mlops: compiling (first run)...\n');
  spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return true;
}

async function run() {
  const [cmd, ...args] = process.argv.slice(2);
  if (!fs.existsSync(cliDir)) build();
  const known = commands();
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`usage: mlops <command> [options]\ncommands: ${known.join(', ') || '(none built: run npm run build)'}\n` +
      'run `mlops <command> --help` for a command\'s options\n');
    return cmd ? 0 : 2;
  }
  if (!/^[a-z][a-z0-9-]*$/.test(cmd) || !known.includes(cmd)) {
    process.stderr.write(`mlops: unknown command "${cmd}" (commands: ${known.join(', ') || 'none built'})\n`);
    return 2;
  }
  const mod = require(path.join(cliDir, `${cmd}.js`));
  return mod.main(args);
}

run().then(
  (code) => {
    process.exitCode = typeof code === 'number' ? code : 0;
  },
  (err) => {
    process.stderr.write(`mlops: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
