import type { TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import {
  accountFromConnectionString,
  accountFromEnv,
  hasStorageSetting,
  resolveConnectionString,
  StorageAccount,
  tableClientFromConnectionString,
} from './account';

export { resolveConnectionString };

/**
 * How the app's stores name their storage: a connection string, or `identity:{SETTING}` for an
 * identity-based connection read from `{SETTING}__accountName` / `__credential` / `__clientId` (what
 * infra/ deploys). Child processes that inherit the environment can use the same value.
 */
const IDENTITY = 'identity:';

/** The app's storage (AzureWebJobsStorage): its connection string, or `identity:AzureWebJobsStorage`. */
export function appStorageConnection(env: NodeJS.ProcessEnv = process.env): string {
  const conn = env.AzureWebJobsStorage?.trim();
  if (conn) return resolveConnectionString(conn);
  if (hasStorageSetting(env, 'AzureWebJobsStorage')) return `${IDENTITY}AzureWebJobsStorage`;
  throw new Error('AzureWebJobsStorage is not set (a connection string, or AzureWebJobsStorage__accountName for an identity-based connection)');
}

/** The storage account a connection value names (see appStorageConnection). */
export function storageAccount(conn: string, env: NodeJS.ProcessEnv = process.env): StorageAccount {
  return conn.startsWith(IDENTITY) ? accountFromEnv(env, conn.slice(IDENTITY.length)) : accountFromConnectionString(conn);
}

export function tableClient(conn: string, table: string): TableClient {
  return conn.startsWith(IDENTITY) ? storageAccount(conn).table(table) : tableClientFromConnectionString(conn, table);
}

export function containerClient(conn: string, container: string): ContainerClient {
  return storageAccount(conn).blobService.getContainerClient(container);
}

const ensured = new Set<string>();

/** createTable/createIfNotExists once per process and name. */
export async function ensureTable(client: TableClient): Promise<TableClient> {
  const key = `${client.url}|${client.tableName}`;
  if (!ensured.has(key)) {
    try {
      await client.createTable();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    ensured.add(key);
  }
  return client;
}

export async function ensureContainer(client: ContainerClient): Promise<ContainerClient> {
  const key = client.url;
  if (!ensured.has(key)) {
    await client.createIfNotExists();
    ensured.add(key);
  }
  return client;
}

export function isConflict(err: unknown): boolean {
  const code = (err as { statusCode?: number }).statusCode;
  return code === 409 || code === 412;
}

/** Table row keys that sort by version: v000001, v000002, ... */
export function versionRowKey(version: number): string {
  return `v${String(version).padStart(6, '0')}`;
}
