// Startup through the composition root: a bad setting stops the app naming the setting (the real app
// in the embedded host); with identity-based storage settings (as infra/ deploys, no connection
// string) the host-start work still runs: deployments restored, orphaned AutoML workers stopped.
import { AppRoot } from '../../src/app/root';
import { loadConfig } from '../../src/app/config';
import { startTestAzurite } from '../support/azurite';
import { startTestHost } from '../support/host';

jest.setTimeout(180000);

test('a bad setting fails the app at startup with the setting name and what it accepts; no function is served', async () => {
  const az = await startTestAzurite();
  const host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env: { AUTOML_BUDGET_SECONDS: 'lots' } });
  try {
    expect(host.logs()).toMatch(/INVALID_SETTING|setting AUTOML_BUDGET_SECONDS="lots" is invalid: it accepts a number >= 1/);
    expect(host.logs()).toContain('AUTOML_BUDGET_SECONDS');
    expect(host.functions).toEqual([]);
    expect((await fetch(`${host.baseUrl}/api/health`)).status).toBe(404);
  } finally {
    await host.stop();
    await az.stop();
  }
});

test('identity-based storage settings: host start restores deployments and sweeps orphaned workers', async () => {
  const config = loadConfig({ AzureWebJobsStorage__accountName: 'mlopsacct', AzureWebJobsStorage__credential: 'managedidentity' });
  const calls: string[] = [];
  const automl = {
    name: 'fake',
    submit: async () => ({ jobId: 'j' }),
    status: async () => ({ state: 'running' as const, trials: 0, elapsedSeconds: 0 }),
    result: async () => {
      throw new Error('unused');
    },
    cancel: async () => undefined,
    stopAll: async () => void calls.push('stopAll'),
    sweepOrphans: async () => (calls.push('sweepOrphans'), [4242]),
  };
  const target = { restore: async () => (calls.push('restore'), []), close: async () => void calls.push('close') };
  const root = new AppRoot(config, { automl, target: target as never });
  expect(root.appConnection).toBe('identity:AzureWebJobsStorage');
  await root.start();
  expect(calls).toEqual(['sweepOrphans', 'restore']);
  await root.stop();
  expect(calls).toEqual(['sweepOrphans', 'restore', 'stopAll', 'close']);
});
