import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY } from '../host/azurite';

/** Expands `UseDevelopmentStorage=true` to Azurite's default endpoints, as the Azure SDKs do for blobs. */
export function resolveConnectionString(conn: string): string {
  if (/^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(conn)) {
    return (
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=http://127.0.0.1:10000/${DEV_ACCOUNT};QueueEndpoint=http://127.0.0.1:10001/${DEV_ACCOUNT};` +
      `TableEndpoint=http://127.0.0.1:10002/${DEV_ACCOUNT};`
    );
  }
  return conn;
}

/** The storage connection string the app uses (AzureWebJobsStorage). */
export function appStorageConnection(env: NodeJS.ProcessEnv = process.env): string {
  const conn = env.AzureWebJobsStorage;
  if (!conn) throw new Error('AzureWebJobsStorage is not set');
  return resolveConnectionString(conn);
}

export function tableClient(conn: string, table: string): TableClient {
  const resolved = resolveConnectionString(conn);
  return TableClient.fromConnectionString(resolved, table, {
    allowInsecureConnection: /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(resolved),
  });
}

export function containerClient(conn: string, container: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(resolveConnectionString(conn)).getContainerClient(container);
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
