import type { ContainerClient } from '@azure/storage-blob';
import { isConflict } from './clients';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding a blob lease on `{container}/locks/{name}`: one holder at a time across
 * processes and hosts. The lease (60 s) is renewed while `fn` runs, and expires by itself if the
 * holder dies, so a crash never leaves the lock taken.
 */
export async function withBlobLock<T>(container: ContainerClient, name: string, fn: () => Promise<T>, opts: { waitMs?: number } = {}): Promise<T> {
  const blob = container.getBlockBlobClient(`locks/${name}`);
  try {
    await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  const lease = blob.getBlobLeaseClient();
  const deadline = Date.now() + (opts.waitMs ?? 300000);
  for (;;) {
    try {
      await lease.acquireLease(60);
      break;
    } catch (err) {
      if (!isConflict(err) || Date.now() > deadline)
        throw new Error(`LOCK_TIMEOUT: could not take the lock '${name}': ${(err as Error).message}`, { cause: err });
      await sleep(250 + Math.random() * 250);
    }
  }
  const renew = setInterval(() => void lease.renewLease().catch(() => undefined), 20000);
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await lease.releaseLease().catch(() => undefined);
  }
}
