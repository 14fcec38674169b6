/**
 * The composition root: builds every store, client, provider and deployment target once, from the
 * typed configuration, and hands the functions (functions/*.ts) what they call. Nothing else in the app
 * constructs a store or reads a setting. A new AutoML provider or deployment target plugs in here
 * (automlProvider() / deploymentTarget()), behind the interfaces in src/training/provider.ts and
 * src/deploy/target.ts.
 */
import { runBenchmark } from '../benchmark/runner';
import { abReport } from '../benchmark/report';
import type { ColumnProfile, DatasetProfile } from '../datasets/profile';
import { DatasetRegistry, type DatasetVersion } from '../datasets/registry';
import { storageFromEnv, type DatasetStorage } from '../datasets/storage';
import { onDeploymentsChanged } from '../deploy/changes';
import { ChampionService } from '../deploy/champion';
import * as fs from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { azureMLTargetSettingsFromEnv, createAzureMLDeploymentTarget, type AzureMLTargetSettings, type TrafficRouting } from '../deploy/azureml';
import { LocalDeploymentTarget } from '../deploy/local';
import { DeploymentStore } from '../deploy/store';
import type { DeploymentRecord } from '../deploy/store';
import { DeployError, type DeploymentTarget } from '../deploy/target';
import type { SchemaHints } from '../contract/schema';
import { createEventGridPublisher, noopPublisher, type EventPublisher } from '../events/eventgrid';
import { ModelRegistry } from '../models/registry';
import type { Champions, DatasetCatalog, Deployer, DeploymentInfo, EventSink, LoadRunner, PipelineDeps, ProxyRoute } from '../pipeline/ports';
import { deploymentName } from '../pipeline/activities';
import { RunStore } from '../pipeline/runs';
import { BlobSplitStore } from '../pipeline/splits';
import type { RunDefaults } from '../pipeline/start';
import type { Champion } from '../scoring/proxy';
import type { RouteDirectory } from '../scoring/routes';
import { ScoringService } from '../scoring/service';
import { containerClient } from '../storage/clients';
import { resolveConnectionString } from '../storage/account';
import { telemetry, type Telemetry } from '../telemetry';
import { createAzureMLAutoMLProvider, readAzureMLSettings } from '../training/azureml';
import { LocalAutoMLProvider } from '../training/local';
import type { AutoMLProvider } from '../training/provider';
import { ConfigError, type AppConfig } from './config';

/** The deployment target the app runs: its records' store, and lineage traffic when the target has it (Azure ML). */
export type AppTarget = DeploymentTarget & { store: DeploymentStore; routing?: TrafficRouting };

/** A storage connection value the stores take: a connection string, or `identity:{SETTING}`. */
function connectionValue(config: AppConfig, setting: string): string {
  const conn = config.env[setting]?.trim() || config.env[`ConnectionStrings:${setting}`]?.trim();
  return conn ? resolveConnectionString(conn) : `identity:${setting}`;
}

const view = (d: Pick<DeploymentRecord, 'name' | 'url' | 'modelName' | 'modelVersion' | 'champion'>): DeploymentInfo => ({
  name: d.name,
  // A local endpoint's base URL, or an Azure ML endpoint's scoring URI (which ends in /score already).
  scoringUri: d.url ? (/\/score$/.test(d.url) ? d.url : `${d.url}/score`) : '',
  model: { name: d.modelName, version: Number(d.modelVersion) },
  champion: d.champion,
});

const route = (r: DeploymentRecord): Champion | undefined =>
  r.status === 'running' && r.url
    ? { name: r.name, modelName: r.modelName, modelVersion: r.modelVersion, url: r.url, key: r.keys.primary, schema: r.schema }
    : undefined;

export class AppRoot {
  readonly appConnection: string;
  readonly datasetsConnection: string;
  private cache = new Map<string, unknown>();
  private azureTargetSettings?: AzureMLTargetSettings;

