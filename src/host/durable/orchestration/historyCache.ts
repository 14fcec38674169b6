/**
 * The history and sentinel of recently active instances, as this process last committed them. Valid
 * while the stored sentinel's ETag is the one cached: any other writer changes it, and the commit's
 * ETag check then fails and the session re-reads.
 */
import type { HistoryEvent } from '../history';
import type { Sentinel } from '../store';

export interface CachedHistory {
  etag: string;
  historyKey: string;
  events: HistoryEvent[];
  /** The sentinel as this process last wrote it. */
  sentinel?: Sentinel;
}

const MAX_INSTANCES = 2000;

export class HistoryCache {
  private readonly entries = new Map<string, CachedHistory>();

  get(instanceId: string): CachedHistory | undefined {
    return this.entries.get(instanceId);
  }

  /** The cached events, if they are the history `sentinel` points at. */
  historyFor(instanceId: string, sentinel: Sentinel): HistoryEvent[] | undefined {
    const c = this.entries.get(instanceId);
    return c && c.etag === sentinel.etag && c.historyKey === sentinel.historyKey ? c.events : undefined;
  }

  set(instanceId: string, sentinel: Sentinel, events: HistoryEvent[]): void {
    this.entries.set(instanceId, { etag: sentinel.etag!, historyKey: sentinel.historyKey, events, sentinel });
  }

  delete(instanceId: string): void {
    this.entries.delete(instanceId);
  }

  /** Drops the oldest entry beyond the size limit. */
  trim(): void {
    if (this.entries.size > MAX_INSTANCES) this.entries.delete(this.entries.keys().next().value as string);
  }
}
