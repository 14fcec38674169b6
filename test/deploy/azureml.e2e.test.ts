/**
 * Both Azure homes' providers end to end against the Azure ML emulator: AUTOML_PROVIDER=azureml and
 * DEPLOY_TARGET=azureml. A CSV dropped in `datasets` is trained by an Azure ML job, deployed at 0 %
 * traffic as a deployment of the lineage's managed online endpoint, benchmarked directly (pinned with
 * `azureml-model-deployment`) and through the proxy, and promoted by moving the endpoint's traffic; a
 * better v2 rolls out through a canary stage (a share of live traffic, compared with the champion) to
 * 100 % with a load generator on the scoring route counting 0 non-2xx; a v3's decision is carried out
 * (one champion, the other deployment retired, all traffic on the champion). Then the host is SIGKILLed
 * in the middle of a v4's rollout (at the canary's traffic split): after a restart the decision is
 * finished, and the endpoint is left with the champion's deployment only, all traffic on it.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { appApi } from '../support/appApi';
import { startTestAzurite } from '../support/azurite';
import { bankCsv, bankRow } from '../support/bank';
import { startTestHost, TestHost } from '../support/host';
import { EmulatorProcess, startEmulatorProcess } from '../emulators/azureml/process';

jest.setTimeout(900_000);

/** Slices of the sample; `shuffle` permutes their labels (seeded). */
const csv = (from: number, count: number, shuffle = false) => bankCsv(from, count, shuffle ? 99 : undefined);
const row = bankRow;
const TOKEN = 'e2e-emulator-token';

