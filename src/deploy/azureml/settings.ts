/**
 * Settings of the Azure ML deployment target, as one typed value. The composition root builds it
 * (from the environment with `azureMLTargetSettingsFromEnv`, or from its own configuration); nothing
 * else in this folder reads the environment.
 */
import type { TokenCredential } from '@azure/core-auth';
import { DeployError } from '../target';

export interface AzureMLTargetSettings {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  /** VM size of each deployment (AZUREML_INSTANCE_TYPE), e.g. Standard_DS3_v2. */
  instanceType: string;
  /** Instances per deployment (AZUREML_INSTANCE_COUNT), the deployment's sku capacity. */
  instanceCount: number;
  /** Share of live traffic (percent, 1-99) the challenger gets during a canary; 0 = no canary stage. */
  canarySharePercent: number;
  canaryDurationMs: number;
  /** Share of traffic (percent, 0-50) mirrored to the challenger during the canary instead of live traffic. */
  mirrorSharePercent: number;
  /** The canary's verdict: fewest challenger answers, error-rate slack, latency rule (p95 x factor + slack). */
  canaryRule?: { minRequests: number; errorRateTolerance: number; latencyFactor: number; latencySlackMs: number };
  /** How long an old deployment keeps running after traffic moved away, before it is deleted. */
  drainMs: number;
  /** Delay between polls of a long-running operation when the service sends no Retry-After. */
  lroPollMs: number;
  /** Resource Manager base URL (AZUREML_ARM_ENDPOINT); an emulator's https URL in tests. */
  armEndpoint: string;
  /** OAuth scope for Resource Manager tokens. */
  armScope: string;
  /** Datastore that receives model files registered from the project's registry. */
  datastore: string;
  /** How to write to it: the credential (identity, the default) or the key from listSecrets (the emulator, key-based datastores). */
  datastoreAuth: 'identity' | 'key';
  /** Blob endpoint override (the emulator's storage); default from the datastore's account and suffix. */
  datastoreBlobEndpoint?: string;
  /** Token source for Resource Manager (and the datastore upload). */
  credential: TokenCredential;
}

export const AZUREML_DEFAULTS = {
  instanceType: 'Standard_DS3_v2',
  instanceCount: 1,
  canarySharePercent: 10,
  canaryDurationMs: 5 * 60_000,
  mirrorSharePercent: 0,
  canaryRule: { minRequests: 20, errorRateTolerance: 0.01, latencyFactor: 1.5, latencySlackMs: 20 },
  drainMs: 30_000,
  lroPollMs: 2_000,
  armEndpoint: 'https://management.azure.com',
  armScope: 'https://management.azure.com/.default',
  datastore: 'workspaceblobstore',
  datastoreAuth: 'identity',
} as const;

const bad = (setting: string, why: string) => new DeployError(400, 'INVALID_SETTING', `${setting} ${why}`);

function int(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw bad(name, `must be an integer from ${min} to ${max} (got '${raw}')`);
  return v;
}

function num(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw bad(name, `must be a number from ${min} to ${max} (got '${raw}')`);
  return v;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw bad(name, 'is required when DEPLOY_TARGET=azureml');
  return v;
}

