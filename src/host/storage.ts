/** The host's storage account (AzureWebJobsStorage): connection string handling and clients. */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { resolveConnectionString as resolveStorageConnection } from '../storage/account';
import { isDevelopmentStorage } from '../storage/devStorage';
import { HostError } from './coreApi';

export { isDevelopmentStorage };

/** The host's storage connection string: required; `UseDevelopmentStorage=true` expanded (one rule, src/storage). */
export function resolveConnectionString(conn: string | undefined): string {
  if (!conn || !conn.trim()) {
    throw new HostError('HOST_NO_STORAGE', 'AzureWebJobsStorage is not set (local.settings.json Values or environment).');
  }
  return resolveStorageConnection(conn);
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
