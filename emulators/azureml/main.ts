/**
 * The Azure ML emulator as its own process:
 *
 *   node dist/emulators/azureml/main.js --port 0 --storage "<connection string>" [--state-dir DIR]
 *     [--container azureml] [--lro-delay-ms 200] [--retry-after 1] [--subscription S]
 *     [--resource-group RG] [--workspace W] [--region R] [--job-phase-ms 300] [--trainer-workers 1]
 *     [--computes cpu-cluster,gpu-cluster] [--job-outputs engine|azure]
 *
 * Prints one JSON line when listening: {url, port, caFile, subscriptionId, resourceGroup, workspace,
 * hostEnv}; hostEnv holds the app settings that point a host at this emulator (AUTOML_PROVIDER=azureml, ...).
 * Stops on SIGTERM/SIGINT. The storage connection string may also come from AZUREML_EMULATOR_STORAGE.
 */
import { hostEnvFor } from './hostEnv';
import { startAzureMLEmulator } from './index';

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    out[m[1]] = m[2] ?? argv[++i] ?? '';
  }
  return out;
}

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

function jobOutputs(v: string | undefined): 'engine' | 'azure' {
  if (v === undefined || v === 'engine' || v === 'azure') return v ?? 'engine';
  throw new Error(`--job-outputs is engine or azure, got ${v}`);
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const conn = a.storage ?? process.env.AZUREML_EMULATOR_STORAGE;
  if (!conn) throw new Error('--storage <connection string> (or AZUREML_EMULATOR_STORAGE) is required: the default datastore lives there');
  const emu = await startAzureMLEmulator({
    storage: { connectionString: conn, container: a.container ?? 'azureml-blobstore', artifactsContainer: a['artifacts-container'] ?? 'azureml' },
    port: int(a.port, 'port', 0),
    host: a.host ?? '127.0.0.1',
    stateDir: a['state-dir'],
    lroDelayMs: int(a['lro-delay-ms'], 'lro-delay-ms', 200),
    retryAfterSeconds: int(a['retry-after'], 'retry-after', 1),
    ...(a.subscription ? { subscriptionId: a.subscription } : {}),
    ...(a['resource-group'] ? { resourceGroup: a['resource-group'] } : {}),
    ...(a.workspace ? { workspace: a.workspace } : {}),
    ...(a.region ? { region: a.region } : {}),
    plugins: {
      jobs: {
        phaseMs: int(a['job-phase-ms'], 'job-phase-ms', 300),
        workers: int(a['trainer-workers'], 'trainer-workers', 1),
        outputs: jobOutputs(a['job-outputs']),
      },
      ...(a.computes
        ? {
            computes: {
              clusters: a.computes
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            },
          }
        : {}),
    },
  });
  const s = emu.settings;
  const info = { url: emu.url, port: emu.port, caFile: emu.caFile, subscriptionId: s.subscriptionId, resourceGroup: s.resourceGroup, workspace: s.workspace };
  console.log(JSON.stringify({ ...info, hostEnv: hostEnvFor({ ...info, storageConnectionString: conn }) }));
  const stop = () => void emu.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(`azureml-emulator: ${(err as Error).message}`);
  process.exit(1);
});
