#!/usr/bin/env node
'use strict';
// `npm run reset [-- --yes] [--keep-data]`: stops the local stack that `npm start` or `npm run demo`
// left running (by the pid files in the local folder, each process checked by its command line
// before it is signalled), then removes the local state: Azurite's data (datasets, models, runs,
// keys), logs and pid files. Asks first unless --yes. Never touches a storage account in Azure, nor
// local.settings.json. Exit codes: 0 done, 1 a process would not stop, 2 usage or not confirmed.
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const root = path.resolve(__dirname, '..');
const USAGE =
  'usage: npm run reset -- [--yes] [--keep-data]\n' +
  '  stops the local stack (its pid files in .local/), then deletes .local/ (Azurite data, logs) after a confirmation\n' +
  '  --yes        do not ask\n' +
  '  --keep-data  only stop the processes\n';

function localDir() {
  let values = {};
  try {
    values = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.json'), 'utf8')).Values || {};
  } catch {
    // no local settings: defaults
  }
  return path.resolve(root, process.env.MLOPS_LOCAL_DIR || values.MLOPS_LOCAL_DIR || '.local');
}

function commandLine(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === 'ESRCH') return undefined;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return (
        require('node:child_process')
          .execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' })
          .trim() || undefined
      );
    } catch {
      return undefined;
    }
  }
}

function readPid(file) {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!commandLine(pid)) return true;
    await sleep(100);
  }
  return !commandLine(pid);
}

/** Stops the process of a pid file if its command line is still ours; returns false if it would not stop. */
async function stop(pidFile, mustContain, label) {
  const pid = readPid(pidFile);
  if (pid === undefined) return true;
  const cmd = commandLine(pid);
  if (!cmd || !mustContain.every((s) => cmd.includes(s))) {
    // Dead, or the pid now belongs to another program: only the stale file goes.
    fs.rmSync(pidFile, { force: true });
    return true;
  }
  process.stdout.write(`stopping the ${label} (pid ${pid})...\n`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  if (!(await waitGone(pid, 20000))) {
    process.stdout.write(`the ${label} did not stop within 20 s: SIGKILL\n`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (!(await waitGone(pid, 5000))) return false;
  }
  fs.rmSync(pidFile, { force: true });
  return true;
}

async function confirm(question) {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise((r) => rl.question(question, r));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function main(argv) {
  const known = new Set(['--yes', '-y', '--keep-data', '--help', '-h']);
  const bad = argv.find((a) => !known.has(a));
  if (bad) {
    process.stderr.write(`reset: unknown argument "${bad}"\n${USAGE}`);
    return 2;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dir = localDir();
  // The host first: its own shutdown stops the endpoint processes and AutoML workers, and `npm start`
  // (its parent) then stops its Azurite; Azurite's pid file covers a stack whose parent was killed.
  const hostOk = await stop(path.join(dir, 'host.pid'), [path.join('dist', 'src', 'host', 'cli.js')], 'Functions host');
  const azuriteOk = await stop(path.join(dir, 'azurite.pid'), ['azurite', path.join(dir, 'azurite')], 'Azurite');
  if (!hostOk || !azuriteOk) {
    process.stderr.write('reset: a process would not stop; nothing was deleted\n');
    return 1;
  }
  if (argv.includes('--keep-data')) {
    process.stdout.write('the local stack is stopped; its data is kept\n');
    return 0;
  }
  if (!fs.existsSync(dir)) {
    process.stdout.write(`nothing to remove (${path.relative(root, dir) || dir} does not exist)\n`);
    return 0;
  }
  const rel = path.relative(root, dir) || dir;
  if (dir === path.parse(dir).root || dir === root || dir === require('node:os').homedir()) {
    process.stderr.write(`reset: refusing to delete ${dir} (MLOPS_LOCAL_DIR must name a folder of its own)\n`);
    return 2;
  }
  const yes =
    argv.includes('--yes') ||
    argv.includes('-y') ||
    (await confirm(`Delete ${rel}/ (Azurite data: every dataset, model, run and key of the local stack; logs)? [y/N] `));
  if (!yes) {
    process.stderr.write(`reset: not confirmed; nothing deleted (npm run reset -- --yes deletes without asking)\n`);
    return 2;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`removed ${rel}/; npm start begins from scratch (new keys)\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`reset: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  },
);
