/**
 * Writing a version's immutable snapshot (data.csv, profile.json, schema.json) and proving it holds
 * what registration read. Writes never overwrite (If-None-Match: *); a target that exists already is
 * accepted only when it is byte-identical (an earlier attempt of the same claim wrote it), and a copied
 * or uploaded data.csv is read back and checked for size and sha256. Anything else is a
 * SnapshotConflictError: some other writer owns the path, and the version must not point at it.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';

/** uploadStream buffers: 4 MiB blocks, 2 in flight. Bounded memory whatever the file size. */
export const BLOCK = 4 * 1024 * 1024;
export const IN_FLIGHT = 2;

export interface Expected {
  bytes: number;
  sha256: string;
}

export class SnapshotConflictError extends Error {
  readonly code = 'SNAPSHOT_CONFLICT';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnapshotConflictError';
  }
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/** Size and sha256 of a blob, read as a stream (memory independent of its size). */
export async function digestBlob(blob: BlockBlobClient): Promise<Expected> {
  const dl = await blob.download(0);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of dl.readableStreamBody as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Throws SnapshotConflictError unless `blob` holds exactly `expected`. */
export async function verifyBlob(blob: BlockBlobClient, path: string, expected: Expected, what: string): Promise<void> {
  const props = await blob.getProperties();
  if ((props.contentLength ?? -1) !== expected.bytes) {
    throw new SnapshotConflictError(
      path,
      `${what} ${path} holds ${props.contentLength} bytes, not the ${expected.bytes} registered: it was not written by this registration`,
    );
  }
  const got = await digestBlob(blob);
  if (got.sha256 !== expected.sha256 || got.bytes !== expected.bytes) {
    throw new SnapshotConflictError(
      path,
      `${what} ${path} has sha256 ${got.sha256.slice(0, 12)}…, not ${expected.sha256.slice(0, 12)}… as registered: it was not written by this registration`,
    );
  }
}

/** Server-side copy that never overwrites, then the check of what the target holds. */
export async function copyOnce(sourceUrl: string, dest: BlockBlobClient, path: string, expected: Expected): Promise<void> {
  try {
    const poller = await dest.beginCopyFromURL(sourceUrl, { conditions: { ifNoneMatch: '*' } });
    await poller.pollUntilDone();
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
    // There already: an earlier attempt of this claim, or someone else. The check below tells.
  }
  await verifyBlob(dest, path, expected, 'snapshot');
}

/** A small JSON file of the snapshot: written once; an existing one must be identical. */
export async function writeOnce(container: ContainerClient, path: string, text: string): Promise<void> {
  const blob = container.getBlockBlobClient(path);
  try {
    await blob.upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      conditions: { ifNoneMatch: '*' },
    });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
    const buf = Buffer.from(text, 'utf8');
    await verifyBlob(blob, path, { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') }, 'snapshot file');
  }
}

/** two-pass mode: read the drop blob again (same ETag) straight into the snapshot, then check it. */
export async function uploadSecondPass(
  drop: ContainerClient,
  blobName: string,
  etag: string,
  dest: BlockBlobClient,
  path: string,
  expected: Expected,
): Promise<void> {
  const dl = await drop.getBlobClient(blobName).download(0, undefined, { conditions: { ifMatch: etag } });
  const hash = createHash('sha256');
  const pass = new PassThrough({ highWaterMark: BLOCK });
  const body = dl.readableStreamBody!;
  body.on('data', (c: Buffer) => hash.update(c));
  body.pipe(pass);
  let written = true;
  try {
    await dest.uploadStream(pass, BLOCK, IN_FLIGHT, { blobHTTPHeaders: { blobContentType: 'text/csv' }, conditions: { ifNoneMatch: '*' } });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
    written = false;
    body.destroy();
  }
  if (written) {
    const got = hash.digest('hex');
    if (got !== expected.sha256) {
      await dest.deleteIfExists();
      throw new Error(`dataset blob ${blobName} changed between the two reads (sha256 ${got} != ${expected.sha256})`);
    }
  }
  await verifyBlob(dest, path, expected, 'snapshot');
}
