/**
 * Builds the pipeline's dependencies from settings: the adapters between the activities' ports and the
 * dataset registry, the deployment target, the load runner, telemetry and Event Grid. One set per
 * process (the host), created on first use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBenchmark } from '../benchmark/runner';
import { abReport } from '../benchmark/report';
import type { ColumnProfile, DatasetProfile } from '../datasets/profile';
import { DatasetRegistry } from '../datasets/registry';
import { readDatasetSettings } from '../datasets/settings';
import { promote } from '../deploy/champion';
import { LocalDeploymentTarget } from '../deploy/local';
import type { DeploymentTarget } from '../deploy/target';
import { eventPublisherFromEnv } from '../events/eventgrid';
import { computeHostId } from '../host/hostId';
import { ModelRegistry } from '../models/registry';
import type { SchemaHints } from '../scoring/schema';
import { appStorageConnection, containerClient } from '../storage/clients';
import { telemetry } from '../telemetry';
import { createAzureMLAutoMLProvider, readAzureMLSettings } from '../training/azureml';
import { LocalAutoMLProvider } from '../training/local';
import type { AutoMLProvider } from '../training/provider';
import type { PipelineDeps } from './activities';
import type { DatasetCatalog, Deployer, EventSink, LoadRunner } from './ports';
import { RunStore } from './runs';
import type { RunInput } from './types';

function num(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`setting ${name}=${raw} is not a number >= ${min}`);
  return v;
}

/** The orchestration's settings, read once by the starter and carried in the run's input. */
export function runSettings(env: NodeJS.ProcessEnv = process.env): RunInput['settings'] {
  return {
    testFraction: num(env, 'PIPELINE_TEST_FRACTION', 0.1, 0.01),
    pollSeconds: num(env, 'AUTOML_POLL_SECONDS', 2, 0.2),
    promotionTolerance: num(env, 'PROMOTION_TOLERANCE', 0.002, 0),
    maxP95Ms: num(env, 'BENCHMARK_MAX_P95_MS', 50, 0),
    benchRequests: num(env, 'BENCHMARK_REQUESTS', 1000, 1),
    benchConcurrency: num(env, 'BENCHMARK_CONCURRENCY', 10, 1),
    maxAutoMLResubmits: num(env, 'AUTOML_MAX_RESUBMITS', 2, 0),
  };
}

/** Default AutoML options of a run (the request or blob metadata may override them). */
export function automlDefaults(env: NodeJS.ProcessEnv = process.env): RunInput['automl'] {
  return {
    budgetSeconds: num(env, 'AUTOML_BUDGET_SECONDS', 60, 1),
    primaryMetric: env.AUTOML_PRIMARY_METRIC || undefined,
    seed: num(env, 'AUTOML_SEED', 42, 0),
  };
}

export function datasetCatalog(registry: DatasetRegistry): DatasetCatalog & { latestRegistered(name: string): Promise<number | undefined> } {
  return {
    async latestRegistered(name) {
      const reg = (await registry.versions(name)).filter((v) => v.status === 'registered');
      return reg.length ? reg[reg.length - 1].version : undefined;
    },
    async getVersion(name, version) {
      const v = (await registry.versions(name)).find((x) => x.version === version);
      if (!v) return undefined;
      return {
        name: v.name,
        version: v.version,
        status: v.status === 'registered' ? 'registered' : 'rejected',
        sha256: v.sha256 ?? '',
        target: v.target,
        rows: v.rows ?? 0,
        classCounts:
          v.task === 'classification' && v.classBalance
            ? Object.fromEntries(v.classBalance.map((c) => [c.value, c.count]))
            : undefined,
        snapshotBlob: v.snapshot?.data ?? '',
      };
    },
  };
}

/** Documentation hints for the endpoint's schema and swagger, from the dataset version's profile. */
export async function schemaHints(registry: DatasetRegistry, dataset: string, version: number): Promise<SchemaHints | undefined> {
  const v = (await registry.versions(dataset)).find((x) => x.version === version);
  if (!v?.snapshot) return undefined;
  try {
    const profile = JSON.parse((await registry.blobs.getBlobClient(v.snapshot.profile).downloadToBuffer()).toString('utf8')) as DatasetProfile;
    const fields: NonNullable<SchemaHints['fields']> = {};
    for (const c of profile.columnProfiles as ColumnProfile[]) {
      if (c.name === v.target) continue;
      fields[c.name] =
        c.kind === 'numeric'
          ? { example: c.mean !== undefined ? Number(c.mean.toPrecision(6)) : c.min, min: c.min, max: c.max }
          : { example: c.top?.[0]?.value, values: c.topExact !== false ? c.top?.map((t) => t.value) : undefined };
    }
    return { target: v.target, fields };
  } catch {
    return { target: v.target };
  }
}

export function deployer(target: DeploymentTarget & { store?: LocalDeploymentTarget['store'] }, hints: (model: { name: string; version: number }) => Promise<SchemaHints | undefined>): Deployer {
  const view = (d: { name: string; url: string; modelName: string; modelVersion: string; champion: boolean }) => ({
    name: d.name,
    scoringUri: `${d.url}/score`,
    model: { name: d.modelName, version: Number(d.modelVersion) },
    champion: d.champion,
  });
  return {
    async deploy(spec) {
      const existing = await target.get(spec.name);
      if (existing && existing.status === 'running') return view(existing);
      const d = await target.deploy({
        name: spec.name,
        modelName: spec.model.name,
        modelVersion: spec.model.version,
        model: { blob: spec.modelBlob, container: 'registry' },
        hints: await hints(spec.model),
      });
      return view(d);
    },
    async key(name) {
      return (await target.keys(name)).primary;
    },
    async champion() {
      const c = (await target.list()).find((d) => d.champion);
      return c ? view(c) : undefined;
    },
    async promote(name) {
      if (!target.store) throw new Error('this deployment target cannot promote');
      const r = await promote(target.store, name);
      if (r.previous && r.previous !== name) await target.retire(r.previous);
      return { previous: r.previous };
    },
    async retire(name) {
      const d = await target.get(name);
      if (d && d.status !== 'retired') await target.retire(name, { force: false });
    },
  };
}

