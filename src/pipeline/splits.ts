/**
 * The held-out split of a run (train.csv and test.csv under `runs/{runId}/` in the registry container):
 * this store owns that layout. Writing streams both files while the producer emits lines, and ends
 * promptly with the first error, whichever side it comes from: a failing producer destroys both upload
 * streams (so the uploads settle) before it is awaited, and a failing upload stops the producer.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { ensureContainer } from '../storage/clients';

export interface SplitSinks {
  train(line: string): Promise<void>;
  test(line: string): Promise<void>;
}

export interface SplitStore {
  /** Streams a run's two split files; resolves with the producer's result once both are stored. */
  write<T>(runId: string, produce: (sinks: SplitSinks) => Promise<T>): Promise<T>;
  openTest(runId: string): Promise<NodeJS.ReadableStream>;
  /** Blob name (registry container) of the training file, which AutoML providers read. */
  trainBlob(runId: string): string;
}

/** Resolves once `line` is buffered; rejects when the stream is destroyed meanwhile (never hangs). */
function writeLine(stream: PassThrough, line: string): Promise<void> {
  if (stream.destroyed) return Promise.reject(new Error('split output closed'));
  if (stream.write(line)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', ok);
      stream.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    const closed = () => done(new Error('split output closed'));
    stream.once('drain', ok);
    stream.once('close', closed);
  });
}

export class BlobSplitStore implements SplitStore {
  constructor(private readonly registry: ContainerClient) {}

  trainBlob(runId: string): string {
    return `runs/${runId}/train.csv`;
  }

  private testBlob(runId: string): string {
    return `runs/${runId}/test.csv`;
  }

  async write<T>(runId: string, produce: (sinks: SplitSinks) => Promise<T>): Promise<T> {
    await ensureContainer(this.registry);
    const train = new PassThrough();
    const test = new PassThrough();
    const up = (blob: string, s: Readable) =>
      this.registry.getBlockBlobClient(blob).uploadStream(s, 4 << 20, 4, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
    const uploads = Promise.all([up(this.trainBlob(runId), train), up(this.testBlob(runId), test)]);
    const stop = (err: Error) => {
      // With an error, so that uploadStream (which listens for 'end' and 'error') settles.
      train.destroy(err);
      test.destroy(err);
    };
    uploads.catch((err: Error) => stop(err));
    try {
      const result = await Promise.race([
        produce({ train: (l) => writeLine(train, l), test: (l) => writeLine(test, l) }),
        uploads.then(() => new Promise<never>(() => undefined)),
      ]);
      train.end();
      test.end();
      await uploads;
      return result;
    } catch (err) {
      stop(err instanceof Error ? err : new Error(String(err)));
      await uploads.catch(() => undefined);
      throw err;
    }
  }

  async openTest(runId: string): Promise<NodeJS.ReadableStream> {
    return (await this.registry.getBlobClient(this.testBlob(runId)).download()).readableStreamBody!;
  }
}