  /**
   * `parts` replaces built parts (tests: a fake provider or target where the real one would need
   * Azure); the app itself passes none.
   */
  constructor(
    readonly config: AppConfig,
    parts: { automl?: AutoMLProvider & { stopAll(): Promise<void> }; target?: AppTarget } = {},
  ) {
    this.appConnection = connectionValue(config, config.storage.appConnection);
    this.datasetsConnection = connectionValue(config, config.storage.datasetsConnection);
    for (const [k, v] of Object.entries(parts)) if (v) this.cache.set(k, v);
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  // ---- stores -------------------------------------------------------------------------------------

  datasetStorage(): DatasetStorage {
    return this.once('datasetStorage', () => storageFromEnv(this.config.env as NodeJS.ProcessEnv, this.config.storage.datasetsConnection));
  }

  datasetRegistry(): DatasetRegistry {
    return this.once(
      'datasetRegistry',
      () => new DatasetRegistry(this.datasetStorage(), { table: this.config.datasets.table, registryContainer: this.config.datasets.registryContainer }),
    );
  }

  models(): ModelRegistry {
    return this.once('models', () => new ModelRegistry(this.appConnection, this.config.registryContainer));
  }

  runs(): RunStore {
    return this.once('runs', () => new RunStore(this.appConnection));
  }

  telemetry(): Telemetry {
    return this.once('telemetry', () => telemetry(this.config.env as NodeJS.ProcessEnv));
  }

  events(): EventPublisher {
    return this.once('events', () => {
      const e = this.config.events;
      return e.endpoint ? createEventGridPublisher({ endpoint: e.endpoint, key: e.key, source: e.source }) : noopPublisher;
    });
  }

  // ---- providers ----------------------------------------------------------------------------------

  /** The AutoML provider AUTOML_PROVIDER names. */
  automl(): AutoMLProvider & { stopAll(): Promise<void> } {
    return this.once('automl', () => {
      if (this.config.automl.provider === 'azureml') {
        let settings;
        try {
          settings = readAzureMLSettings(this.config.env as NodeJS.ProcessEnv);
        } catch (err) {
          throw new ConfigError('AZUREML', (err as Error).message);
        }
        return createAzureMLAutoMLProvider(settings, {
          registry: containerClient(this.appConnection, this.config.registryContainer),
          log: (level, message) => (level === 'error' ? console.error : console.log)(`[azureml] ${message}`),
        });
      }
      return new LocalAutoMLProvider(this.appConnection, {
        staleSeconds: this.config.automl.workerStaleSeconds,
        logDir: this.config.automl.logDir,
        container: this.config.registryContainer,
        env: this.config.env,
      });
    });
  }

  /** The deployment target DEPLOY_TARGET names; both keep their records in the `deployments` table. */
  target(): AppTarget {
    return this.once('target', () => {
      const log = (level: string, message: string) => (level === 'error' ? console.error : console.log)(`[deploy] ${message}`);
      if (this.config.deploy.target === 'azureml') {
        const env = this.config.env;
        const token = env.AZUREML_EMULATOR_TOKEN?.trim();
        // A fixed token is for the local emulator only (its settings check refuses it elsewhere).
        const credential: TokenCredential = token
          ? { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) }
          : new DefaultAzureCredential();
        let settings;
        try {
          settings = azureMLTargetSettingsFromEnv(env, credential);
        } catch (err) {
          throw new ConfigError('DEPLOY_TARGET', (err as Error).message);
        }
        this.azureTargetSettings = settings;
        const store = new DeploymentStore(this.appConnection);
        const registry = containerClient(this.appConnection, this.config.registryContainer);
        const target = createAzureMLDeploymentTarget(settings, {
          store,
          loadModel: async (source) => {
            if ('file' in source) return fs.readFileSync(source.file);
            const container = source.container ? containerClient(this.appConnection, source.container) : registry;
            return container.getBlobClient(source.blob).downloadToBuffer();
          },
          log,
          tlsCa: env.NODE_EXTRA_CA_CERTS ? fs.readFileSync(env.NODE_EXTRA_CA_CERTS) : undefined,
        });
        return Object.assign(target, { store, routing: target as TrafficRouting });
      }
      return new LocalDeploymentTarget({
        connectionString: this.appConnection,
        drainMs: this.config.deploy.drainMs,
        env: this.config.env,
        log,
      });
    });
  }

