/**
 * Engine settings from host.json `extensions.durableTask` (as the extension reads them), overridable by
 * app settings `AzureFunctionsJobHost__extensions__durableTask__...` as in Azure, plus engine-only
 * setting DURABLE_RPC_PORT (default 17071, 0 = a free port). Test seams (crash points) are not
 * settings: tests install them (see hooks.ts).
 */
import { DurableStoreError, validateHubName } from './store';
import { DEFAULT_ENGINE_OPTIONS, EngineOptions } from './engineOptions';

export interface DurableSettings extends EngineOptions {
  rpcPort: number;
  connectionName: string;
}

type Settings = Readonly<Record<string, string | undefined>>;

function timeSpanSeconds(v: unknown, fallback: number): number {
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v !== 'string') return fallback;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return fallback;
  const [, d, h, mi, s, frac] = m;
  const total = ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(s) + (frac ? Number(`0.${frac}`) : 0);
  return total > 0 ? total : fallback;
}

function intValue(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** host.json value at `path` under extensions.durableTask, or its app-setting override. */
function pick(hostJson: Record<string, any>, settings: Settings, path: string[]): unknown {
  const envKey = ['AzureFunctionsJobHost', 'extensions', 'durableTask', ...path].join('__');
  const fromEnv = Object.entries(settings).find(([k]) => k.toLowerCase() === envKey.toLowerCase())?.[1];
  if (fromEnv !== undefined) return fromEnv;
  let cur: any = hostJson?.extensions?.durableTask;
  for (const p of path) cur = cur?.[p];
  return cur;
}

/** `%Name%` in hubName means the app setting Name, as in the extension. */
function resolveAppSetting(value: string, settings: Settings): string {
  const m = /^%(.+)%$/.exec(value);
  if (!m) return value;
  const v = settings[m[1]];
  if (!v) throw new DurableStoreError('DURABLE_BAD_HUB_NAME', `hubName refers to app setting ${m[1]}, which is not set.`);
  return v;
}

export function readDurableSettings(hostJson: Record<string, any>, settings: Settings, overrides: Partial<DurableSettings> = {}): DurableSettings {
  const hubRaw = pick(hostJson, settings, ['hubName']);
  const hubName = validateHubName(resolveAppSetting(typeof hubRaw === 'string' && hubRaw ? hubRaw : 'TestHubName', settings));
  const rpcRaw = settings.DURABLE_RPC_PORT;
  const rpcPort = rpcRaw !== undefined && /^\d+$/.test(rpcRaw) ? Number(rpcRaw) : 17071;
  return {
    ...DEFAULT_ENGINE_OPTIONS,
    hubName,
    rpcPort,
    connectionName: 'Storage',
    maxConcurrentActivities: intValue(pick(hostJson, settings, ['maxConcurrentActivityFunctions']), DEFAULT_ENGINE_OPTIONS.maxConcurrentActivities),
    maxConcurrentOrchestrations: intValue(pick(hostJson, settings, ['maxConcurrentOrchestratorFunctions']), DEFAULT_ENGINE_OPTIONS.maxConcurrentOrchestrations),
    controlVisibilitySec: timeSpanSeconds(
      pick(hostJson, settings, ['storageProvider', 'controlQueueVisibilityTimeout']),
      DEFAULT_ENGINE_OPTIONS.controlVisibilitySec,
    ),
    workItemVisibilitySec: timeSpanSeconds(
      pick(hostJson, settings, ['storageProvider', 'workItemQueueVisibilityTimeout']),
      DEFAULT_ENGINE_OPTIONS.workItemVisibilitySec,
    ),
    maxPollingIntervalMs:
      timeSpanSeconds(pick(hostJson, settings, ['storageProvider', 'maxQueuePollingInterval']), DEFAULT_ENGINE_OPTIONS.maxPollingIntervalMs / 1000) * 1000,
    ...overrides,
  };
}
