// A local AutoML worker lost with its host: at the next host start the provider knows at once that the
// recorded worker is gone (no wait for its heartbeat to go stale), and a worker orphaned by the crash
// (re-parented, still running) is stopped by the start's sweep rather than left to run on.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalAutoMLProvider } from '../../src/training/local';
import { startTestAzurite } from '../support/azurite';

jest.setTimeout(120000);

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let dir: string;

beforeAll(async () => {
  az = await startTestAzurite();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-lost-'));
});
afterAll(async () => {
  await az?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

test('a running job whose recorded worker no longer exists on this machine is lost at once (WORKER_LOST, retryable)', async () => {
  const registry = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
  await registry.createIfNotExists();
  const gone = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => gone.once('exit', r));
  const now = new Date().toISOString();
  const state = { jobId: 'run-lost.a0', state: 'running', trials: 3, elapsedSeconds: 5, pid: gone.pid, host: os.hostname(), submittedAt: now, heartbeat: now };
  await registry.getBlockBlobClient('runs/run-lost/automl/run-lost.a0/status.json').upload(JSON.stringify(state), JSON.stringify(state).length);
  // A fresh heartbeat: the old rule (heartbeat older than AUTOML_WORKER_STALE_SECONDS) would say "running" for two minutes.
  const provider = new LocalAutoMLProvider(az.connectionString, { staleSeconds: 120, env: {} });
  const st = await provider.status('run-lost.a0');
  expect(st).toMatchObject({ state: 'failed', retryable: true, error: { code: 'WORKER_LOST' } });
  // On another machine the pid means nothing: the heartbeat rule decides there.
  const elsewhere = { ...state, host: 'another-instance' };
  await registry.getBlockBlobClient('runs/run-lost/automl/run-lost.a0/status.json').upload(JSON.stringify(elsewhere), JSON.stringify(elsewhere).length);
  expect((await provider.status('run-lost.a0')).state).toBe('running');
});

test('the host-start sweep stops a worker orphaned by a crashed host (its owner only), and reports it', async () => {
  if (process.platform !== 'linux') return; // the sweep reads /proc
  const script = path.join(dir, 'training', 'worker.js');
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const owner = createHash('sha256').update(`${az.connectionString}|registry`).digest('hex').slice(0, 32);
  // The shell starts the worker in the background and exits: the worker is re-parented, as after a host crash.
  const start = (o: string) =>
    Number(execFileSync('sh', ['-c', `MLOPS_JOB_OWNER=${o} "${process.execPath}" "${script}" >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim());
  const orphan = start(owner);
  const foreign = start('another-app');
  try {
    for (let i = 0; i < 50 && !alive(orphan); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(orphan)).toBe(true);
    const provider = new LocalAutoMLProvider(az.connectionString, { env: {} });
    expect(await provider.sweepOrphans()).toEqual([orphan]);
    expect(alive(orphan)).toBe(false);
    expect(alive(foreign)).toBe(true); // another app's worker is not ours to stop
  } finally {
    for (const pid of [orphan, foreign]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});
