import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { AzureMLClient } from './client';

/**
 * A workspace datastore as a blob container: its account and container from datastores.get, the app's
 * identity (or the datastore's key from listSecrets when settings say so), and the blob endpoint the
 * datastore names (or the override for the local emulator's storage).
 */
export async function datastoreContainer(client: AzureMLClient, name: string): Promise<{ container: ContainerClient; containerName: string }> {
  const s = client.settings;
  const ds = await client.sdk.datastores.get(s.resourceGroup, s.workspace, name);
  const p = ds.properties as { accountName?: string; containerName?: string; endpoint?: string; protocol?: string };
  if (!p.accountName || !p.containerName) throw new Error(`datastore ${name} is not a blob datastore`);
  const url = s.blobEndpoint ?? `${p.protocol ?? 'https'}://${p.accountName}.blob.${p.endpoint ?? 'core.windows.net'}`;
  let svc: BlobServiceClient;
  if (s.datastoreAuth === 'key') {
    const secrets = (await client.sdk.datastores.listSecrets(s.resourceGroup, s.workspace, name)) as { key?: string };
    if (!secrets.key) throw new Error(`datastore ${name} returned no account key`);
    svc = new BlobServiceClient(url, new StorageSharedKeyCredential(p.accountName, secrets.key));
  } else {
    svc = new BlobServiceClient(url, client.credential);
  }
  return { container: svc.getContainerClient(p.containerName), containerName: p.containerName };
}