  champions(): ChampionService {
    return this.once('champions', () => {
      const target = this.target();
      return new ChampionService(target.store, target, containerClient(this.appConnection, this.config.registryContainer), {
        maxServedModels: this.config.deploy.maxServedModels,
        routing: target.routing,
      });
    });
  }

  scoring(): ScoringService {
    return this.once('scoring', () => {
      const target = this.target();
      const store = target.store;
      const routeOf = async (r: DeploymentRecord | undefined): Promise<Champion | undefined> => {
        const c = r ? route(r) : undefined;
        if (!c || !target.routing || r!.target !== 'azureml') return c;
        // An Azure ML endpoint: its scoring URI with the endpoint's key, pinned to this deployment.
        const lineage = r!.modelName;
        const sr = await target.routing.scoringRoute(lineage, r!.name);
        if (!sr) return undefined;
        return {
          ...c,
          url: sr.url,
          headers: sr.headers,
          refreshHeaders: async () => (await target.routing!.scoringRoute(lineage, r!.name, { refreshKey: true }))?.headers,
        };
      };
      const directory: RouteDirectory = {
        champion: async (lineage) => routeOf(await store.champion(lineage)),
        champions: async () => (await Promise.all((await store.champions()).map(routeOf))).filter((c): c is Champion => Boolean(c)),
        deployment: async (name) => routeOf(await store.get(name)),
      };
      const service = new ScoringService(directory, this.config.scoring, this.telemetry());
      onDeploymentsChanged(() => service.invalidate());
      return service;
    });
  }

  // ---- the pipeline's ports -----------------------------------------------------------------------

  runDefaults(): RunDefaults {
    return { settings: this.config.pipeline, automl: this.config.automl.defaults };
  }

  /** The dataset registry as the pipeline sees it (registered versions, their snapshots). */
  catalog(): DatasetCatalog {
    return this.once('catalog', () => {
      const registry = this.datasetRegistry();
      const version = async (name: string, v: number): Promise<DatasetVersion | undefined> => (await registry.versions(name)).find((x) => x.version === v);
      const catalog: DatasetCatalog = {
        async latestRegistered(name) {
          const reg = (await registry.versions(name)).filter((v) => v.status === 'registered');
          return reg.length ? reg[reg.length - 1].version : undefined;
        },
        async getVersion(name, v) {
          const x = await version(name, v);
          if (!x) return undefined;
          return {
            name: x.name,
            version: x.version,
            status: x.status === 'registered' ? 'registered' : 'rejected',
            sha256: x.sha256 ?? '',
            target: x.target,
            rows: x.rows ?? 0,
            classCounts: x.task === 'classification' && x.classBalance ? Object.fromEntries(x.classBalance.map((c) => [c.value, c.count])) : undefined,
          };
        },
        async openSnapshot(name, v) {
          const x = await version(name, v);
          if (!x || x.status !== 'registered') throw new Error(`dataset ${name} v${v} is not registered`);
          return registry.openSnapshot(x);
        },
      };
      return catalog;
    });
  }

  /**
   * Documentation hints for a model's input schema and OpenAPI document, from its dataset version's
   * profile: allowed categories always; statistics (means, ranges) only with SWAGGER_PUBLISH_PROFILE.
   */
  async schemaHints(model: { name: string; version: number }): Promise<SchemaHints | undefined> {
    const m = await this.models().get(model.name, model.version);
    if (!m) return undefined;
    const registry = this.datasetRegistry();
    const v = (await registry.versions(m.lineage.dataset)).find((x) => x.version === m.lineage.datasetVersion);
    if (!v?.snapshot) return undefined;
    const publish = this.config.scoring.publishProfile;
    try {
      const profile = await registry.readProfile<DatasetProfile>(v);
      const fields: NonNullable<SchemaHints['fields']> = {};
      for (const c of profile.columnProfiles as ColumnProfile[]) {
        if (c.name === v.target) continue;
        if (c.kind === 'numeric') {
          fields[c.name] = publish ? { example: c.mean !== undefined ? Number(c.mean.toPrecision(6)) : c.min, min: c.min, max: c.max } : {};
        } else {
          const values = c.topExact !== false ? c.top?.map((t) => t.value) : undefined;
          fields[c.name] = { example: values?.[0] ?? (publish ? c.top?.[0]?.value : undefined), values };
        }
      }
      return { target: v.target, fields };
    } catch {
      return { target: v.target };
    }
  }

