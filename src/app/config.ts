/**
 * The app's configuration: every setting of settings.ts read once from the environment (the host has
 * applied local.settings.json `Values` to it, as Core Tools does) and validated into typed values. A
 * bad value fails startup with ConfigError naming the setting and what it accepts. No other app module
 * reads process.env; they receive the parts of AppConfig they need.
 */
import type { DatasetSettings } from '../datasets/settings';
import type { AutoMLOverrides, RunInput } from '../pipeline/types';
import { accepts, SETTINGS, settingDef, SettingKind } from './settings';

export class ConfigError extends Error {
  readonly code = 'INVALID_SETTING';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface AzureMLConfig {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  compute?: string;
  armEndpoint: string;
  instanceType: string;
  instanceCount: number;
}

export interface AppConfig {
  /** A snapshot of the environment the configuration was read from (for connection-setting lookups). */
  env: Env;
  storage: {
    /** Setting name of the app's storage (always AzureWebJobsStorage). */
    appConnection: 'AzureWebJobsStorage';
    /** Setting name of the drop zone's and dataset registry's storage. */
    datasetsConnection: string;
  };
  datasets: DatasetSettings & { blobSource: 'LogsAndContainerScan' | 'EventGrid'; trainOnUpload: boolean };
  /** Container of run splits, models and AutoML outputs in the app storage (same name as the dataset registry's). */
  registryContainer: string;
  pipeline: RunInput['settings'];
  automl: {
    provider: 'local' | 'azureml';
    defaults: AutoMLOverrides;
    workerStaleSeconds: number;
    logDir?: string;
  };
  deploy: { target: 'local' | 'azureml'; maxServedModels: number; drainMs: number };
  scoring: {
    timeoutMs: number;
    maxBodyBytes: number;
    maxRows: number;
    championCacheMs: number;
    championMaxStaleMs: number;
    defaultModel?: string;
    publishProfile: boolean;
  };
  benchmarkProxyKey?: string;
  azureml?: AzureMLConfig;
  telemetry: { connectionString?: string };
  events: { endpoint?: string; key?: string; source: string };
  platform: { hostname?: string; siteName?: string };
}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function bad(name: string, value: string, kind: SettingKind): never {
  const shown = settingDef(name).kind.type === 'secret' ? '(hidden)' : JSON.stringify(value.length > 80 ? value.slice(0, 80) + '...' : value);
  throw new ConfigError(name, `setting ${name}=${shown} is invalid: it accepts ${accepts(kind)}`);
}

/** One setting's value, parsed by its definition (the default when absent). */
export function readSetting(env: Env, name: string): string | number | boolean | undefined {
  const def = settingDef(name);
  const value = raw(env, name) ?? (def.default === '' ? undefined : def.default);
  if (value === undefined) return undefined;
  const k = def.kind;
  switch (k.type) {
    case 'int':
    case 'number': {
      const n = Number(value);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) || !Number.isFinite(n)) bad(name, value, k);
      if ((k.type === 'int' && !Number.isSafeInteger(n)) || n < k.min || (k.max !== undefined && n > k.max)) bad(name, value, k);
      return n;
    }
    case 'enum': {
      const hit = k.values.find((v) => (k.caseInsensitive ? v.toLowerCase() === value.toLowerCase() : v === value));
      if (!hit) bad(name, value, k);
      return hit;
    }
    case 'bool': {
      const v = value.toLowerCase();
      if (['1', 'true', 'on', 'yes'].includes(v)) return true;
      if (['0', 'false', 'off', 'no'].includes(v)) return false;
      return bad(name, value, k);
    }
    case 'string':
      if (k.pattern && !k.pattern.test(value)) bad(name, value, k);
      return value;
    case 'url': {
      let u: URL | undefined;
      try {
        u = new URL(value);
      } catch {
        u = undefined;
      }
      if (!u || !/^https?:$/.test(u.protocol)) bad(name, value, k);
      return value.replace(/\/+$/, '');
    }
    case 'secret':
      return value;
  }
}

const str = (env: Env, n: string) => readSetting(env, n) as string | undefined;
const num = (env: Env, n: string) => readSetting(env, n) as number;
const bool = (env: Env, n: string) => readSetting(env, n) as boolean;

/** True when a storage connection setting is present, as a connection string or identity-based. */
export function hasConnection(env: Env, setting: string): boolean {
  return Boolean(
    raw(env, setting) || raw(env, `ConnectionStrings:${setting}`) || raw(env, `${setting}__accountName`) || raw(env, `${setting}__blobServiceUri`),
  );
}

