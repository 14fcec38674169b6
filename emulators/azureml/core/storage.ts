/** The storage account behind the workspace's default datastore, parsed from a connection string. */
export interface StorageAccount {
  accountName: string;
  accountKey: string;
  /** The blob service URL (Azurite's http://127.0.0.1:port/account, or https://account.blob.core.windows.net). */
  blobEndpoint: string;
}

export function parseConnectionString(conn: string): StorageAccount {
  const parts = Object.fromEntries(
    conn
      .split(';')
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf('=');
        return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
      }),
  );
  const accountName = parts.AccountName;
  if (!accountName || !parts.AccountKey) throw new Error('the storage connection string needs AccountName and AccountKey');
  const blobEndpoint = (
    parts.BlobEndpoint ?? `${parts.DefaultEndpointsProtocol ?? 'https'}://${accountName}.blob.${parts.EndpointSuffix ?? 'core.windows.net'}`
  ).replace(/\/$/, '');
  return { accountName, accountKey: parts.AccountKey, blobEndpoint };
}