  private deployer(): Deployer {
    const target = this.target();
    const models = this.models();
    return {
      deploy: async (spec) => {
        const existing = await target.get(spec.name);
        if (existing && existing.status === 'running') return view(existing);
        const d = await target.deploy({
          name: spec.name,
          modelName: spec.model.name,
          modelVersion: spec.model.version,
          model: models.modelBlob(spec.model.name, spec.model.version),
          hints: await this.schemaHints(spec.model),
        });
        return view(d);
      },
      route: async (name) => {
        const d = await target.get(name);
        if (target.routing && d?.target === 'azureml') {
          const r = await target.routing.scoringRoute(d.modelName, name);
          if (r) return r;
        }
        return { url: `${d?.url ?? ''}/score`, headers: { authorization: `Bearer ${(await target.keys(name)).primary}` } };
      },
      retire: async (name) => {
        const d = await target.get(name);
        if (d && d.status !== 'retired' && !d.champion) await target.retire(name, { force: false });
      },
    };
  }

  private championPort(): Champions {
    const c = this.champions();
    return {
      champion: async (lineage) => {
        const r = await c.champion(lineage);
        return r ? view(r) : undefined;
      },
      promote: (name) => c.promote(name),
      withLock: (lineage, fn) => c.withLock(lineage, fn),
      capacityProblem: (lineage) => c.capacityProblem(lineage),
      canary: async (lineage, challenger, probeBody) => {
        const routing = this.target().routing;
        const s = this.azureTargetSettings;
        if (!routing || !s || s.canarySharePercent <= 0 || s.canaryDurationMs <= 0) return undefined;
        const mirror = s.mirrorSharePercent > 0;
        const r = await routing.canary(lineage, challenger, mirror ? s.mirrorSharePercent : s.canarySharePercent, s.canaryDurationMs, {
          mirror,
          probeBody,
          ...s.canaryRule,
        });
        const share = `${r.sharePercent}% ${r.mode} for ${Math.round(r.durationMs / 1000)} s`;
        return {
          passed: r.verdict === 'pass',
          reason: r.reasons.length ? `${share}: ${r.reasons.join('; ')}` : share,
          figures: r.figures as unknown as Record<string, unknown>,
        };
      },
    };
  }

  /**
   * The proxy route of a model, for the benchmark: this host's address (WEBSITE_HOSTNAME) and a key of
   * the score function (BENCHMARK_PROXY_KEY, else the embedded host's own); none in Azure by default.
   */
  private proxyRoute(): ProxyRoute {
    return async (model) => {
      const host = this.config.env.WEBSITE_HOSTNAME?.trim();
      if (!host) return undefined;
      const key = this.config.benchmarkProxyKey ?? embeddedHostKey('scoreModel');
      if (!key) return undefined;
      const scheme = /^(127\.0\.0\.1|localhost)(:|$)/.test(host) ? 'http' : 'https';
      return { url: `${scheme}://${host}/api/models/${encodeURIComponent(model)}/score`, headers: { 'x-functions-key': key } };
    };
  }

  pipeline(): PipelineDeps {
    return this.once('pipeline', () => {
      const publisher = this.events();
      const events: EventSink = {
        publish: (type, subject, data) => publisher.publish([{ type, subject, data, id: `${type}:${subject}:${String(data.runId ?? '')}` }]),
      };
      return {
        runs: this.runs(),
        datasets: this.catalog(),
        splits: new BlobSplitStore(containerClient(this.appConnection, this.config.registryContainer)),
        models: this.models(),
        automl: this.automl(),
        deployer: this.deployer(),
        champions: this.championPort(),
        load: loadRunner,
        telemetry: this.telemetry(),
        events,
        proxy: this.proxyRoute(),
      };
    });
  }