describe('pipeline end to end with AUTOML_PROVIDER=azureml and DEPLOY_TARGET=azureml (Azure ML emulator)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let emu: EmulatorProcess;
  let host: TestHost;
  let datasets: ContainerClient;
  let env: Record<string, string>;

  const { api, waitForRun } = appApi(() => host);
  const endpointTraffic = async () => {
    const list = await emu.request(
      'GET',
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/onlineEndpoints?api-version=2025-12-01`,
      undefined,
      TOKEN,
    );
    return (list.body.value as any[]).map((e) => ({ name: e.name, traffic: e.properties.traffic }));
  };

  beforeAll(async () => {
    az = await startTestAzurite();
    emu = await startEmulatorProcess(az.connectionString, ['--job-phase-ms', '200', '--lro-delay-ms', '100']);
    env = {
      ...emu.hostEnv,
      AUTOML_PROVIDER: 'azureml',
      DEPLOY_TARGET: 'azureml',
      AZUREML_EMULATOR_TOKEN: TOKEN,
      AZUREML_LRO_POLL_MS: '100',
      AZUREML_DRAIN_SECONDS: '1',
      // A short canary stage: 20 % of live traffic to the challenger for 5 s, probed and compared.
      AZUREML_CANARY_PERCENT: '20',
      AZUREML_CANARY_SECONDS: '5',
      // The canary's rule is unit-tested; here a loaded machine's latency noise must not decide (as for
      // BENCHMARK_MAX_P95_MS below), and a slow probe still gives a verdict.
      AZUREML_CANARY_LATENCY_SLACK_MS: '10000',
      AZUREML_CANARY_MIN_REQUESTS: '5',
      AUTOML_BUDGET_SECONDS: '5',
      AUTOML_POLL_SECONDS: '0.5',
      BENCHMARK_REQUESTS: '50',
      BENCHMARK_CONCURRENCY: '2',
      BENCHMARK_MAX_P95_MS: '10000',
      MLOPS_BLOB_SCAN_INTERVAL_MS: '500',
    };
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env });
    datasets = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    await datasets.createIfNotExists();
  });

  afterAll(async () => {
    await host?.stop();
    await emu?.stop();
    await az?.stop();
  });

  it('upload -> Azure ML job -> online deployment at 0 % -> benchmarked -> promoted by traffic -> served by the proxy', async () => {
    await datasets.getBlockBlobClient('bank.csv').upload(csv(0, 1500, true), Buffer.byteLength(csv(0, 1500, true)));
    const run = await waitForRun('train-bank-v1');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.decision).toMatchObject({ promoted: true });
    expect(run.benchmark.direct).toMatchObject({ errors: 0, non2xx: 0 });
    expect(run.benchmark.proxy).toMatchObject({ errors: 0, non2xx: 0 });
    expect(run.deployment.scoringUri).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/online\/.+\/score$/);
    const deps = (await api('/api/deployments')).body.deployments;
    expect(deps).toEqual([expect.objectContaining({ name: 'bank-v1', champion: true, status: 'running', target: 'azureml' })]);
    // One endpoint for the lineage, all its traffic on the one deployment.
    const traffic = await endpointTraffic();
    expect(traffic).toHaveLength(1);
    expect(Object.values(traffic[0].traffic)).toEqual([100]);
    const scored = await api('/api/models/bank/score', { method: 'POST', body: JSON.stringify({ data: [row(1), row(2)] }) });
    expect(scored.status).toBe(200);
    expect(scored.headers.get('x-model-version')).toBe('1');
    expect(scored.body.result).toHaveLength(2);
  });

  it('a better v2 rolls out by traffic with the scoring route under load (0 non-2xx); a v3 decision is carried out by traffic either way', async () => {
    let stop = false;
    const statuses: number[] = [];
    const versions = new Set<string>();
    const loop = async (i: number) => {
      while (!stop) {
        const r = await api('/api/models/bank/score', { method: 'POST', body: JSON.stringify({ data: [row(i)] }) });
        statuses.push(r.status);
        versions.add(r.headers.get('x-model-version') ?? '');
      }
    };
    const loads = [loop(3), loop(4)];
    try {
      await datasets.getBlockBlobClient('bank.csv').upload(csv(0, 1500), Buffer.byteLength(csv(0, 1500)));
      const run = await waitForRun('train-bank-v2');
      expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
      expect(run.decision).toMatchObject({ promoted: true, champion: { version: 1 }, canary: { passed: true } });
      expect(run.decision.reason).toMatch(/canary passed: 20% traffic for 5 s/);
      await new Promise((r) => setTimeout(r, 2000)); // through the old deployment's drain
    } finally {
      stop = true;
      await Promise.all(loads);
    }
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(versions).toContain('2');
    const traffic = await endpointTraffic();
    expect(traffic).toHaveLength(1);
    expect(Object.values(traffic[0].traffic)).toEqual([100]);

    await datasets.getBlockBlobClient('bank.csv').upload(csv(2000, 1500, true), Buffer.byteLength(csv(2000, 1500, true)));
    const worse = await waitForRun('train-bank-v3');
    expect({ status: worse.runtimeStatus, error: worse.error }).toEqual({ status: 'Completed', error: undefined });
    // Its labels are shuffled, and so are those of its own held-out rows, on which both models are
    // compared: the decision is a coin toss either way, so what is checked is that it was carried out
    // (the deciding rule itself is unit-tested; a rejected challenger's deletion, in azureml.test.ts).
    const deps = (await api('/api/deployments')).body.deployments;
    const winner = worse.decision.promoted ? 'bank-v3' : 'bank-v2';
    const loser = worse.decision.promoted ? 'bank-v2' : 'bank-v3';
    expect(deps.filter((d: any) => d.champion).map((d: any) => d.name)).toEqual([winner]);
    expect(deps.find((d: any) => d.name === loser).status).toBe('retired');
    const served = await api('/api/models/bank/score', { method: 'POST', body: JSON.stringify({ data: [row(5)] }) });
    expect(served.headers.get('x-model-version')).toBe(winner.slice(-1));
    const finalTraffic = (await endpointTraffic())[0].traffic;
    expect(Object.values(finalTraffic)).toEqual([100]);
  });

  it('a host SIGKILLed mid-rollout restarts and finishes the decision; no orphan deployment, all traffic on the champion', async () => {
    const endpointDeployments = async (endpoint: string) => {
      const r = await emu.request(
        'GET',
        `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/onlineEndpoints/${endpoint}/deployments?api-version=2025-12-01`,
        undefined,
        TOKEN,
      );
      return (r.body.value as any[]).map((d) => d.name as string).sort();
    };
    // A tolerance that every challenger passes: v4 goes through the canary stage, in which it is killed.
    env = { ...env, PROMOTION_TOLERANCE: '1' };
    await host.stop();
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env });
    const text = csv(500, 1500);
    await datasets.getBlockBlobClient('bank.csv').upload(text, Buffer.byteLength(text));
    // Kill once the run decides, at the canary's traffic split (20 % on the challenger).
    let split = false;
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`run train-bank-v4 never reached its decision\n${host.logs().split('\n').slice(-40).join('\n')}`);
      const r = await api('/api/runs/train-bank-v4').catch(() => ({ status: 0, body: undefined as any }));
      const phase = r.status === 200 ? (r.body.customStatus?.phase ?? r.body.phase) : undefined;
      if (phase === 'completed' || phase === 'failed') throw new Error(`run ended before the kill: ${JSON.stringify(r.body)}`);
      if (phase === 'decide') {
        const until = Date.now() + 4000;
        while (!split && Date.now() < until) {
          split = (await endpointTraffic()).some((e) => Object.values(e.traffic as Record<string, number>).some((w) => w > 0 && w < 100));
          if (!split) await new Promise((res) => setTimeout(res, 100));
        }
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    await host.kill('SIGKILL');
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env });
    const run = await waitForRun('train-bank-v4');
    expect(split).toBe(true);
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    // Decided again after the restart (nothing was recorded before the kill): the canary ran to its end.
    expect(run.decision).toMatchObject({ promoted: true, challenger: { version: 4 }, canary: { passed: true } });
    const deps = (await api('/api/deployments')).body.deployments;
    const champions = deps.filter((d: any) => d.champion);
    expect(champions).toHaveLength(1);
    const champion = champions[0].name;
    expect(champion).toBe('bank-v4');
    // Every other deployment of the lineage is retired, and the endpoint keeps only the champion's
    // (the replaced one is deleted after its drain).
    expect(deps.filter((d: any) => d.name !== champion && d.status !== 'retired')).toEqual([]);
    const [endpoint] = await endpointTraffic();
    const waitUntil = Date.now() + 30_000;
    let left = await endpointDeployments(endpoint.name);
    while (left.length > 1 && Date.now() < waitUntil) {
      await new Promise((res) => setTimeout(res, 500));
      left = await endpointDeployments(endpoint.name);
    }
    expect(left).toHaveLength(1);
    const traffic = (await endpointTraffic())[0].traffic as Record<string, number>;
    expect(Object.values(traffic)).toEqual([100]);
    expect(Object.keys(traffic)).toEqual(left);
    const served = await api('/api/models/bank/score', { method: 'POST', body: JSON.stringify({ data: [row(6)] }) });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-model-version')).toBe(champion.slice(champion.lastIndexOf('-v') + 2));
  });
});
