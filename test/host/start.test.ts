import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/host/azurite';
import { REPO_ROOT } from '../support/host';

/** `npm start` (scripts/start.js) on the http-app fixture, whose local.settings.json says UseDevelopmentStorage=true. */
describe('npm start: Azurite + host, pid files, recovery after kill -9', () => {
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-start-'));
  let ports: { blob: number; queue: number; table: number; host: number };
  const starters: ChildProcess[] = [];

  beforeAll(async () => {
    ports = { blob: await freePort(), queue: await freePort(), table: await freePort(), host: await freePort() };
  });
  afterAll(async () => {
    for (const s of starters) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    // Children orphaned on purpose by the kill -9 tests: stop them by their recorded pids.
    for (const f of ['host.pid', 'azurite.pid']) {
      const pid = Number(fs.existsSync(path.join(localDir, f)) ? fs.readFileSync(path.join(localDir, f), 'utf8') : NaN);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    fs.rmSync(localDir, { recursive: true, force: true });
  });

  function start(): { proc: ChildProcess; out: () => string; ready: Promise<void>; exited: Promise<number | null> } {
    const proc = spawn(process.execPath, ['scripts/start.js', '--no-build', '--app', 'test/fixtures/host/http-app', '--port', String(ports.host)], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MLOPS_LOCAL_DIR: localDir,
        AZURITE_BLOB_PORT: String(ports.blob),
        AZURITE_QUEUE_PORT: String(ports.queue),
        AZURITE_TABLE_PORT: String(ports.table),
        AzureWebJobsStorage: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    starters.push(proc);
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (/\nReady: http:\/\/127\.0\.0\.1:\d+/.test(out)) {
          clearInterval(t);
          resolve();
        } else if (proc.exitCode !== null) {
          clearInterval(t);
          reject(new Error(`npm start exited early:\n${out}`));
        }
      }, 100);
    });
    return { proc, out: () => out, ready, exited };
  }

  const pidOf = (f: string) => Number(fs.readFileSync(path.join(localDir, f), 'utf8'));
  /** Alive and not a zombie (an orphan killed here may wait for a reaper that never comes in a container). */
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return true; // no /proc (macOS): trust kill(0)
    }
  };
  const answer = async () => (await fetch(`http://127.0.0.1:${ports.host}/api/items/5`)).status;
  const waitDead = async (pid: number) => {
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    return !alive(pid);
  };

  test('starts Azurite and the host, prints keys and URLs, writes pid files', async () => {
    const s = start();
    await s.ready;
    expect(await answer()).toBe(200);
    expect(s.out()).toMatch(/Starting Azurite/);
    expect(s.out()).toMatch(/Host function key \(default\): \S+/);
    expect(s.out()).not.toMatch(/Master key/);
    expect(alive(pidOf('host.pid'))).toBe(true);
    expect(alive(pidOf('azurite.pid'))).toBe(true);
    // kill -9 of npm start itself: its children are orphaned and keep the ports.
    s.proc.kill('SIGKILL');
    await s.exited;
  });

  test('after kill -9 of npm start: the stale host is stopped, the running Azurite reused', async () => {
    const oldHost = pidOf('host.pid');
    const oldAzurite = pidOf('azurite.pid');
    const s = start();
    await s.ready;
    expect(s.out()).toMatch(new RegExp(`Stopping a stale Functions host left by a previous run \\(pid ${oldHost}\\)`));
    expect(s.out()).toMatch(/Reusing the Azurite already running/);
    expect(alive(oldHost)).toBe(false);
    expect(pidOf('azurite.pid')).toBe(oldAzurite);
    expect(await answer()).toBe(200);
    // kill -9 of the host: npm start notices, stops Azurite and exits non-zero.
    process.kill(pidOf('host.pid'), 'SIGKILL');
    expect(await s.exited).not.toBe(0);
    expect(await waitDead(oldAzurite)).toBe(true);
    expect(fs.existsSync(path.join(localDir, 'azurite.pid'))).toBe(false);
  });

  test('after kill -9 of the host, npm start works again; Ctrl-C stops every child and removes the pid files', async () => {
    const s = start();
    await s.ready;
    expect(await answer()).toBe(200);
    const hostPid = pidOf('host.pid');
    const azPid = pidOf('azurite.pid');
    s.proc.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(await waitDead(hostPid)).toBe(true);
    expect(await waitDead(azPid)).toBe(true);
    expect(fs.existsSync(path.join(localDir, 'host.pid'))).toBe(false);
    expect(fs.existsSync(path.join(localDir, 'azurite.pid'))).toBe(false);
  });
});
