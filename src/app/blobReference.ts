/**
 * The app side of a blob trigger by reference (`app.storageBlob(name, { ..., sdkBinding: true })`):
 * the host sends ModelBindingData (source AzureStorageBlobs) instead of the bytes, and the library
 * turns it into the handler's argument through the resource factory registered for that source. This
 * registers one returning the reference itself, for apps that read the blob with their own clients
 * (no @azure/functions-extensions-blob needed). Works in the embedded host and in Azure alike; an
 * already registered factory (that package's) is left in place.
 */
import { ResourceFactoryResolver } from '@azure/functions-extensions-base';

export const BLOB_REFERENCE_SOURCE = 'AzureStorageBlobs';

export interface BlobReference {
  /** Name of the connection setting (never its value). */
  connection: string;
  containerName: string;
  blobName: string;
}

export function registerBlobReferenceFactory(): void {
  const resolver = ResourceFactoryResolver.getInstance();
  if (resolver.hasResourceFactory(BLOB_REFERENCE_SOURCE)) return;
  resolver.registerResourceFactory(BLOB_REFERENCE_SOURCE, (data) => {
    const one = Array.isArray(data) ? data[0] : data;
    const text = Buffer.from(one?.content ?? []).toString('utf8');
    const parsed = JSON.parse(text) as { Connection?: unknown; ContainerName?: unknown; BlobName?: unknown };
    if (typeof parsed.ContainerName !== 'string' || typeof parsed.BlobName !== 'string') {
      throw new Error('the blob reference has no ContainerName/BlobName');
    }
    const ref: BlobReference = {
      connection: typeof parsed.Connection === 'string' ? parsed.Connection : 'AzureWebJobsStorage',
      containerName: parsed.ContainerName,
      blobName: parsed.BlobName,
    };
    return ref;
  });
}
