#!/usr/bin/env node
// `npm start`: build if dist/ is missing or older than the sources, then run the local stack
// (Azurite + embedded Functions host) from dist/src/host/start.js. Options: see docs/host.md.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
// `--azureml-emulator`: the local Azure ML emulator beside the stack (a sidecar of the host's start),
// so AUTOML_PROVIDER=azureml and DEPLOY_TARGET=azureml can be tried with no Azure account.
const argv = process.argv
  .slice(2)
  .flatMap((a) => (a === '--azureml-emulator' ? ['--sidecar', path.join(root, 'dist', 'emulators', 'azureml', 'main.js')] : [a]));
const entry = path.join(root, 'dist', 'src', 'host', 'start.js');

function newestSource(dir, newest = 0) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(p, newest);
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

// The build is incremental (tsconfig): unchanged outputs keep their time, and dist/.tsbuildinfo is
// rewritten whenever something was rebuilt, so the newer of the two is the last build's time.
function stale() {
  if (!fs.existsSync(entry) || !fs.existsSync(path.join(root, 'dist', 'functions'))) return true;
  const info = path.join(root, 'dist', '.tsbuildinfo');
  const built = Math.max(fs.statSync(entry).mtimeMs, fs.existsSync(info) ? fs.statSync(info).mtimeMs : 0);
  const inputs = [
    newestSource(path.join(root, 'src')),
    newestSource(path.join(root, 'functions')),
    newestSource(path.join(root, 'emulators')),
    fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs,
  ];
  return inputs.some((t) => t > built);
}

if (!argv.includes('--no-build') && stale()) {
  process.stdout.write('Building (tsc -p tsconfig.json)...\n');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (!fs.existsSync(entry)) {
    process.stderr.write('Build failed: dist/src/host/start.js was not produced.\n');
    process.exit(1);
  }
  // tsc still emits JavaScript when it reports type errors; say so, and run what was built.
  if (r.status !== 0) process.stderr.write('Warning: the build reported type errors (see above); starting with the emitted JavaScript.\n');
}

require(entry)
  .startLocal(argv, root)
  .catch((err) => {
    process.stderr.write(`npm start failed${err && err.code ? ` [${err.code}]` : ''}: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  });