/** Checks a settings object built elsewhere (ranges, URL scheme). Returns it unchanged. */
export function checkAzureMLTargetSettings(s: AzureMLTargetSettings): AzureMLTargetSettings {
  for (const k of ['subscriptionId', 'resourceGroup', 'workspace', 'instanceType'] as const) {
    if (typeof s[k] !== 'string' || !s[k]) throw bad(k, 'is required');
  }
  if (!Number.isInteger(s.instanceCount) || s.instanceCount < 1) throw bad('instanceCount', 'must be a positive integer');
  if (!(s.canarySharePercent >= 0 && s.canarySharePercent < 100)) throw bad('canarySharePercent', 'must be from 0 to 99');
  if (!(s.mirrorSharePercent >= 0 && s.mirrorSharePercent <= 50)) throw bad('mirrorSharePercent', 'must be from 0 to 50 (Azure ML mirrors at most 50 %)');
  if (!(s.lroPollMs > 0)) throw bad('lroPollMs', 'must be positive');
  // The SDK's bearer-token policy refuses plain http, so say it here rather than on the first call.
  if (!/^https:\/\//i.test(s.armEndpoint)) throw bad('armEndpoint', 'must be an https URL');
  if (!s.credential || typeof s.credential.getToken !== 'function') throw bad('credential', 'must be a TokenCredential');
  if (s.datastoreAuth !== 'identity' && s.datastoreAuth !== 'key') throw bad('datastoreAuth', "must be 'identity' or 'key'");
  return s;
}

/**
 * Reads AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP, AZUREML_WORKSPACE, AZUREML_INSTANCE_TYPE
 * (AZUREML_ENDPOINT_INSTANCE_TYPE wins: the AutoML provider reads AZUREML_INSTANCE_TYPE for its jobs),
 * AZUREML_INSTANCE_COUNT, AZUREML_CANARY_PERCENT, AZUREML_CANARY_SECONDS, AZUREML_MIRROR_PERCENT, the
 * canary's rule (AZUREML_CANARY_MIN_REQUESTS, _ERROR_TOLERANCE, _LATENCY_FACTOR, _LATENCY_SLACK_MS),
 * AZUREML_DRAIN_SECONDS, AZUREML_LRO_POLL_MS, AZUREML_ARM_ENDPOINT, AZUREML_ARM_SCOPE, AZUREML_DATASTORE,
 * AZUREML_DATASTORE_AUTH and AZUREML_DATASTORE_BLOB_ENDPOINT (the same two the AutoML provider reads).
 */
export function azureMLTargetSettingsFromEnv(env: Record<string, string | undefined>, credential: TokenCredential): AzureMLTargetSettings {
  return checkAzureMLTargetSettings({
    subscriptionId: required(env, 'AZUREML_SUBSCRIPTION_ID'),
    resourceGroup: required(env, 'AZUREML_RESOURCE_GROUP'),
    workspace: required(env, 'AZUREML_WORKSPACE'),
    instanceType: env.AZUREML_ENDPOINT_INSTANCE_TYPE?.trim() || env.AZUREML_INSTANCE_TYPE?.trim() || AZUREML_DEFAULTS.instanceType,
    instanceCount: int(env, 'AZUREML_INSTANCE_COUNT', AZUREML_DEFAULTS.instanceCount, 1, 100),
    canarySharePercent: int(env, 'AZUREML_CANARY_PERCENT', AZUREML_DEFAULTS.canarySharePercent, 0, 99),
    canaryDurationMs: int(env, 'AZUREML_CANARY_SECONDS', AZUREML_DEFAULTS.canaryDurationMs / 1000, 0, 86_400) * 1000,
    mirrorSharePercent: int(env, 'AZUREML_MIRROR_PERCENT', AZUREML_DEFAULTS.mirrorSharePercent, 0, 50),
    canaryRule: {
      minRequests: int(env, 'AZUREML_CANARY_MIN_REQUESTS', AZUREML_DEFAULTS.canaryRule.minRequests, 1, 1_000_000),
      errorRateTolerance: num(env, 'AZUREML_CANARY_ERROR_TOLERANCE', AZUREML_DEFAULTS.canaryRule.errorRateTolerance, 0, 1),
      latencyFactor: num(env, 'AZUREML_CANARY_LATENCY_FACTOR', AZUREML_DEFAULTS.canaryRule.latencyFactor, 1, 100),
      latencySlackMs: int(env, 'AZUREML_CANARY_LATENCY_SLACK_MS', AZUREML_DEFAULTS.canaryRule.latencySlackMs, 0, 600_000),
    },
    drainMs: int(env, 'AZUREML_DRAIN_SECONDS', AZUREML_DEFAULTS.drainMs / 1000, 0, 3_600) * 1000,
    lroPollMs: int(env, 'AZUREML_LRO_POLL_MS', AZUREML_DEFAULTS.lroPollMs, 1, 600_000),
    armEndpoint: (env.AZUREML_ARM_ENDPOINT?.trim() || AZUREML_DEFAULTS.armEndpoint).replace(/\/+$/, ''),
    armScope: env.AZUREML_ARM_SCOPE?.trim() || AZUREML_DEFAULTS.armScope,
    datastore: env.AZUREML_DATASTORE?.trim() || AZUREML_DEFAULTS.datastore,
    datastoreAuth: (env.AZUREML_DATASTORE_AUTH?.trim().toLowerCase() || AZUREML_DEFAULTS.datastoreAuth) as AzureMLTargetSettings['datastoreAuth'],
    datastoreBlobEndpoint: env.AZUREML_DATASTORE_BLOB_ENDPOINT?.trim().replace(/\/+$/, '') || undefined,
    credential,
  });
}
