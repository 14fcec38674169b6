/**
 * Where the proxy forwards, cached: a lineage's champion, a named deployment (Azure ML's
 * `azureml-model-deployment` header), or the list of champions. Each answer is cached for `ttlMs`;
 * concurrent misses share one read. While the directory (storage) is slow or down, the last known
 * answer keeps being served for up to `maxStaleMs` (bounded staleness): a healthy champion endpoint
 * keeps answering during a storage stall, and the response says how stale its route was.
 */
import type { Champion } from './proxy';

/** What the scoring route needs to know about deployments (the deploy module provides it). */
export interface RouteDirectory {
  champion(lineage: string): Promise<Champion | undefined>;
  champions(): Promise<Champion[]>;
  deployment(name: string): Promise<Champion | undefined>;
}

export interface Cached<T> {
  value: T;
  /** How old the answer is when it was served past its time-to-live (ms); 0 when fresh. */
  staleMs: number;
}

export interface RouteCacheOptions {
  ttlMs: number;
  maxStaleMs: number;
  /** How long a lookup may take before the last known answer is served instead. Default 250 ms. */
  lookupWaitMs?: number;
}

export class RouteCache {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private generation = 0;

  constructor(
    private readonly directory: RouteDirectory,
    private readonly opts: RouteCacheOptions,
  ) {}

  champion(lineage: string): Promise<Cached<Champion | undefined>> {
    return this.get(`c:${lineage}`, () => this.directory.champion(lineage));
  }

  champions(): Promise<Cached<Champion[]>> {
    return this.get('all', () => this.directory.champions());
  }

  deployment(name: string): Promise<Cached<Champion | undefined>> {
    return this.get(`d:${name}`, () => this.directory.deployment(name));
  }

  /** Drops every cached answer (a change made in this process). Last known answers stay for stalls. */
  invalidate(): void {
    this.generation++;
    for (const [k, v] of this.cache) this.cache.set(k, { ...v, at: -Infinity });
    this.pending.clear();
  }

  private async get<T>(key: string, load: () => Promise<T>): Promise<Cached<T>> {
    const now = Date.now();
    const hit = this.cache.get(key) as { at: number; value: T; known?: number } | undefined;
    if (hit && now - hit.at < this.opts.ttlMs) return { value: hit.value, staleMs: 0 };
    let p = this.pending.get(key) as Promise<T> | undefined;
    if (!p) {
      const generation = this.generation;
      p = load().then((value) => {
        // A change during the read makes this value stale: keep it only as a last known answer.
        const at = generation === this.generation ? Date.now() : -Infinity;
        if (this.cache.size > 1000) this.cache.clear();
        this.cache.set(key, { at, value, known: Date.now() } as never);
        return value;
      });
      const settled = p.finally(() => {
        if (this.pending.get(key) === settled) this.pending.delete(key);
      });
      this.pending.set(key, settled);
      p = settled;
      p.catch(() => undefined); // a stale answer may be served instead; the error is not unhandled
    }
    const known = hit ? ((hit as { known?: number }).known ?? 0) : 0;
    const usable = hit !== undefined && now - known <= this.opts.maxStaleMs;
    if (!usable) return { value: await p, staleMs: 0 };
    const wait = this.opts.lookupWaitMs ?? 250;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), wait)));
    try {
      const r = await Promise.race([p, late]);
      if (r !== 'late') return { value: r as T, staleMs: 0 };
    } catch {
      // fall through: serve the last known answer
    } finally {
      clearTimeout(timer);
    }
    return { value: hit!.value, staleMs: Date.now() - known };
  }
}
