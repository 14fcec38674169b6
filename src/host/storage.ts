/** The host's storage account (AzureWebJobsStorage): connection string handling and clients. */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { connectionStringFor } from './azurite';
import { HostError } from './coreApi';

/** Expands `UseDevelopmentStorage=true` to the explicit Azurite default endpoints. */
export function resolveConnectionString(conn: string | undefined): string {
  if (!conn || !conn.trim()) {
    throw new HostError('HOST_NO_STORAGE', 'AzureWebJobsStorage is not set (local.settings.json Values or environment).');
  }
  if (/^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(conn)) return connectionStringFor(10000, 10001, 10002);
  return conn.trim();
}

export function isDevelopmentStorage(conn: string | undefined): boolean {
  return !!conn && /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(conn);
}

export interface StorageClients {
  connectionString: string;
  blobs: BlobServiceClient;
  queues: QueueServiceClient;
}

export function storageClients(connectionString: string): StorageClients {
  try {
    return {
      connectionString,
      blobs: BlobServiceClient.fromConnectionString(connectionString),
      queues: QueueServiceClient.fromConnectionString(connectionString),
    };
  } catch (err) {
    throw new HostError('HOST_BAD_STORAGE', `AzureWebJobsStorage is not a usable connection string: ${(err as Error).message}`);
  }
}

/** Status code of an Azure SDK RestError (or undefined). */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}
