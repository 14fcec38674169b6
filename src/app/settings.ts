/**
 * Every setting the app reads, in one list: name, what it accepts, its default and what it means. The
 * configuration (config.ts) parses the environment with these definitions only; the README's settings
 * reference and local.settings.sample.json are checked against this list by a test, so the three agree.
 *
 * `owner: 'host'` marks settings the embedded Functions host reads for itself (ports, auth, Azurite);
 * they are listed so that users find every setting in one place, but the app never parses them.
 */

export type SettingKind =
  | { type: 'int'; min: number; max?: number }
  | { type: 'number'; min: number; max?: number }
  | { type: 'enum'; values: readonly string[]; caseInsensitive?: boolean }
  | { type: 'bool' }
  | { type: 'string'; pattern?: RegExp; hint?: string }
  | { type: 'url' }
  | { type: 'secret' };

export type SettingGroup = 'storage' | 'datasets' | 'pipeline' | 'automl' | 'deploy' | 'scoring' | 'azureml' | 'telemetry' | 'platform' | 'host';

export interface SettingDef {
  name: string;
  group: SettingGroup;
  kind: SettingKind;
  /** The value used when the setting is absent or empty ('' = none). */
  default: string;
  description: string;
  /** Who reads it: the app (default) or the embedded host. */
  owner?: 'app' | 'host';
  /** Written into local.settings.sample.json (the settings a local user is likely to change). */
  sample?: boolean;
}

const CONTAINER = {
  type: 'string',
  pattern: /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
  hint: 'a container name: 3-63 lowercase letters, digits and single dashes',
} as const;
const TABLE = { type: 'string', pattern: /^[A-Za-z][A-Za-z0-9]{2,62}$/, hint: 'a table name: 3-63 letters and digits, starting with a letter' } as const;
const SETTING_NAME = { type: 'string', pattern: /^[A-Za-z_][A-Za-z0-9_:]*$/, hint: 'the name of another app setting' } as const;
const ARM_NAME = { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9_.()-]{0,89}$/, hint: 'an Azure resource name' } as const;
const BOOL = { type: 'bool' } as const;

