/**
 * A stack for the CLI and README tests: a private Azurite, the real app in the embedded host, and
 * fixture models registered straight into the model registry (a bank-shaped ONNX model: the README's
 * example row scores against it) so that no training run is needed to have something to serve.
 * `cli()` runs bin/mlops.js as a user would, pointed at this stack by its environment only.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { exportOnnx } from '../../src/automl/onnx';
import { ModelRegistry } from '../../src/models/registry';
import { startTestAzurite } from '../support/azurite';
import { REPO_ROOT, startTestHost, TestHost } from '../support/host';
import { bankLikeBinaryPipeline } from '../support/pipelines';

export const BIN = path.join(REPO_ROOT, 'bin', 'mlops.js');
const HOST_ID = 'mlops-cli-test';

export interface Stack {
  host: TestHost;
  connectionString: string;
  /** What a shell pointed at this stack has: MLOPS_URL and the storage the stack uses; no key. */
  env: NodeJS.ProcessEnv;
  cli(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string }): Promise<CliResult>;
  /** Registers a bank-shaped model version (artifacts as a run writes them); returns its version. */
  registerFixture(name: string, seed: number): Promise<number>;
  stop(): Promise<void>;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function startStack(hostEnv: Record<string, string> = {}): Promise<Stack> {
  const az = await startTestAzurite();
  let host: TestHost;
  try {
    host = await startTestHost({
      appDir: '.',
      connectionString: az.connectionString,
      env: { AzureFunctionsWebHost__hostid: HOST_ID, DEPLOY_DRAIN_MS: '0', CHAMPION_CACHE_MS: '0', ...hostEnv },
    });
  } catch (err) {
    await az.stop();
    throw err;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, AzureWebJobsStorage: az.connectionString, AzureFunctionsWebHost__hostid: HOST_ID, MLOPS_URL: host.baseUrl };
  for (const k of ['MLOPS_KEY', 'MLOPS_SYSTEM_KEY', 'AZURE_STORAGE_CONNECTION_STRING', 'SCORING_DEFAULT_MODEL']) delete env[k];
  const registry = new ModelRegistry(az.connectionString);
  let fixtures = 0;
  return {
    host,
    connectionString: az.connectionString,
    env,
    cli: (args, opts = {}) =>
      new Promise((resolve) => {
        const e = { ...env };
        for (const [k, v] of Object.entries(opts.env ?? {})) {
          if (v === undefined) delete e[k];
          else e[k] = v;
        }
        execFile(
          process.execPath,
          [BIN, ...args],
          { env: e, cwd: opts.cwd ?? REPO_ROOT, timeout: opts.timeoutMs ?? 60000, maxBuffer: 8 << 20 },
          (error, stdout, stderr) => {
            const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 99) : 0;
            resolve({ code, out: stdout, err: stderr });
          },
        );
      }),
    registerFixture: async (name, seed) => {
      const pipeline = bankLikeBinaryPipeline({ trees: 10, seed });
      const m = await registry.register(
        name,
        {
          learner: 'gbdt',
          task: 'binary',
          primaryMetric: 'AUC_weighted',
          cvScore: 0.9,
          lineage: { dataset: name, datasetVersion: 1, datasetSha256: '0'.repeat(64), runId: `fixture-${name}-${++fixtures}` },
        },
        {
          'model.onnx': exportOnnx(pipeline),
          'pipeline.json': JSON.stringify(pipeline),
          'leaderboard.json': '[]',
          'metrics.json': '{}',
          'model-card.md': `# ${name} (fixture)\n`,
        },
      );
      return m.version;
    },
    stop: async () => {
      await host.stop();
      await az.stop();
    },
  };
}
