/**
 * The champion: the deployment the scoring route forwards to. `promote` switches it atomically (one
 * Table transaction); `ChampionSource` gives the proxy the champion's URL, key and input schema with a
 * short cache, so a request costs no table read while a promotion is seen within `ttlMs`.
 */
import { Champion } from '../scoring/proxy';
import { DeploymentStore } from './store';

export async function promote(store: DeploymentStore, name: string): Promise<{ champion: string; previous?: string }> {
  const result = await store.promote(name);
  invalidateChampionCaches();
  return result;
}

const sources = new Set<ChampionSource>();

/** Promotions made in this process are seen at once by every cache in this process. */
export function invalidateChampionCaches(): void {
  for (const s of sources) s.invalidate();
}

/**
 * Where the proxy forwards: the champion (get()) or, like Azure ML's `azureml-model-deployment` header,
 * a named running deployment (get(name)). Each answer is cached for `ttlMs`; concurrent misses share
 * one table read.
 */
export class ChampionSource {
  private readonly cache = new Map<string, { at: number; value: Champion | undefined }>();
  private readonly pending = new Map<string, Promise<Champion | undefined>>();
  private generation = 0;

  constructor(
    private readonly store: DeploymentStore,
    private readonly ttlMs = 1000,
  ) {
    sources.add(this);
  }

  /** The champion, or with `name` that deployment; undefined when it is not running. */
  async get(name?: string): Promise<Champion | undefined> {
    const key = name ?? '';
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    let p = this.pending.get(key);
    if (!p) {
      p = this.load(name).finally(() => {
        if (this.pending.get(key) === p) this.pending.delete(key);
      });
      this.pending.set(key, p);
    }
    return p;
  }

  invalidate(): void {
    this.cache.clear();
    this.pending.clear();
    this.generation++;
  }

  dispose(): void {
    sources.delete(this);
  }

  private async load(name: string | undefined): Promise<Champion | undefined> {
    const generation = this.generation;
    const rec = name === undefined ? await this.store.champion() : await this.store.get(name);
    const value: Champion | undefined =
      rec && rec.status === 'running' && rec.url
        ? {
            name: rec.name,
            modelName: rec.modelName,
            modelVersion: rec.modelVersion,
            url: rec.url,
            key: rec.keys.primary,
            schema: rec.schema,
          }
        : undefined;
    // A promotion during the read makes this value stale: do not cache it.
    if (generation === this.generation) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(name ?? '', { at: Date.now(), value });
    }
    return value;
  }
}