// One setting per line, as a table: kept as written.
// prettier-ignore
export const SETTINGS: readonly SettingDef[] = [
  // storage
  { name: 'AzureWebJobsStorage', group: 'storage', kind: { type: 'secret' }, default: '', sample: true, description: 'The app\'s storage account: a connection string (`UseDevelopmentStorage=true` locally), or identity-based with `AzureWebJobsStorage__accountName` (or `__blobServiceUri` + `__tableServiceUri` + `__queueServiceUri`), `__credential=managedidentity`, `__clientId`, as infra/ deploys. Required.' },
  { name: 'DATASETS_STORAGE_CONNECTION', group: 'storage', kind: SETTING_NAME, default: 'AzureWebJobsStorage', sample: true, description: 'Name of the connection setting of the drop zone and the dataset registry (a connection string or identity-based settings under that name).' },

  // datasets
  { name: 'DATASETS_CONTAINER', group: 'datasets', kind: CONTAINER, default: 'datasets', description: 'The drop-zone container (never modified by the app); the blob trigger watches `{DATASETS_CONTAINER}/{name}`.' },
  { name: 'DATASETS_REGISTRY_CONTAINER', group: 'datasets', kind: CONTAINER, default: 'registry', description: 'The registry container: dataset snapshots and profiles (in the datasets storage), run splits, models and AutoML outputs (in the app storage).' },
  { name: 'DATASETS_TABLE', group: 'datasets', kind: TABLE, default: 'datasets', description: 'The dataset registry table (one entity per version).' },
  { name: 'DATASETS_BLOB_SOURCE', group: 'datasets', kind: { type: 'enum', values: ['LogsAndContainerScan', 'EventGrid'], caseInsensitive: true }, default: 'LogsAndContainerScan', sample: true, description: 'How uploads are noticed: container scan, or Event Grid BlobCreated events posted to the blobs webhook (required on Flex Consumption).' },
  { name: 'DEFAULT_TARGET_COLUMN', group: 'datasets', kind: { type: 'string' }, default: 'y', sample: true, description: 'Target column of an upload without blob metadata `target`.' },
  { name: 'DATASET_MIN_ROWS', group: 'datasets', kind: { type: 'int', min: 1 }, default: '10', sample: true, description: 'Fewer data rows is rejected (TOO_FEW_ROWS).' },
  { name: 'DATASET_MAX_ROWS', group: 'datasets', kind: { type: 'int', min: 1 }, default: '10000000', sample: true, description: 'More data rows is rejected (TOO_MANY_ROWS).' },
  { name: 'DATASET_MAX_BYTES', group: 'datasets', kind: { type: 'int', min: 1 }, default: '2147483648', sample: true, description: 'Larger uploads are rejected (TOO_LARGE), checked before and while reading.' },
  { name: 'DATASET_MAX_COLUMNS', group: 'datasets', kind: { type: 'int', min: 2 }, default: '1000', sample: true, description: 'Wider headers are rejected (TOO_MANY_COLUMNS).' },
  { name: 'DATASET_MAX_LINE_BYTES', group: 'datasets', kind: { type: 'int', min: 1024 }, default: '1048576', description: 'A longer CSV record is rejected (CSV_LINE_TOO_LONG).' },
  { name: 'DATASET_DRIFT_POLICY', group: 'datasets', kind: { type: 'enum', values: ['warn', 'reject'], caseInsensitive: true }, default: 'warn', sample: true, description: 'Schema drift against the previous version: recorded as a warning, or the version is rejected.' },
  { name: 'DATASET_DISTINCT_CAP', group: 'datasets', kind: { type: 'int', min: 10 }, default: '10000', description: 'Exact distinct/top-value tracking per column up to this many values (HyperLogLog beyond).' },
  { name: 'DATASET_SNAPSHOT_MODE', group: 'datasets', kind: { type: 'enum', values: ['stage-copy', 'two-pass'], caseInsensitive: true }, default: 'stage-copy', description: '`stage-copy`: one read, staged blob then server-side copy; `two-pass`: validate, then copy with a second read.' },
  { name: 'DATASET_MAX_CLASSES', group: 'datasets', kind: { type: 'int', min: 2 }, default: '100', description: 'A classification target with more classes is TOO_MANY_CLASSES (the AutoML engine\'s limit).' },
  { name: 'DATASET_MIN_CLASS_ROWS', group: 'datasets', kind: { type: 'int', min: 1 }, default: '2', description: 'A class with fewer rows is CLASS_TOO_SMALL (AutoML needs a row of each class in at least two folds; raise it for providers that always run more folds).' },
  { name: 'DATASET_TRAINABILITY_POLICY', group: 'datasets', kind: { type: 'enum', values: ['reject', 'warn'], caseInsensitive: true }, default: 'reject', description: 'What training would refuse (TOO_MANY_CLASSES, CLASS_TOO_SMALL): rejected at registration, or registered with a warning.' },
  { name: 'TRAIN_ON_UPLOAD', group: 'datasets', kind: BOOL, default: 'true', sample: true, description: 'Start a training run for every newly registered dataset version (runs can always start with POST /api/runs).' },

  // pipeline
  { name: 'PIPELINE_TEST_FRACTION', group: 'pipeline', kind: { type: 'number', min: 0.01, max: 0.5 }, default: '0.1', sample: true, description: 'Share of rows held out (stratified) to compare challenger and champion.' },
  { name: 'AUTOML_POLL_SECONDS', group: 'pipeline', kind: { type: 'number', min: 0.2, max: 300 }, default: '2', sample: true, description: 'Durable-timer interval between AutoML job polls (longer budgets poll less often).' },
  { name: 'AUTOML_MAX_RESUBMITS', group: 'pipeline', kind: { type: 'int', min: 0, max: 10 }, default: '2', description: 'How many times a lost AutoML job is resubmitted before the run fails.' },
  { name: 'PROMOTION_TOLERANCE', group: 'pipeline', kind: { type: 'number', min: 0, max: 1 }, default: '0.002', sample: true, description: 'The challenger is promoted when its held-out metric is at least the champion\'s minus this.' },
  { name: 'BENCHMARK_MAX_P95_MS', group: 'pipeline', kind: { type: 'number', min: 0 }, default: '50', sample: true, description: 'SLO: the benchmark\'s p95 latency must stay under this (ms) for a promotion.' },
  { name: 'BENCHMARK_REQUESTS', group: 'pipeline', kind: { type: 'int', min: 1, max: 1000000 }, default: '1000', sample: true, description: 'Requests per benchmark (like `ab -n`).' },
  { name: 'BENCHMARK_CONCURRENCY', group: 'pipeline', kind: { type: 'int', min: 1, max: 1000 }, default: '10', sample: true, description: 'Concurrent requests of the benchmark (like `ab -c`).' },

  // automl
  { name: 'AUTOML_PROVIDER', group: 'automl', kind: { type: 'enum', values: ['local', 'azureml'], caseInsensitive: true }, default: 'local', sample: true, description: '`local`: the TypeScript engine in a worker process; `azureml`: Azure Machine Learning AutoML jobs (needs the AZUREML_* settings).' },
  { name: 'AUTOML_BUDGET_SECONDS', group: 'automl', kind: { type: 'number', min: 1, max: 86400 }, default: '60', sample: true, description: 'Default time budget of a run\'s AutoML search (a run request may override it).' },
  { name: 'AUTOML_PRIMARY_METRIC', group: 'automl', kind: { type: 'string' }, default: '', description: 'Default primary metric (empty: AUC_weighted for classification, r2_score for regression); one of the metrics listed for POST /api/runs.' },
  { name: 'AUTOML_SEED', group: 'automl', kind: { type: 'int', min: 0 }, default: '42', sample: true, description: 'Default random seed of splits and searches (the `mlops automl` CLI uses the same default).' },
  { name: 'AUTOML_WORKER_STALE_SECONDS', group: 'automl', kind: { type: 'number', min: 1 }, default: '120', description: 'A local AutoML worker whose heartbeat is older than this is lost and its job resubmitted.' },
  { name: 'MLOPS_LOG_DIR', group: 'automl', kind: { type: 'string' }, default: '', description: 'Folder for the AutoML workers\' and endpoints\' own log files (empty: their output goes to the host log).' },

  // deploy
  { name: 'DEPLOY_TARGET', group: 'deploy', kind: { type: 'enum', values: ['local', 'azureml'], caseInsensitive: true }, default: 'local', sample: true, description: '`local`: one endpoint process per deployment; `azureml`: Azure ML managed online endpoints (needs the AZUREML_* settings).' },
  { name: 'MAX_SERVED_MODELS', group: 'deploy', kind: { type: 'int', min: 1, max: 1000 }, default: '20', sample: true, description: 'At most this many model lineages (datasets) served at once; a first champion past it is refused (SERVED_MODELS_LIMIT).' },
  { name: 'DEPLOY_DRAIN_MS', group: 'deploy', kind: { type: 'int', min: 0, max: 600000 }, default: '2000', description: 'How long a replaced deployment keeps serving in-flight and cached-route traffic before it stops.' },

  // scoring
  { name: 'SCORE_TIMEOUT_MS', group: 'scoring', kind: { type: 'int', min: 1, max: 600000 }, default: '30000', sample: true, description: 'The proxy\'s timeout for one scoring call to the endpoint (504 past it).' },
  { name: 'SCORE_MAX_BODY_BYTES', group: 'scoring', kind: { type: 'int', min: 1024, max: 104857600 }, default: '4194304', sample: true, description: 'Largest scoring request body (413 past it).' },
  { name: 'SCORE_MAX_ROWS', group: 'scoring', kind: { type: 'int', min: 1, max: 1000000 }, default: '10000', description: 'Most rows in one scoring request (400 past it).' },
  { name: 'CHAMPION_CACHE_MS', group: 'scoring', kind: { type: 'int', min: 0, max: 600000 }, default: '1000', description: 'How long the proxy caches the champion lookup (a promotion made by this host is seen at once).' },
  { name: 'CHAMPION_MAX_STALE_MS', group: 'scoring', kind: { type: 'int', min: 0, max: 86400000 }, default: '300000', description: 'While storage is slow or down the proxy keeps serving the last known champion for up to this long (header `x-champion-stale`).' },
  { name: 'SCORING_DEFAULT_MODEL', group: 'scoring', kind: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, hint: 'a model (dataset) name' }, default: '', sample: true, description: 'The model served by POST /api/score and /api/swagger.json (empty: the only served model; with several, 400 lists them).' },

  { name: 'SWAGGER_PUBLISH_PROFILE', group: 'scoring', kind: BOOL, default: 'false', description: 'Publish training-data statistics (means, ranges, frequent values) as examples in the anonymous OpenAPI documents; off: only types and allowed categories.' },
  { name: 'BENCHMARK_PROXY_KEY', group: 'pipeline', kind: { type: 'secret' }, default: '', description: 'A function key the benchmark sends to measure the scoring route through the proxy (the embedded host provides one itself; empty in Azure: only the endpoint is measured).' },

  // azureml
  { name: 'AZUREML_SUBSCRIPTION_ID', group: 'azureml', kind: { type: 'string', pattern: /^[0-9a-fA-F-]{36}$/, hint: 'a subscription id (GUID)' }, default: '', description: 'Subscription of the Azure ML workspace (AUTOML_PROVIDER or DEPLOY_TARGET `azureml`).' },
  { name: 'AZUREML_RESOURCE_GROUP', group: 'azureml', kind: ARM_NAME, default: '', description: 'Resource group of the Azure ML workspace.' },
  { name: 'AZUREML_WORKSPACE', group: 'azureml', kind: ARM_NAME, default: '', description: 'The Azure ML workspace name.' },
  { name: 'AZUREML_COMPUTE', group: 'azureml', kind: { type: 'string' }, default: '', description: 'Compute cluster of AutoML jobs (empty: serverless compute).' },
  { name: 'AZUREML_ARM_ENDPOINT', group: 'azureml', kind: { type: 'url' }, default: 'https://management.azure.com', description: 'Azure Resource Manager base URL (override for the local Azure ML emulator or a sovereign cloud).' },
  { name: 'AZUREML_INSTANCE_TYPE', group: 'azureml', kind: { type: 'string' }, default: 'Standard_DS3_v2', description: 'VM size of managed online deployments.' },
  { name: 'AZUREML_ENDPOINT_INSTANCE_TYPE', group: 'azureml', kind: { type: 'string' }, default: '', description: 'VM size of online deployments when it differs from the AutoML jobs\' AZUREML_INSTANCE_TYPE.' },
  { name: 'AZUREML_CANARY_PERCENT', group: 'azureml', kind: { type: 'int', min: 0, max: 99 }, default: '10', description: 'Share of live traffic a challenger gets in the online-endpoint target\'s canary stage (0: none).' },
  { name: 'AZUREML_CANARY_SECONDS', group: 'azureml', kind: { type: 'int', min: 0, max: 86400 }, default: '300', description: 'Length of the canary stage.' },
  { name: 'AZUREML_CANARY_MIN_REQUESTS', group: 'azureml', kind: { type: 'int', min: 1, max: 1000000 }, default: '20', description: 'Fewest challenger answers the canary needs for a verdict (fewer: the canary fails).' },
  { name: 'AZUREML_CANARY_ERROR_TOLERANCE', group: 'azureml', kind: { type: 'number', min: 0, max: 1 }, default: '0.01', description: 'The canary fails when the challenger\'s error rate exceeds the champion\'s by more than this (absolute).' },
  { name: 'AZUREML_CANARY_LATENCY_FACTOR', group: 'azureml', kind: { type: 'number', min: 1, max: 100 }, default: '1.5', description: 'The canary fails when the challenger\'s p95 exceeds the champion\'s times this plus AZUREML_CANARY_LATENCY_SLACK_MS.' },
  { name: 'AZUREML_CANARY_LATENCY_SLACK_MS', group: 'azureml', kind: { type: 'int', min: 0, max: 600000 }, default: '20', description: 'Milliseconds added to the canary\'s latency limit (see AZUREML_CANARY_LATENCY_FACTOR).' },
  { name: 'AZUREML_MIRROR_PERCENT', group: 'azureml', kind: { type: 'int', min: 0, max: 50 }, default: '0', description: 'Share of traffic mirrored to the challenger during the canary instead of live traffic.' },
  { name: 'AZUREML_DRAIN_SECONDS', group: 'azureml', kind: { type: 'int', min: 0, max: 3600 }, default: '30', description: 'How long a replaced online deployment keeps running after traffic moved away, before it is deleted.' },
  { name: 'AZUREML_LRO_POLL_MS', group: 'azureml', kind: { type: 'int', min: 1, max: 600000 }, default: '2000', description: 'Delay between polls of a long-running operation when the service sends no Retry-After.' },
  { name: 'AZUREML_ARM_SCOPE', group: 'azureml', kind: { type: 'string' }, default: 'https://management.azure.com/.default', description: 'OAuth scope of Resource Manager tokens.' },
  { name: 'AZUREML_DATASTORE', group: 'azureml', kind: { type: 'string' }, default: 'workspaceblobstore', description: 'Datastore that receives model files registered from the project\'s registry.' },
  { name: 'AZUREML_EXPERIMENT', group: 'azureml', kind: { type: 'string' }, default: 'mlops-automl', description: 'Experiment the AutoML jobs are grouped under.' },
  { name: 'AZUREML_DATASTORE_AUTH', group: 'azureml', kind: { type: 'enum', values: ['identity', 'key'], caseInsensitive: true }, default: 'identity', description: 'How the training split is uploaded to the workspace\'s default datastore: the app\'s identity, or the datastore\'s key (listSecrets).' },
  { name: 'AZUREML_DATASTORE_BLOB_ENDPOINT', group: 'azureml', kind: { type: 'url' }, default: '', description: 'Blob service URL of the workspace storage when it is not https://{account}.blob.core.windows.net (the emulator\'s Azurite).' },
  { name: 'AZUREML_MAX_CONCURRENT_TRIALS', group: 'azureml', kind: { type: 'int', min: 1, max: 256 }, default: '4', description: 'AutoML limitSettings.maxConcurrentTrials.' },
  { name: 'AZUREML_TRIAL_TIMEOUT_SECONDS', group: 'azureml', kind: { type: 'int', min: 60, max: 604800 }, default: '', description: 'AutoML limitSettings.trialTimeout (empty: the run\'s whole budget).' },
  { name: 'AZUREML_VOTE_ENSEMBLE', group: 'azureml', kind: BOOL, default: 'true', description: 'Let Azure ML AutoML build a voting ensemble.' },
  { name: 'AZUREML_STACK_ENSEMBLE', group: 'azureml', kind: BOOL, default: 'true', description: 'Let Azure ML AutoML build a stack ensemble.' },
  { name: 'AZUREML_TIMEOUT_GRACE_SECONDS', group: 'azureml', kind: { type: 'int', min: 0, max: 86400 }, default: '900', description: 'A job still running this long past its own timeout is canceled and the run fails with TIMEOUT.' },
  { name: 'AZUREML_EMULATOR_TOKEN', group: 'azureml', kind: { type: 'secret' }, default: '', description: 'A fixed bearer token for the local Azure ML emulator only (refused unless AZUREML_ARM_ENDPOINT is a loopback address); empty: DefaultAzureCredential (the managed identity in Azure).' },
  { name: 'AZUREML_INSTANCE_COUNT', group: 'azureml', kind: { type: 'int', min: 1, max: 100 }, default: '1', description: 'Instances per managed online deployment.' },

  // telemetry and events
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', group: 'telemetry', kind: { type: 'string' }, default: '', sample: true, description: 'Application Insights (off when empty). In Azure, infra/ sets it with Entra ID authentication (no key).' },
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', group: 'telemetry', kind: { type: 'string', pattern: /Authorization=AAD/i, hint: 'Authorization=AAD[;ClientId=<identity client id>]' }, default: '', description: 'Entra ID authentication of telemetry (the managed identity; infra/ sets it and turns local auth off on App Insights).' },
  { name: 'EVENTGRID_TOPIC_ENDPOINT', group: 'telemetry', kind: { type: 'url' }, default: '', sample: true, description: 'Event Grid topic for the app\'s CloudEvents (off when empty).' },
  { name: 'EVENTGRID_TOPIC_KEY', group: 'telemetry', kind: { type: 'secret' }, default: '', sample: true, description: 'The topic\'s access key; empty = Entra ID (the managed identity), as infra/ deploys.' },
  { name: 'EVENTGRID_EVENT_SOURCE', group: 'telemetry', kind: { type: 'string' }, default: '', description: 'CloudEvents `source` (empty: /mlops/{WEBSITE_SITE_NAME or local}).' },

  // set by the platform (Azure) or the embedded host
  { name: 'WEBSITE_HOSTNAME', group: 'platform', kind: { type: 'string' }, default: '', description: 'The app\'s host name (set by Azure and by the embedded host); the benchmark measures the proxy there.' },
  { name: 'WEBSITE_SITE_NAME', group: 'platform', kind: { type: 'string' }, default: '', description: 'The app\'s name (set by Azure).' },

  // read by the embedded host only
  { name: 'FUNCTIONS_WORKER_RUNTIME', group: 'host', owner: 'host', kind: { type: 'string' }, default: 'node', sample: true, description: 'Always `node`.' },
  { name: 'AzureFunctionsWebHost__hostid', group: 'host', owner: 'host', kind: { type: 'string' }, default: '', sample: true, description: 'Host id (keys and blob receipts are kept under it).' },
  { name: 'MLOPS_HOST_PORT', group: 'host', owner: 'host', kind: { type: 'int', min: 0, max: 65535 }, default: '7071', sample: true, description: 'Port of the embedded host (`npm start`).' },
  { name: 'MLOPS_HOST_AUTH', group: 'host', owner: 'host', kind: { type: 'enum', values: ['on', 'off'] }, default: 'on', sample: true, description: '`off` disables key checks locally (as Core Tools does); keep `on` to behave like Azure.' },
  { name: 'AZURITE_BLOB_PORT', group: 'host', owner: 'host', kind: { type: 'int', min: 0, max: 65535 }, default: '10000', sample: true, description: 'Azurite blob port started by `npm start`.' },
  { name: 'AZURITE_QUEUE_PORT', group: 'host', owner: 'host', kind: { type: 'int', min: 0, max: 65535 }, default: '10001', sample: true, description: 'Azurite queue port.' },
  { name: 'AZURITE_TABLE_PORT', group: 'host', owner: 'host', kind: { type: 'int', min: 0, max: 65535 }, default: '10002', sample: true, description: 'Azurite table port.' },
  { name: 'MLOPS_LOCAL_DIR', group: 'host', owner: 'host', kind: { type: 'string' }, default: '.local', sample: true, description: 'Local state of `npm start` (Azurite data, pid files, logs).' },
  { name: 'MLOPS_HTTP_SMALL_BODY_BYTES', group: 'host', owner: 'host', kind: { type: 'int', min: 0 }, default: '8192', description: 'Body limit of GET/HEAD/DELETE/OPTIONS requests and anonymous routes (413 HOST_BODY_TOO_LARGE past it, checked while streaming); keyed routes keep FUNCTIONS_REQUEST_BODY_SIZE_LIMIT.' },
  { name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT', group: 'host', owner: 'host', kind: { type: 'int', min: 0 }, default: '104857600', description: 'Body limit of keyed routes (as the Functions host).' },
  { name: 'MLOPS_BLOB_SCAN_INTERVAL_MS', group: 'host', owner: 'host', kind: { type: 'int', min: 100 }, default: '2000', sample: true, description: 'How often the embedded host scans blob-trigger containers.' },
];

export const SETTING_NAMES = new Set(SETTINGS.map((s) => s.name));

export function settingDef(name: string): SettingDef {
  const d = SETTINGS.find((s) => s.name === name);
  if (!d) throw new Error(`unknown setting ${name}`);
  return d;
}

/** What a setting accepts, in words, for error messages and the settings reference. */
export function accepts(kind: SettingKind): string {
  switch (kind.type) {
    case 'int':
      return `an integer >= ${kind.min}${kind.max !== undefined ? ` and <= ${kind.max}` : ''}`;
    case 'number':
      return `a number >= ${kind.min}${kind.max !== undefined ? ` and <= ${kind.max}` : ''}`;
    case 'enum':
      return `one of ${kind.values.join(' | ')}`;
    case 'bool':
      return 'true | false (also 1/0, yes/no, on/off)';
    case 'string':
      return kind.hint ?? 'text';
    case 'url':
      return 'an https:// or http:// URL';
    case 'secret':
      return 'a connection string or key (never logged)';
  }
}
