import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startTestAzurite } from '../support/azurite';
import { EmulatorProcess, startEmulatorProcess } from '../emulators/azureml/process';

const SCRIPT = path.resolve(__dirname, '../../scripts/azureml-smoke.js');

function run(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** The real-workspace smoke command, run here against the emulator process (the same flow and settings). */
describe('scripts/azureml-smoke.js', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let emu: EmulatorProcess;
  beforeAll(async () => {
    az = await startTestAzurite();
    emu = await startEmulatorProcess(az.connectionString, ['--job-phase-ms', '100']);
  });
  afterAll(async () => {
    await emu?.stop();
    await az?.stop();
  });

  it('skips without workspace settings', async () => {
    const { AZUREML_SUBSCRIPTION_ID: _s, ...env } = process.env;
    const r = await run(env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('skipped');
  });

  const workspaceEnv = () => ({
    ...process.env,
    AzureWebJobsStorage: az.connectionString,
    AZUREML_SUBSCRIPTION_ID: emu.subscriptionId,
    AZUREML_RESOURCE_GROUP: emu.resourceGroup,
    AZUREML_WORKSPACE: emu.workspace,
    AZUREML_COMPUTE: 'cpu-cluster',
    AZUREML_ARM_ENDPOINT: emu.url,
    AZUREML_EMULATOR_TOKEN: 'smoke-token',
    AZUREML_DATASTORE_AUTH: 'key',
    AZUREML_DATASTORE_BLOB_ENDPOINT: /BlobEndpoint=([^;]+)/.exec(az.connectionString)![1],
    NODE_EXTRA_CA_CERTS: emu.caFile,
  });

  it("reports how a model from Azure's own AutoML was adapted to the endpoint contract", async () => {
    expect((await emu.request('POST', '/_emulator/jobs/outcomes', { job: 'smoke-native', outputs: 'azure' })).status).toBe(201);
    const r = await run(workspaceEnv(), ['--budget', '4', '--poll', '0.5', '--timeout', '120', '--run-id', 'smoke-native']);
    expect(r.out).toContain('azureml-smoke: OK');
    expect(r.out).toMatch(/ONNX adapted to the endpoint contract:\n {2}.*ZipMap dropped/);
    expect(r.code).toBe(0);
  }, 180_000);

  it('runs upload -> job -> progress -> model against a workspace (here the emulator)', async () => {
    const r = await run(
      {
        ...process.env,
        AzureWebJobsStorage: az.connectionString,
        AZUREML_SUBSCRIPTION_ID: emu.subscriptionId,
        AZUREML_RESOURCE_GROUP: emu.resourceGroup,
        AZUREML_WORKSPACE: emu.workspace,
        AZUREML_COMPUTE: 'cpu-cluster',
        AZUREML_ARM_ENDPOINT: emu.url,
        AZUREML_EMULATOR_TOKEN: 'smoke-token',
        AZUREML_DATASTORE_AUTH: 'key',
        AZUREML_DATASTORE_BLOB_ENDPOINT: /BlobEndpoint=([^;]+)/.exec(az.connectionString)![1],
        NODE_EXTRA_CA_CERTS: emu.caFile,
      },
      ['--budget', '4', '--poll', '0.5', '--timeout', '120', '--run-id', 'smoke-test'],
    );
    expect(r.out).toContain('azureml-smoke: OK');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/running trials=\d+/);
  }, 180_000);
});
