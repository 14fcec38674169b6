import type { TokenCredential } from '@azure/core-auth';

/** The api-version the provider sends its job bodies at (a current GA version of the REST spec). */
export const AZUREML_API_VERSION = '2025-12-01';

/** Where the provider's Azure ML workspace is and how it runs jobs; read once from settings. */
export interface AzureMLSettings {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** Compute cluster name (AZUREML_COMPUTE); absent = serverless compute with `instanceType`. */
  compute?: string;
  /** VM size for serverless jobs (AZUREML_INSTANCE_TYPE). */
  instanceType: string;
  /** ARM base URL (AZUREML_ARM_ENDPOINT), default https://management.azure.com; the emulator's URL locally. */
  armEndpoint: string;
  /** Experiment the jobs are grouped under (AZUREML_EXPERIMENT). */
  experimentName: string;
  /** How the provider reads and writes the workspace's datastores: the app's identity, or the datastore's key (listSecrets). */
  datastoreAuth: 'identity' | 'key';
  /** Blob service URL of the workspace storage, when it is not https://{account}.blob.{endpoint} (the emulator's Azurite). */
  blobEndpoint?: string;
  /** limitSettings.maxConcurrentTrials (AZUREML_MAX_CONCURRENT_TRIALS). */
  maxConcurrentTrials: number;
  /** limitSettings.trialTimeout in seconds (AZUREML_TRIAL_TIMEOUT_SECONDS); default: the run's whole budget. */
  trialTimeoutSeconds?: number;
  enableVoteEnsemble: boolean;
  enableStackEnsemble: boolean;
  /** A job still running this long after its own limitSettings.timeout is canceled and reported TIMEOUT. */
  timeoutGraceSeconds: number;
  /** The credential: DefaultAzureCredential (managed identity in Azure), or a fixed token for the local emulator only. */
  credential: { kind: 'default' } | { kind: 'emulator'; token: string };
}

export interface AzureMLDeps {
  /** Overrides settings.credential (tests). */
  credential?: TokenCredential;
  /** Extra trusted CA (the emulator's self-signed certificate) for in-process clients. */
  ca?: string | Buffer;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const isLoopback = (url: string) => /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);

/** Validates AZUREML_* settings into AzureMLSettings; throws with the setting's name when one is wrong. */
export function readAzureMLSettings(env: NodeJS.ProcessEnv): AzureMLSettings {
  const req = (k: string) => {
    const v = env[k]?.trim();
    if (!v) throw new Error(`AZUREML_SETTINGS_INVALID: ${k} is required when AUTOML_PROVIDER=azureml`);
    return v;
  };
  const int = (k: string, dflt: number | undefined, min: number, max: number) => {
    const raw = env[k]?.trim();
    if (!raw) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`AZUREML_SETTINGS_INVALID: ${k} must be an integer in [${min}, ${max}], got ${raw}`);
    return n;
  };
  const bool = (k: string, dflt: boolean) => {
    const raw = env[k]?.trim().toLowerCase();
    if (!raw) return dflt;
    if (raw !== 'true' && raw !== 'false') throw new Error(`AZUREML_SETTINGS_INVALID: ${k} must be true or false`);
    return raw === 'true';
  };
  const armEndpoint = (env.AZUREML_ARM_ENDPOINT?.trim() || 'https://management.azure.com').replace(/\/+$/, '');
  if (!/^https:\/\//i.test(armEndpoint))
    throw new Error('AZUREML_SETTINGS_INVALID: AZUREML_ARM_ENDPOINT must be an https URL (the SDK sends tokens over TLS only)');
  const auth = (env.AZUREML_DATASTORE_AUTH?.trim().toLowerCase() || 'identity') as AzureMLSettings['datastoreAuth'];
  if (auth !== 'identity' && auth !== 'key') throw new Error('AZUREML_SETTINGS_INVALID: AZUREML_DATASTORE_AUTH must be identity or key');
  const token = env.AZUREML_EMULATOR_TOKEN?.trim();
  // A fixed token is for the local emulator only: refuse it for anything but a loopback endpoint.
  if (token && !isLoopback(armEndpoint))
    throw new Error('AZUREML_SETTINGS_INVALID: AZUREML_EMULATOR_TOKEN is only accepted with a loopback AZUREML_ARM_ENDPOINT');
  return {
    subscriptionId: req('AZUREML_SUBSCRIPTION_ID'),
    resourceGroup: req('AZUREML_RESOURCE_GROUP'),
    workspace: req('AZUREML_WORKSPACE'),
    compute: env.AZUREML_COMPUTE?.trim() || undefined,
    instanceType: env.AZUREML_INSTANCE_TYPE?.trim() || 'Standard_DS3_v2',
    armEndpoint,
    experimentName: env.AZUREML_EXPERIMENT?.trim() || 'mlops-automl',
    datastoreAuth: auth,
    blobEndpoint: env.AZUREML_DATASTORE_BLOB_ENDPOINT?.trim().replace(/\/+$/, '') || undefined,
    maxConcurrentTrials: int('AZUREML_MAX_CONCURRENT_TRIALS', 4, 1, 256)!,
    trialTimeoutSeconds: int('AZUREML_TRIAL_TIMEOUT_SECONDS', undefined, 60, 7 * 86400),
    enableVoteEnsemble: bool('AZUREML_VOTE_ENSEMBLE', true),
    enableStackEnsemble: bool('AZUREML_STACK_ENSEMBLE', true),
    timeoutGraceSeconds: int('AZUREML_TIMEOUT_GRACE_SECONDS', 900, 0, 86400)!,
    credential: token ? { kind: 'emulator', token } : { kind: 'default' },
  };
}
