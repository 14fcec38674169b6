/**
 * The storage of the target stack, for the commands that touch blobs directly (upload, artifacts):
 * --account-url https://ACCOUNT.blob.core.windows.net signs in with DefaultAzureCredential (az login,
 * a managed identity, AZURE_* environment); --connection-string / AZURE_STORAGE_CONNECTION_STRING
 * names any account; otherwise the local stack's storage, and only when the target stack is local:
 * a remote --url never falls back to local storage.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { OptionSpec, OptionValues, UsageError } from './_command';
import { baseUrl, isLocalUrl, localStorageConnection } from './_remote';

export const STORAGE_OPTIONS: OptionSpec[] = [
  {
    name: 'account-url',
    kind: 'string',
    value: 'URL',
    help: "blob endpoint of the stack's storage account, e.g. https://ACCOUNT.blob.core.windows.net (signs in with DefaultAzureCredential: az login, managed identity)",
  },
  { name: 'connection-string', kind: 'string', value: 'CONN', help: 'a storage connection string instead (default AZURE_STORAGE_CONNECTION_STRING)' },
];

export interface StorageTarget {
  service: BlobServiceClient;
  description: string;
}

export async function storageFor(opts: OptionValues): Promise<StorageTarget> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const accountUrl = opts['account-url'] as string | undefined;
  const conn = (opts['connection-string'] as string | undefined) ?? process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (accountUrl) {
    let u: URL;
    try {
      u = new URL(accountUrl);
    } catch {
      throw new UsageError(`--account-url is not a URL: ${accountUrl}`);
    }
    if (u.protocol !== 'https:') throw new UsageError('--account-url must be https:// (tokens are never sent in clear)');
    const { DefaultAzureCredential } = await import('@azure/identity');
    return { service: new BlobServiceClient(u.origin + u.pathname.replace(/\/+$/, ''), new DefaultAzureCredential()), description: u.host };
  }
  if (conn) {
    try {
      const service = BlobServiceClient.fromConnectionString(conn);
      return { service, description: new URL(service.url).host };
    } catch (err) {
      throw new UsageError(`the storage connection string is not valid: ${(err as Error).message}`);
    }
  }
  const url = baseUrl(opts);
  if (!isLocalUrl(url)) {
    throw new UsageError(
      `${url} is not the local stack: say which storage account it uses with --account-url https://ACCOUNT.blob.core.windows.net ` +
        '(az login first) or --connection-string',
    );
  }
  return { service: BlobServiceClient.fromConnectionString(await localStorageConnection()), description: "the local stack's storage" };
}

/** Turns the SDK's sign-in and authorization failures into one clear line. */
export function storageErrorMessage(err: unknown): string {
  const e = err as { name?: string; statusCode?: number; code?: string; message?: string };
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError') {
    return 'cannot sign in to Azure (DefaultAzureCredential): run az login, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET';
  }
  if (e.statusCode === 403) return `access denied by the storage account (${e.code ?? 403}): the identity needs the Storage Blob Data Contributor role`;
  if (e.code === 'ECONNREFUSED') return 'the storage is not reachable (is the local stack started? npm start)';
  return (e.message ?? String(err)).split('\n')[0];
}
