/**
 * A storage account from a Functions-style connection setting:
 * - a connection string in `{SETTING}` (Azurite locally, `UseDevelopmentStorage=true` included), or
 * - an identity-based connection, as Azure Functions defines it: `{SETTING}__accountName` (or
 *   `{SETTING}__blobServiceUri` + `{SETTING}__tableServiceUri`), with `{SETTING}__credential=managedidentity`
 *   and optional `{SETTING}__clientId` (a user-assigned identity); otherwise DefaultAzureCredential.
 * infra/ deploys the second form (no keys), so both must work.
 */
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { connectionStringFor, isDevelopmentStorage } from './devStorage';

export interface StorageAccount {
  blobService: BlobServiceClient;
  table(name: string): TableClient;
  /**
   * True when requests are signed with the account key: then an async server-side copy can read a
   * source blob of the same account. With Entra ID tokens it cannot (the SDK's beginCopyFromURL has no
   * source authorization), so callers copy with a second streaming read instead.
   */
  sharedKey: boolean;
}

export class StorageSettingsError extends Error {
  readonly code = 'STORAGE_NOT_CONFIGURED';
  constructor(message: string) {
    super(message);
    this.name = 'StorageSettingsError';
  }
}

/** Expands `UseDevelopmentStorage=true` to Azurite's default endpoints, as the Azure SDKs do for blobs. */
export function resolveConnectionString(conn: string): string {
  if (isDevelopmentStorage(conn)) return connectionStringFor(10000, 10001, 10002);
  return conn.trim();
}

export function tableClientFromConnectionString(conn: string, table: string): TableClient {
  const resolved = resolveConnectionString(conn);
  return TableClient.fromConnectionString(resolved, table, {
    allowInsecureConnection: /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(resolved),
  });
}

export function accountFromConnectionString(conn: string): StorageAccount {
  const resolved = resolveConnectionString(conn);
  return {
    blobService: BlobServiceClient.fromConnectionString(resolved),
    table: (name) => tableClientFromConnectionString(resolved, name),
    // A SAS-only connection string also signs nothing with the key; treat it like a token.
    sharedKey: /AccountKey=/i.test(resolved),
  };
}

/** True when `{setting}` is configured, as a connection string or identity-based. */
export function hasStorageSetting(env: NodeJS.ProcessEnv, setting: string): boolean {
  return Boolean(
    env[setting]?.trim() || env[`ConnectionStrings:${setting}`]?.trim() || env[`${setting}__accountName`]?.trim() || env[`${setting}__blobServiceUri`]?.trim(),
  );
}

export function accountFromEnv(env: NodeJS.ProcessEnv, setting = 'AzureWebJobsStorage'): StorageAccount {
  const conn = env[setting]?.trim() || env[`ConnectionStrings:${setting}`]?.trim();
  if (conn) return accountFromConnectionString(conn);
  const account = env[`${setting}__accountName`]?.trim();
  const blobUri = env[`${setting}__blobServiceUri`]?.trim() || (account ? `https://${account}.blob.core.windows.net` : undefined);
  const tableUri = env[`${setting}__tableServiceUri`]?.trim() || (account ? `https://${account}.table.core.windows.net` : undefined);
  if (!blobUri || !tableUri) {
    throw new StorageSettingsError(
      `storage connection "${setting}" is not configured: set ${setting} (a connection string) or ${setting}__accountName ` +
        `(or ${setting}__blobServiceUri and ${setting}__tableServiceUri) for an identity-based connection`,
    );
  }
  const clientId = env[`${setting}__clientId`]?.trim();
  const credential: TokenCredential =
    env[`${setting}__credential`]?.trim().toLowerCase() === 'managedidentity'
      ? clientId
        ? new ManagedIdentityCredential({ clientId })
        : new ManagedIdentityCredential()
      : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
  return {
    blobService: new BlobServiceClient(blobUri, credential),
    table: (name) => new TableClient(tableUri, name, credential),
    sharedKey: false,
  };
}
