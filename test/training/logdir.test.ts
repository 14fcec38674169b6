// MLOPS_LOG_DIR: a worker's stdout and stderr share one log file descriptor, closed once after the
// spawn (closing it twice threw EBADF and failed every submit once).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalAutoMLProvider } from '../../src/training/local';
import { startTestAzurite } from '../support/azurite';

jest.setTimeout(120000);

test('submit with a log folder starts the worker (no EBADF) with its output in the log file', async () => {
  const az = await startTestAzurite();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-logs-'));
  const provider = new LocalAutoMLProvider(az.connectionString, { logDir, env: { PATH: process.env.PATH } });
  try {
    const registry = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    await registry.createIfNotExists();
    const { jobId } = await provider.submit({
      runId: 'run-logs',
      attempt: 0,
      trainBlob: 'runs/run-logs/train.csv',
      target: 'y',
      options: { budgetSeconds: 1 },
    });
    expect(jobId).toBe('run-logs.a0');
    // The log file was opened for the worker (stdout and stderr share its one descriptor).
    expect(fs.existsSync(path.join(logDir, `${jobId}.log`))).toBe(true);
  } finally {
    await provider.stopAll();
    await az.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
  }
});
