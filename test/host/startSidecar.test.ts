// `npm start -- --azureml-emulator`: the local Azure ML emulator starts beside Azurite and the host (a
// sidecar of npm start), its settings reach the host, and Ctrl-C stops it with the rest.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/host/azurite';
import { REPO_ROOT } from '../support/host';

jest.setTimeout(180000);

test('npm start --azureml-emulator runs the emulator as a sidecar and stops it on Ctrl-C', async () => {
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-sidecar-'));
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort(), host: await freePort() };
  const proc = spawn(
    process.execPath,
    ['scripts/start.js', '--no-build', '--app', 'test/fixtures/host/http-app', '--port', String(ports.host), '--azureml-emulator'],
    {
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
    },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  try {
    for (let i = 0; i < 1200 && !/\nReady: http:\/\/127\.0\.0\.1:\d+/.test(out); i++) {
      if (proc.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const m = /Sidecar azureml: (https:\/\/127\.0\.0\.1:\d+)\S* \(pid (\d+)\)/.exec(out);
    expect(m).not.toBeNull();
    const pid = Number(m![2]);
    expect(Number(fs.readFileSync(path.join(localDir, 'sidecar-azureml.pid'), 'utf8'))).toBe(pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect((await fetch(`http://127.0.0.1:${ports.host}/api/items/5`)).status).toBe(200);
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(() => process.kill(pid, 0)).toThrow();
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    for (const f of ['host.pid', 'azurite.pid', 'sidecar-azureml.pid']) {
      const p = path.join(localDir, f);
      const pid = fs.existsSync(p) ? Number(fs.readFileSync(p, 'utf8')) : NaN;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    fs.rmSync(localDir, { recursive: true, force: true });
  }
});