/** Reads and validates every app setting. Throws ConfigError for the first bad one. */
export function loadConfig(source: Env = process.env): AppConfig {
  const env: Env = { ...source };
  // Every setting is parsed, used or not, so a typo'd value fails now, not on first use.
  for (const s of SETTINGS) if (s.owner !== 'host') readSetting(env, s.name);

  const datasetsConnection = str(env, 'DATASETS_STORAGE_CONNECTION')!;
  for (const setting of new Set(['AzureWebJobsStorage', datasetsConnection])) {
    if (!hasConnection(env, setting)) {
      throw new ConfigError(
        setting,
        `storage connection ${setting} is not set: it accepts a connection string, or ${setting}__accountName (or __blobServiceUri and __tableServiceUri) for an identity-based connection`,
      );
    }
  }
  const registryContainer = str(env, 'DATASETS_REGISTRY_CONTAINER')!;
  const datasets: AppConfig['datasets'] = {
    datasetsContainer: str(env, 'DATASETS_CONTAINER')!,
    registryContainer,
    table: str(env, 'DATASETS_TABLE')!,
    defaultTarget: str(env, 'DEFAULT_TARGET_COLUMN')!,
    minRows: num(env, 'DATASET_MIN_ROWS'),
    maxRows: num(env, 'DATASET_MAX_ROWS'),
    maxBytes: num(env, 'DATASET_MAX_BYTES'),
    maxColumns: num(env, 'DATASET_MAX_COLUMNS'),
    maxLineBytes: num(env, 'DATASET_MAX_LINE_BYTES'),
    driftPolicy: str(env, 'DATASET_DRIFT_POLICY') as DatasetSettings['driftPolicy'],
    distinctCap: num(env, 'DATASET_DISTINCT_CAP'),
    snapshotMode: str(env, 'DATASET_SNAPSHOT_MODE') as DatasetSettings['snapshotMode'],
    maxClasses: num(env, 'DATASET_MAX_CLASSES'),
    minClassRows: num(env, 'DATASET_MIN_CLASS_ROWS'),
    trainabilityPolicy: str(env, 'DATASET_TRAINABILITY_POLICY') as DatasetSettings['trainabilityPolicy'],
    blobSource: str(env, 'DATASETS_BLOB_SOURCE') as 'LogsAndContainerScan' | 'EventGrid',
    trainOnUpload: bool(env, 'TRAIN_ON_UPLOAD'),
  };
  if (datasets.minRows > datasets.maxRows) {
    throw new ConfigError('DATASET_MIN_ROWS', `setting DATASET_MIN_ROWS (${datasets.minRows}) exceeds DATASET_MAX_ROWS (${datasets.maxRows})`);
  }

  const provider = str(env, 'AUTOML_PROVIDER') as 'local' | 'azureml';
  const target = str(env, 'DEPLOY_TARGET') as 'local' | 'azureml';
  let azureml: AzureMLConfig | undefined;
  if (provider === 'azureml' || target === 'azureml' || raw(env, 'AZUREML_WORKSPACE')) {
    for (const n of ['AZUREML_SUBSCRIPTION_ID', 'AZUREML_RESOURCE_GROUP', 'AZUREML_WORKSPACE']) {
      if (!str(env, n)) {
        throw new ConfigError(
          n,
          `setting ${n} is required with AUTOML_PROVIDER=${provider} / DEPLOY_TARGET=${target}: it accepts ${accepts(settingDef(n).kind)}`,
        );
      }
    }
    azureml = {
      subscriptionId: str(env, 'AZUREML_SUBSCRIPTION_ID')!,
      resourceGroup: str(env, 'AZUREML_RESOURCE_GROUP')!,
      workspace: str(env, 'AZUREML_WORKSPACE')!,
      compute: str(env, 'AZUREML_COMPUTE'),
      armEndpoint: str(env, 'AZUREML_ARM_ENDPOINT')!,
      instanceType: str(env, 'AZUREML_INSTANCE_TYPE')!,
      instanceCount: num(env, 'AZUREML_INSTANCE_COUNT'),
    };
  }

  const siteName = str(env, 'WEBSITE_SITE_NAME');
  return {
    env,
    storage: { appConnection: 'AzureWebJobsStorage', datasetsConnection },
    datasets,
    registryContainer,
    pipeline: {
      testFraction: num(env, 'PIPELINE_TEST_FRACTION'),
      pollSeconds: num(env, 'AUTOML_POLL_SECONDS'),
      promotionTolerance: num(env, 'PROMOTION_TOLERANCE'),
      maxP95Ms: num(env, 'BENCHMARK_MAX_P95_MS'),
      benchRequests: num(env, 'BENCHMARK_REQUESTS'),
      benchConcurrency: num(env, 'BENCHMARK_CONCURRENCY'),
      maxAutoMLResubmits: num(env, 'AUTOML_MAX_RESUBMITS'),
    },
    automl: {
      provider,
      defaults: { budgetSeconds: num(env, 'AUTOML_BUDGET_SECONDS'), primaryMetric: str(env, 'AUTOML_PRIMARY_METRIC'), seed: num(env, 'AUTOML_SEED') },
      workerStaleSeconds: num(env, 'AUTOML_WORKER_STALE_SECONDS'),
      logDir: str(env, 'MLOPS_LOG_DIR'),
    },
    deploy: { target, maxServedModels: num(env, 'MAX_SERVED_MODELS'), drainMs: num(env, 'DEPLOY_DRAIN_MS') },
    scoring: {
      timeoutMs: num(env, 'SCORE_TIMEOUT_MS'),
      maxBodyBytes: num(env, 'SCORE_MAX_BODY_BYTES'),
      maxRows: num(env, 'SCORE_MAX_ROWS'),
      championCacheMs: num(env, 'CHAMPION_CACHE_MS'),
      championMaxStaleMs: num(env, 'CHAMPION_MAX_STALE_MS'),
      defaultModel: str(env, 'SCORING_DEFAULT_MODEL'),
      publishProfile: bool(env, 'SWAGGER_PUBLISH_PROFILE'),
    },
    benchmarkProxyKey: str(env, 'BENCHMARK_PROXY_KEY'),
    azureml,
    telemetry: { connectionString: str(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING') },
    events: {
      endpoint: str(env, 'EVENTGRID_TOPIC_ENDPOINT'),
      key: str(env, 'EVENTGRID_TOPIC_KEY'),
      source: str(env, 'EVENTGRID_EVENT_SOURCE') ?? `/mlops/${siteName ?? 'local'}`,
    },
    platform: { hostname: str(env, 'WEBSITE_HOSTNAME'), siteName },
  };
}
