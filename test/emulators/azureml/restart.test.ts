import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../../src/host/azurite';
import { createAzureMLAutoMLProvider, readAzureMLSettings } from '../../../src/training/azureml';
import { containerClient } from '../../../src/storage/clients';
import { startTestAzurite } from '../../support/azurite';
import { syntheticCsv } from '../../training/azureml.support';
import { EmulatorProcess, startEmulatorProcess } from './process';

/** The emulator's state store on disk: a SIGKILLed emulator restarted on its folder serves the same workspace and job. */
describe('Azure ML emulator restart', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let emu: EmulatorProcess;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emu-restart-'));
  beforeAll(async () => {
    az = await startTestAzurite();
  });
  afterAll(async () => {
    await emu?.stop();
    await az?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps jobs, assets and the certificate across a SIGKILL; a job killed mid-training finishes after the restart', async () => {
    const port = String(await freePort());
    const args = ['--port', port, '--job-phase-ms', '100'];
    emu = await startEmulatorProcess(az.connectionString, args, { stateDir, keepState: true });
    const cert = fs.readFileSync(emu.caFile, 'utf8');
    const registry = containerClient(az.connectionString, 'registry');
    await registry.createIfNotExists();
    const csv = syntheticCsv(200);
    await registry.getBlockBlobClient('runs/r/train.csv').upload(csv, Buffer.byteLength(csv));
    const provider = createAzureMLAutoMLProvider(readAzureMLSettings({ ...emu.hostEnv, AZUREML_EMULATOR_TOKEN: 't' }), {
      registry,
      ca: cert,
    });
    await emu.request('POST', '/_emulator/jobs/outcomes', { job: 'mlops-r-', holdRunningMs: 3000 });
    const { jobId } = await provider.submit({
      runId: 'r',
      attempt: 0,
      trainBlob: 'runs/r/train.csv',
      target: 'y',
      options: { budgetSeconds: 4, maxTrials: 3 },
    });
    for (let i = 0; i < 100 && (await provider.status(jobId)).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    await emu.kill();

    emu = await startEmulatorProcess(az.connectionString, args, { stateDir, keepState: true });
    expect(fs.readFileSync(emu.caFile, 'utf8')).toBe(cert);
    let st = await provider.status(jobId);
    for (let i = 0; i < 200 && (st.state === 'running' || st.state === 'queued'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      st = await provider.status(jobId);
    }
    expect([st.state, st.error]).toEqual(['completed', undefined]);
    expect(st.trials).toBeGreaterThan(0);
    // Still one job, and resubmitting finds it.
    expect((await provider.submit({ runId: 'r', attempt: 0, trainBlob: 'runs/r/train.csv', target: 'y', options: {} })).jobId).toBe(jobId);
    const list = await emu.request(
      'GET',
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/jobs?api-version=2025-12-01`,
      undefined,
      't',
    );
    expect(list.body.value.map((j: { name: string }) => j.name)).toEqual([jobId]);
  }, 120_000);
});
