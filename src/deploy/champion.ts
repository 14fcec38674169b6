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

export class ChampionSource {
  private cached?: { at: number; value: Champion | undefined };
  private pending?: Promise<Champion | undefined>;
  private generation = 0;

  constructor(
    private readonly store: DeploymentStore,
    private readonly ttlMs = 1000,
  ) {
    sources.add(this);
  }

  async get(): Promise<Champion | undefined> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.value;
    // One table read at a time, however many requests arrive together.
    if (!this.pending) {
      const p = this.load().finally(() => {
        if (this.pending === p) this.pending = undefined;
      });
      this.pending = p;
    }
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
    this.pending = undefined;
    this.generation++;
  }

  dispose(): void {
    sources.delete(this);
  }

  private async load(): Promise<Champion | undefined> {
    const generation = this.generation;
    const rec = await this.store.champion();
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
    if (generation === this.generation) this.cached = { at: Date.now(), value };
    return value;
  }
}
