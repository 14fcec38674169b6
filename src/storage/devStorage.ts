/**
 * Development storage (Azurite): the well-known account (public, documented by Microsoft; not a
 * secret) and the connection string of an Azurite on given ports. `UseDevelopmentStorage=true` means
 * the default ports 10000-10002.
 */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function connectionStringFor(blobPort: number, queuePort: number, tablePort: number, host = '127.0.0.1'): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=http://${host}:${blobPort}/${DEV_ACCOUNT};` +
    `QueueEndpoint=http://${host}:${queuePort}/${DEV_ACCOUNT};` +
    `TableEndpoint=http://${host}:${tablePort}/${DEV_ACCOUNT};`
  );
}

export function isDevelopmentStorage(conn: string | undefined): boolean {
  return /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(conn ?? '');
}
