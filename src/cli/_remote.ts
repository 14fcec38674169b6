/**
 * How CLI commands reach a running app: --url / MLOPS_URL (default http://127.0.0.1:7071) and a
 * function key from --key / MLOPS_KEY, or, for the local stack, read where the host keeps it
 * (azure-webjobs-secrets in the storage local.settings.json points at).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { connectionStringFor } from '../storage/devStorage';
import { computeHostId } from '../host/hostId';
import { MlopsClient } from '../client/api';
import { resolveConnectionString } from '../storage/clients';
import type { OptionSpec } from './_args';

export const REMOTE_SPECS: OptionSpec[] = [
  { name: 'url', kind: 'string', help: 'app base URL (default MLOPS_URL or http://127.0.0.1:7071)' },
  { name: 'key', kind: 'string', help: 'function key (default MLOPS_KEY, else read from the local stack)' },
];

const ROOT = path.resolve(__dirname, '..', '..', '..');

function settings(): Record<string, string | undefined> {
  let values: Record<string, string> = {};
  try {
    values = JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.json'), 'utf8')).Values ?? {};
  } catch {
    /* no local settings */
  }
  return { ...values, ...process.env };
}

/** The storage the local stack uses (the same rule as `npm start`). */
export function localStorageConnection(): string {
  const s = settings();
  const conn = s.AzureWebJobsStorage;
  if (conn && !/UseDevelopmentStorage=true/i.test(conn)) return resolveConnectionString(conn);
  const port = (n: string, d: number) => Number(s[n] || d);
  return connectionStringFor(port('AZURITE_BLOB_PORT', 10000), port('AZURITE_QUEUE_PORT', 10001), port('AZURITE_TABLE_PORT', 10002));
}

export interface HostSecretsDoc {
  masterKey: { value: string };
  functionKeys: { name: string; value: string }[];
  systemKeys: { name: string; value: string }[];
}

export async function readLocalHostSecrets(): Promise<{ hostId: string; secrets: HostSecretsDoc }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name?: string };
  const hostId = computeHostId(settings(), pkg.name);
  const blob = BlobServiceClient.fromConnectionString(localStorageConnection())
    .getContainerClient('azure-webjobs-secrets')
    .getBlobClient(`${hostId}/host.json`);
  const secrets = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as HostSecretsDoc;
  return { hostId, secrets };
}

export async function client(opts: Record<string, unknown>): Promise<MlopsClient> {
  const url = (opts.url as string) ?? process.env.MLOPS_URL ?? `http://127.0.0.1:${settings().MLOPS_HOST_PORT ?? 7071}`;
  let key: string | undefined = (opts.key as string | undefined) ?? process.env.MLOPS_KEY;
  // The local stack's key is only ever sent to the local stack.
  if (!key && /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/i.test(url)) {
    try {
      key = (await readLocalHostSecrets()).secrets.functionKeys.find((k) => k.name === 'default')?.value;
    } catch {
      /* not the local stack: calls go without a key and get a clear 401 */
    }
  }
  return new MlopsClient(url, key);
}
