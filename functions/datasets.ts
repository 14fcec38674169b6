/**
 * The dataset drop zone: a blob trigger on `{DATASETS_CONTAINER}/{name}` registers each upload, and three
 * function-key routes read the registry. Registrations only: the work is in src/datasets.
 *
 * Settings read here (the rest in src/datasets/settings.ts):
 * - DATASETS_STORAGE_CONNECTION: name of the app setting holding the drop zone's storage connection
 *   (default AzureWebJobsStorage).
 * - DATASETS_BLOB_SOURCE: `EventGrid` (Flex Consumption: Event Grid posts BlobCreated to the blobs
 *   webhook) or `LogsAndContainerScan` (default; container scanning).
 */
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getDataset, getDatasetVersion, listDatasets, ApiResult } from '../src/datasets/api';
import { registerDataset, RegistrationResult, SourceChangedError } from '../src/datasets/register';
import { DatasetRegistry } from '../src/datasets/registry';
import { DatasetSettings, readDatasetSettings } from '../src/datasets/settings';
import { DatasetSettingsError } from '../src/datasets/errors';
import { DatasetStorage, storageFromEnv } from '../src/datasets/storage';
import { eventPublisherFromEnv } from '../src/events/eventgrid';
import * as df from 'durable-functions';
import { startRun } from '../src/pipeline/start';
import { telemetry } from '../src/telemetry';

/** TRAIN_ON_UPLOAD=false registers datasets without starting training (runs can start via POST /api/runs). */
const trainOnUpload = () => !/^(false|0|no|off)$/i.test(process.env.TRAIN_ON_UPLOAD?.trim() ?? '');

const connectionSetting = process.env.DATASETS_STORAGE_CONNECTION?.trim() || 'AzureWebJobsStorage';
const blobSource = (process.env.DATASETS_BLOB_SOURCE ?? '').trim().toLowerCase() === 'eventgrid' ? 'EventGrid' : 'LogsAndContainerScan';
// The trigger path is fixed when the app loads; every other setting is read (and validated) on use, so
// a bad value fails the dataset functions with its message instead of stopping the whole app.
const datasetsContainer = process.env.DATASETS_CONTAINER?.trim() || 'datasets';
let cached: DatasetSettings | undefined;
const settings = (): DatasetSettings => (cached ??= { ...readDatasetSettings(), datasetsContainer });

let storageCache: DatasetStorage | undefined;
/** A connection string, or an identity-based connection ({setting}__accountName ...) as infra deploys. */
const storage = (): DatasetStorage => (storageCache ??= storageFromEnv(process.env, connectionSetting));

export async function registerDatasetBlob(_blob: unknown, context: InvocationContext): Promise<void> {
  // The trigger's bytes are ignored: registration streams the blob itself (bounded memory, one read).
  const md = context.triggerMetadata ?? {};
  const blobName = typeof md.name === 'string' ? md.name : String(md.blobTrigger ?? md.BlobTrigger ?? '').replace(/^[^/]+\//, '');
  let result: RegistrationResult;
  try {
    result = await registerDataset(
      { blobName },
      {
        storage: storage(),
        settings: settings(),
        events: eventPublisherFromEnv(),
        log: (level, message) => (level === 'warn' ? context.warn(message) : context.log(message)),
      },
    );
  } catch (err) {
    if (err instanceof SourceChangedError) {
      context.log(`registerDataset ${blobName}: skipped: ${err.message}`);
      return;
    }
    throw err; // infrastructure failure: the host retries, then poisons
  }
  // Start training for a newly registered version, or for one whose start was lost (the trigger is
  // at-least-once: a crash after registration comes back as a duplicate with no run yet). The run id is
  // deterministic (train-{name}-v{n}), so a second trigger never starts a second run.
  const v = result.dataset;
  if (result.outcome !== 'duplicate') {
    telemetry().event(result.outcome === 'registered' ? 'DatasetRegistered' : 'DatasetRejected', {
      dataset: v.name,
      version: v.version,
      reason: v.reason?.code,
    }, { rows: v.rows ?? 0, columns: v.columns ?? 0, bytes: v.bytes });
  }
  if (v.status === 'registered' && !v.runId && trainOnUpload()) {
    const { runId, started } = await startRun(df.getClient(context), { dataset: v.name, datasetVersion: v.version, trigger: 'blob' });
    await registry().setRunId(v.name, v.version, runId);
    context.log(`registerDataset ${v.name} v${v.version}: training run ${runId} ${started ? 'started' : 'exists already'}`);
  }
  context.log(`registerDataset ${blobName}: ${result.outcome} ${result.dataset.name} v${result.dataset.version} (${JSON.stringify(result.timings)})`);
  // The event could not be published: fail this attempt so the trigger retries (the retry is a duplicate
  // that publishes the same event id; registration and training are not repeated).
  if (result.eventError) throw result.eventError;
}

app.storageBlob('registerDataset', {
  path: `${datasetsContainer}/{name}`,
  extraInputs: [df.input.durableClient()],
  connection: connectionSetting,
  source: blobSource,
  handler: registerDatasetBlob,
});

function registry(): DatasetRegistry {
  const s = settings();
  return new DatasetRegistry(storage(), { table: s.table, registryContainer: s.registryContainer });
}

function respond(r: ApiResult): HttpResponseInit {
  return { status: r.status, jsonBody: r.body, headers: { 'cache-control': 'no-store' } };
}

/** A misconfigured deployment answers 503 with the setting at fault, not a 500. */
async function api(fn: (r: DatasetRegistry) => Promise<ApiResult>, context: InvocationContext): Promise<HttpResponseInit> {
  let reg: DatasetRegistry;
  try {
    reg = registry();
  } catch (err) {
    const code = err instanceof DatasetSettingsError ? err.code : 'DATASETS_NOT_CONFIGURED';
    context.error(`datasets API: ${(err as Error).message}`);
    return respond({ status: 503, body: { error: { code, message: (err as Error).message } } });
  }
  return respond(await fn(reg));
}

app.http('listDatasets', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets',
  handler: (_req: HttpRequest, context: InvocationContext) => api((r) => listDatasets(r), context),
});

app.http('getDataset', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets/{name}',
  handler: (req: HttpRequest, context: InvocationContext) => api((r) => getDataset(r, req.params.name ?? ''), context),
});

app.http('getDatasetVersion', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets/{name}/versions/{version}',
  handler: (req: HttpRequest, context: InvocationContext) =>
    api((r) => getDatasetVersion(r, req.params.name ?? '', req.params.version ?? ''), context),
});
