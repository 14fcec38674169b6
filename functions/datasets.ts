/**
 * The dataset drop zone: a blob trigger on `{DATASETS_CONTAINER}/{name}` registers each upload, and three
 * function-key routes read the registry. Registrations only: the work is in src/datasets, the
 * dependencies come from the composition root (settings: DATASETS_* in the README's settings reference).
 */
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appRoot } from '../src/app';
import { registerBlobReferenceFactory } from '../src/app/blobReference';
import { getDataset, getDatasetVersion, listDatasets, ApiResult } from '../src/datasets/api';
import { registerDataset, RegistrationResult, SourceChangedError } from '../src/datasets/register';
import type { DatasetRegistry } from '../src/datasets/registry';
import { startRun } from '../src/pipeline/start';

// Read (and validated) when the app loads: a bad setting fails startup with its name.
const root = appRoot();
const cfg = root.config;
// The trigger hands over the blob's reference, not its bytes: registration streams the blob itself,
// so the host's memory does not grow with the file (as in Azure with SDK-type blob bindings).
registerBlobReferenceFactory();

export async function registerDatasetBlob(_blob: unknown, context: InvocationContext): Promise<void> {
  // The trigger argument is only the blob's reference: registration streams the blob itself (bounded memory, one read).
  const md = context.triggerMetadata ?? {};
  const blobName = typeof md.name === 'string' ? md.name : String(md.blobTrigger ?? md.BlobTrigger ?? '').replace(/^[^/]+\//, '');
  const props = (md.properties ?? md.Properties ?? {}) as { eTag?: string; ETag?: string; contentLength?: number; ContentLength?: number };
  let result: RegistrationResult;
  try {
    result = await registerDataset(
      { blobName, etag: props.eTag ?? props.ETag, bytes: props.contentLength ?? props.ContentLength },
      {
        storage: root.datasetStorage(),
        settings: cfg.datasets,
        events: root.events(),
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
    root
      .telemetry()
      .event(
        result.outcome === 'registered' ? 'DatasetRegistered' : 'DatasetRejected',
        { dataset: v.name, version: v.version, reason: v.reason?.code },
        { rows: v.rows ?? 0, columns: v.columns ?? 0, bytes: v.bytes },
      );
  }
  if (v.status === 'registered' && !v.runId && cfg.datasets.trainOnUpload) {
    const { runId, started } = await startRun(df.getClient(context), { dataset: v.name, datasetVersion: v.version, trigger: 'blob' }, root.runDefaults());
    await root.datasetRegistry().setRunId(v.name, v.version, runId);
    context.log(`registerDataset ${v.name} v${v.version}: training run ${runId} ${started ? 'started' : 'exists already'}`);
  }
  context.log(`registerDataset ${blobName}: ${result.outcome} ${result.dataset.name} v${result.dataset.version} (${JSON.stringify(result.timings)})`);
  // The event could not be published: fail this attempt so the trigger retries (the retry is a duplicate
  // that publishes the same event id; registration and training are not repeated).
  if (result.eventError) throw result.eventError;
}

app.storageBlob('registerDataset', {
  path: `${cfg.datasets.datasetsContainer}/{name}`,
  extraInputs: [df.input.durableClient()],
  connection: cfg.storage.datasetsConnection,
  source: cfg.datasets.blobSource,
  sdkBinding: true,
  handler: registerDatasetBlob,
});

function respond(r: ApiResult): HttpResponseInit {
  return { status: r.status, jsonBody: r.body, headers: { 'cache-control': 'no-store' } };
}

async function api(fn: (r: DatasetRegistry) => Promise<ApiResult>): Promise<HttpResponseInit> {
  return respond(await fn(root.datasetRegistry()));
}

app.http('listDatasets', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets',
  handler: () => api((r) => listDatasets(r)),
});

app.http('getDataset', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets/{name}',
  handler: (req: HttpRequest) => api((r) => getDataset(r, req.params.name ?? '')),
});

app.http('getDatasetVersion', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'datasets/{name}/versions/{version}',
  handler: (req: HttpRequest) => api((r) => getDatasetVersion(r, req.params.name ?? '', req.params.version ?? '')),
});