export const loadRunner: LoadRunner = {
  async run(opts) {
    const r = await runBenchmark({
      url: opts.url,
      method: 'POST',
      headers: opts.headers,
      body: opts.body,
      requests: opts.requests,
      concurrency: opts.concurrency,
      warmupRequests: Math.min(20, opts.requests),
    });
    return {
      requests: r.requested,
      concurrency: r.concurrency,
      requestsPerSecond: r.requestsPerSec,
      meanMs: r.latencyMs.mean,
      p50Ms: r.latencyMs.p50,
      p90Ms: r.latencyMs.p90,
      p95Ms: r.latencyMs.p95,
      p99Ms: r.latencyMs.p99,
      errors: r.errors,
      non2xx: r.non2xx,
      report: abReport(r),
    };
  },
};

/** The app's package name (the host derives its id from it when no site name is set). */
function appName(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The scoring proxy's URL and a key for it, so the benchmark can measure the route clients use. The
 * key is read where the Functions host keeps it (azure-webjobs-secrets/{hostId}/score.json, the real
 * host's blob secrets format); without it the proxy is not benchmarked.
 */
export function proxyRoute(conn: string, env: NodeJS.ProcessEnv): () => Promise<{ url: string; headers: Record<string, string> } | undefined> {
  return async () => {
    if (!env.WEBSITE_HOSTNAME) return undefined;
    const hostId = computeHostId(env, appName());
    try {
      const buf = await containerClient(conn, 'azure-webjobs-secrets').getBlobClient(`${hostId}/score.json`).downloadToBuffer();
      const doc = JSON.parse(buf.toString('utf8')) as { keys?: { name: string; value: string; encrypted?: boolean }[] };
      const key = doc.keys?.find((k) => k.name === 'default' && !k.encrypted)?.value;
      if (!key) return undefined;
      const scheme = /^(127\.0\.0\.1|localhost)(:|$)/.test(env.WEBSITE_HOSTNAME) ? 'http' : 'https';
      return { url: `${scheme}://${env.WEBSITE_HOSTNAME}/api/score`, headers: { 'x-functions-key': key } };
    } catch {
      return undefined;
    }
  };
}

let shared: { deps: PipelineDeps; catalog: ReturnType<typeof datasetCatalog>; target: LocalDeploymentTarget; automl: AutoMLProvider & { stopAll(): Promise<void> } } | undefined;

/** The process-wide dependencies of the pipeline (created on first use from settings). */
export function pipelineRuntime(env: NodeJS.ProcessEnv = process.env): { deps: PipelineDeps; catalog: ReturnType<typeof datasetCatalog>; target: LocalDeploymentTarget; automl: AutoMLProvider & { stopAll(): Promise<void> } } {
  if (shared) return shared;
  for (const [setting, value] of [['AUTOML_PROVIDER', env.AUTOML_PROVIDER], ['DEPLOY_TARGET', env.DEPLOY_TARGET]] as const) {
    const v = (value ?? 'local').trim().toLowerCase() || 'local';
    // AUTOML_PROVIDER=azureml is wired below; the Azure ML deployment target is a later issue.
    if (v !== 'local' && !(setting === 'AUTOML_PROVIDER' && v === 'azureml')) throw new Error(`PROVIDER_NOT_AVAILABLE: ${setting}=${value} is not available in this version; use ${setting}=local`);
  }
  const conn = appStorageConnection(env);
  const ds = readDatasetSettings(env);
  const datasets = new DatasetRegistry(conn, { table: ds.table, registryContainer: ds.registryContainer });
  const models = new ModelRegistry(conn);
  const target = new LocalDeploymentTarget({
    connectionString: conn,
    log: (level, message) => (level === 'error' ? console.error : console.log)(`[deploy] ${message}`),
  });
  const automl =
    (env.AUTOML_PROVIDER ?? '').trim().toLowerCase() === 'azureml'
      ? createAzureMLAutoMLProvider(readAzureMLSettings(env), {
          registry: containerClient(conn, 'registry'),
          log: (level, message) => (level === 'error' ? console.error : console.log)(`[azureml] ${message}`),
        })
      : new LocalAutoMLProvider(conn, {
          staleSeconds: num(env, 'AUTOML_WORKER_STALE_SECONDS', 120, 1),
          logDir: env.MLOPS_LOG_DIR || undefined,
        });
  const publisher = eventPublisherFromEnv(env);
  const events: EventSink = {
    publish: (type, subject, data) => publisher.publish([{ type, subject, data, id: `${type}:${subject}:${String(data.runId ?? '')}` }]),
  };
  const hints = async (m: { name: string; version: number }) => {
    const model = await models.get(m.name, m.version);
    return model ? schemaHints(datasets, model.lineage.dataset, model.lineage.datasetVersion) : undefined;
  };
  const catalog = datasetCatalog(datasets);
  const deps: PipelineDeps = {
    registry: containerClient(conn, 'registry'),
    runs: new RunStore(conn),
    models,
    datasets: catalog,
    automl,
    deployer: deployer(target, hints),
    load: loadRunner,
    telemetry: telemetry(env),
    events,
    proxy: proxyRoute(conn, env),
  };
  shared = { deps, catalog, target, automl };
  return shared;
}
