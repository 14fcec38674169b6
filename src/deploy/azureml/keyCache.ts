/**
 * Endpoint keys for the data plane, per lineage, read with listKeys and kept in memory only. Many
 * requests refused at once after a rotation cause one listKeys, not one each: concurrent reads share a
 * call, and a refresh for a key that is no longer the cached one reuses the newer answer.
 */
import type { DeploymentKeys } from '../keys';

export class KeyCache {
  private readonly keys = new Map<string, { value: DeploymentKeys; at: number }>();
  private readonly pending = new Map<string, Promise<DeploymentKeys>>();

  constructor(
    private readonly read: (lineage: string) => Promise<DeploymentKeys>,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  /** The keys; with `stale` (a key the endpoint refused), fresh ones unless the cache already moved on. */
  async get(lineage: string, stale?: string): Promise<DeploymentKeys> {
    const hit = this.keys.get(lineage);
    const fresh = hit && Date.now() - hit.at < this.ttlMs;
    if (hit && fresh && (stale === undefined || hit.value.primary !== stale)) return hit.value;
    let p = this.pending.get(lineage);
    if (!p) {
      p = this.read(lineage)
        .then((value) => {
          this.keys.set(lineage, { value, at: Date.now() });
          return value;
        })
        .finally(() => this.pending.delete(lineage));
      this.pending.set(lineage, p);
    }
    return p;
  }

  /** After a rotation made here: the next request reads fresh keys. */
  forget(lineage: string): void {
    this.keys.delete(lineage);
  }
}