  /** Rolls a lineage back to one of its earlier model versions: deploys it again and makes it champion. */
  async rollback(lineage: string, version: number): Promise<{ deployment: string; previous?: string }> {
    const m = await this.models().get(lineage, version);
    if (!m || m.status === 'registering') throw new DeployError(404, 'MODEL_NOT_FOUND', `model '${lineage}' has no version ${version}`);
    const name = deploymentName(lineage, version);
    const champions = this.champions();
    return champions.withLock(lineage, async () => {
      const d = await this.deployer().deploy({ name, model: { name: lineage, version } });
      const current = await champions.champion(lineage);
      const r = await champions.promote(d.name);
      if (current && current.modelVersion !== String(version)) await this.models().update(lineage, Number(current.modelVersion), { status: 'retired' });
      await this.models().update(lineage, version, { status: 'champion', decision: `rolled back to v${version} by an operator` });
      return { deployment: d.name, previous: r.previous };
    });
  }

  /** Stops serving a lineage (its champion is retired); its models and runs stay as history. */
  async retireLineage(lineage: string): Promise<{ retired?: string }> {
    const champions = this.champions();
    return champions.withLock(lineage, async () => {
      const current = await champions.champion(lineage);
      const r = await champions.retireLineage(lineage);
      if (current) await this.models().update(lineage, Number(current.modelVersion), { status: 'retired', decision: 'lineage retired by an operator' });
      return r;
    });
  }

  /**
   * Retires one deployment that is not its lineage's champion (a challenger left running, an old
   * version): drained, stopped, its keys dropped; its model version and runs stay. The champion is
   * refused (DEPLOYMENT_IS_CHAMPION): retire the model, roll back or promote another version instead.
   * Under the lineage's decision lock, so it never races a promotion.
   */
  async retireDeployment(name: string): Promise<{ retired: string; alreadyRetired: boolean }> {
    const target = this.target();
    const found = await target.get(name);
    if (!found) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
    return this.champions().withLock(found.modelName, async () => {
      const d = await target.get(name);
      if (!d) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
      if (d.status === 'retired') return { retired: name, alreadyRetired: true };
      if (d.champion)
        throw new DeployError(
          409,
          'DEPLOYMENT_IS_CHAMPION',
          `deployment '${name}' serves ${d.modelName}: retire the model (mlops retire ${d.modelName} --model), roll back or promote another version first`,
        );
      await target.retire(name, { force: false });
      return { retired: name, alreadyRetired: false };
    });
  }

  /** Host start: deployments come back, AutoML workers orphaned by a crash are stopped. */
  async start(): Promise<void> {
    const automl = this.automl() as AutoMLProvider & { sweepOrphans?: () => Promise<number[]> };
    if (automl.sweepOrphans) {
      const stopped = await automl.sweepOrphans();
      if (stopped.length) console.log(`[pipeline] stopped ${stopped.length} AutoML worker(s) orphaned by a previous host: their jobs are resubmitted`);
    }
    const restored = await this.target().restore();
    if (restored.length) console.log(`[pipeline] restored deployments: ${restored.map((d) => d.name).join(', ')}`);
  }

  /** Host stop: workers and endpoint processes stop, telemetry is flushed. */
  async stop(): Promise<void> {
    if (this.cache.has('automl')) await this.automl().stopAll();
    if (this.cache.has('target')) await this.target().close();
    if (this.cache.has('telemetry'))
      await this.telemetry()
        .flush()
        .catch(() => undefined);
  }
}

/** The embedded host's key for a function (see src/host/coreApi.ts `embeddedHost`); undefined elsewhere. */
function embeddedHostKey(functionName: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const core = require('@azure/functions-core') as { embeddedHost?: { functionKey(name: string): string | undefined } };
    return core.embeddedHost?.functionKey(functionName);
  } catch {
    return undefined;
  }
}

const loadRunner: LoadRunner = {
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
      histogram: r.histogram,
      report: abReport(r),
    };
  },
};
