/**
 * `npm run reset` (scripts/reset.js) on a local folder of its own (MLOPS_LOCAL_DIR): it stops the
 * processes its pid files name only when their command line is still the stack's, refuses to delete
 * without confirmation when it cannot ask, and deletes the folder with --yes.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/host';

const RESET = path.join(REPO_ROOT, 'scripts', 'reset.js');
let dir: string;
const children: ChildProcess[] = [];

/** A long-lived process whose command line looks like the stack's host (the script is only an argument). */
function fakeProcess(marker: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const reset = (...args: string[]) =>
  spawnSync(process.execPath, [RESET, ...args], { encoding: 'utf8', env: { ...process.env, MLOPS_LOCAL_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-reset-'));
  fs.mkdirSync(path.join(dir, 'azurite'));
  fs.writeFileSync(path.join(dir, 'azurite', 'data'), 'x');
});

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('stops the recorded host, leaves a pid that is not the stack alone, and keeps the data with --keep-data', async () => {
  const host = fakeProcess(path.join(REPO_ROOT, 'dist', 'src', 'host', 'cli.js'));
  const other = fakeProcess('not-the-stack');
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync(path.join(dir, 'host.pid'), String(host.pid));
  fs.writeFileSync(path.join(dir, 'azurite.pid'), String(other.pid));
  const gone = new Promise((r) => host.once('exit', r));
  const r = reset('--keep-data');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`stopping the Functions host (pid ${host.pid})`);
  await gone;
  expect(alive(other.pid!)).toBe(true);
  expect(fs.existsSync(path.join(dir, 'host.pid'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'azurite.pid'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'azurite', 'data'))).toBe(true);
});

test('without a terminal it deletes nothing unless --yes (exit 2), then deletes the folder', () => {
  const refused = reset();
  expect(refused.status).toBe(2);
  expect(refused.stderr).toContain('not confirmed');
  expect(fs.existsSync(path.join(dir, 'azurite', 'data'))).toBe(true);
  const done = reset('--yes');
  expect(done.status).toBe(0);
  expect(fs.existsSync(dir)).toBe(false);
  expect(reset('--frobnicate').status).toBe(2);
  expect(reset('--help').status).toBe(0);
});
