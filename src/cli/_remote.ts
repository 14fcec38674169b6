/**
 * How CLI commands reach a running app: --url / MLOPS_URL (default: the local stack on
 * MLOPS_HOST_PORT or 7071) and a key from --key / MLOPS_KEY. For the local stack only, a missing key
 * is read where the host keeps it (azure-webjobs-secrets in the storage the stack uses): a local key
 * is never sent anywhere else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectionStringFor } from '../storage/devStorage';
import { computeHostId } from '../host/hostId';
import { MlopsClient } from '../client/api';
import { CommandFailed, OptionValues } from './_command';

/** The app's folder: the nearest package.json above this file (src/cli/ or dist/src/cli/). */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}

const ROOT = repoRoot();
const SECRETS = 'azure-webjobs-secrets';

/** Settings as `npm start` sees them: the environment wins over local.settings.json Values. */
export function settings(): Record<string, string | undefined> {
  let values: Record<string, string> = {};
  try {
    values = JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.json'), 'utf8')).Values ?? {};
  } catch {
    /* no local settings */
  }
  return { ...values, ...process.env };
}

export function isLocalUrl(url: string): boolean {
  return /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

export function baseUrl(opts: OptionValues): string {
  return ((opts.url as string | undefined) ?? process.env.MLOPS_URL ?? `http://127.0.0.1:${settings().MLOPS_HOST_PORT || 7071}`).replace(/\/+$/, '');
}

/** The storage the local stack uses (the same rule as `npm start`). */
export async function localStorageConnection(): Promise<string> {
  const s = settings();
  const conn = s.AzureWebJobsStorage;
  // Loaded here, not at the top: the storage SDKs take a while to load, and --help needs none of them.
  if (conn && !/UseDevelopmentStorage=true/i.test(conn)) return (await import('../storage/clients')).resolveConnectionString(conn);
  const port = (n: string, d: number) => Number(s[n] || d);
  return connectionStringFor(port('AZURITE_BLOB_PORT', 10000), port('AZURITE_QUEUE_PORT', 10001), port('AZURITE_TABLE_PORT', 10002));
}

export interface KeyDoc {
  name: string;
  value: string;
}
export interface HostSecretsDoc {
  masterKey: KeyDoc;
  functionKeys: KeyDoc[];
  systemKeys: KeyDoc[];
}

export function localHostId(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name?: string };
  return computeHostId(settings(), pkg.name);
}

async function readSecret<T>(blob: string): Promise<T | undefined> {
  try {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const client = BlobServiceClient.fromConnectionString(await localStorageConnection())
      .getContainerClient(SECRETS)
      .getBlobClient(blob);
    return JSON.parse((await client.downloadToBuffer()).toString('utf8')) as T;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new CommandFailed(
      'LOCAL_STACK_UNREACHABLE',
      `cannot read the local stack's keys (is it started with npm start?): ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

export async function readLocalHostSecrets(): Promise<{ hostId: string; secrets: HostSecretsDoc }> {
  const hostId = localHostId();
  const secrets = await readSecret<HostSecretsDoc>(`${hostId}/host.json`);
  if (!secrets) throw new CommandFailed('LOCAL_KEYS_NOT_FOUND', `no keys for host '${hostId}' in the local storage (start the stack once with npm start)`);
  return { hostId, secrets };
}

/** A function's own keys (the host creates them when it first loads the function). */
export async function readLocalFunctionKeys(fn: string): Promise<KeyDoc[]> {
  const doc = await readSecret<{ keys: KeyDoc[] }>(`${localHostId()}/${fn.toLowerCase()}.json`);
  return doc?.keys ?? [];
}

/**
 * Which local key a command uses when none is given: the host key (opens every function route), or
 * a function's own key (`score`, `scoreModel`: what a client is given).
 */
export type LocalKey = { kind: 'host' } | { kind: 'function'; name: string };

export async function client(opts: OptionValues, local: LocalKey = { kind: 'host' }): Promise<MlopsClient> {
  const url = baseUrl(opts);
  let key = (opts.key as string | undefined) ?? process.env.MLOPS_KEY;
  if (!key && isLocalUrl(url)) {
    try {
      if (local.kind === 'function') key = (await readLocalFunctionKeys(local.name)).find((k) => k.name === 'default')?.value;
      if (!key) key = (await readLocalHostSecrets()).secrets.functionKeys.find((k) => k.name === 'default')?.value;
    } catch {
      /* not reachable: the call goes without a key and gets a clear 401 */
    }
  }
  return new MlopsClient(url, key);
}

/**
 * The key of the Durable management API (/runtime/webhooks/durabletask): --system-key /
 * MLOPS_SYSTEM_KEY; for the local stack its `durabletask_extension` system key; else asked of the
 * host's key API with the --key given (works when it is the master key).
 */
export async function systemKey(opts: OptionValues, api: MlopsClient): Promise<string> {
  const given = (opts['system-key'] as string | undefined) ?? process.env.MLOPS_SYSTEM_KEY;
  if (given) return given;
  if (isLocalUrl(api.baseUrl)) {
    const k = await readLocalHostSecrets().then(
      ({ secrets }) => secrets.systemKeys?.find((x) => x.name === 'durabletask_extension')?.value,
      () => undefined,
    );
    if (k) return k;
  }
  if (api.key) {
    const r = await api.request('GET', '/admin/host/systemkeys');
    const k = (r.body as { keys?: KeyDoc[] } | undefined)?.keys?.find((x) => x.name === 'durabletask_extension');
    if (r.status === 200 && k) return k.value;
  }
  throw new CommandFailed(
    'SYSTEM_KEY_REQUIRED',
    'the Durable management API needs the durabletask_extension system key: pass --system-key or MLOPS_SYSTEM_KEY ' +
      '(Azure: az functionapp keys list -g RG -n APP --query systemKeys.durabletask_extension -o tsv), or --key with the master key',
  );
}
