/**
 * Runs activities: polls the work-item queue while slots are free, runs each item under a renewed
 * lease, queues its result (ResultSender) and only then deletes the item, so an activity runs at least
 * once and a crash re-runs it. Work items this process just queued can start here at once
 * (reserveLocal); their queue copy stays the durable one and is held until the local run is done.
 */
import { randomUUID } from 'node:crypto';
import type { HostLogger } from '../../provider';
import type { EngineOptions } from '../engineOptions';
import { event, EventType, isTerminal } from '../history';
import { Lease } from '../lease';
import type { ControlMessage, WorkItemMessage } from '../messages';
import { Semaphore } from '../primitives/semaphore';
import { Signal } from '../primitives/signal';
import type { FunctionRunner } from '../runner';
import type { DurableStore, ReceivedMessage, Sentinel } from '../store';
import { ResultSender } from './resultSender';

export interface ActivityDispatcherDeps {
  store: DurableStore;
  runner: FunctionRunner;
  options: EngineOptions;
  logger: HostLogger;
  stats: { activities: number };
  /** The sentinel this process last wrote for an instance, if it has one (saves a read). */
  knownSentinel(instanceId: string): Sentinel | undefined;
  /** In-process handover of a result already queued. */
  handOver(message: ControlMessage): void;
  isRunning(): boolean;
  /** Registers work that stop() waits for. */
  track<T>(p: Promise<T>): Promise<T>;
}

export class ActivityDispatcher {
  private readonly slots: Semaphore;
  private readonly signal = new Signal();
  private readonly results: ResultSender;
  /** Work items started in this process straight from the outbox, by message id (see reserveLocal). */
  private readonly localWork = new Map<string, Promise<boolean>>();
  private readonly leases = new Set<Lease<WorkItemMessage>>();

  constructor(private readonly deps: ActivityDispatcherDeps) {
    this.slots = new Semaphore(Math.max(1, deps.options.maxConcurrentActivities));
    this.results = new ResultSender((m) => deps.store.sendControl(m));
  }

  wake(): void {
    this.signal.notify();
  }

  /** Stops renewing the leases of activities still running: their items reappear after a restart. Returns how many. */
  releaseLeases(): number {
    for (const lease of this.leases) lease.release();
    return this.leases.size;
  }

  async loop(): Promise<void> {
    const { store, options } = this.deps;
    let backoff = 10;
    while (this.deps.isRunning()) {
      let got = 0;
      try {
        const free = this.slots.available;
        if (free > 0) {
          const msgs = await store.receive<WorkItemMessage>(store.workItems, free, options.workItemVisibilitySec);
          got = msgs.length;
          for (const m of msgs) await this.take(m);
        }
      } catch (err) {
        if (this.deps.isRunning()) this.deps.logger.log('warning', `Durable work-item queue poll failed: ${(err as Error).message}`);
      }
      if (got === 0) {
        await this.signal.wait(backoff);
        backoff = Math.min(backoff * 2, options.maxPollingIntervalMs);
      } else backoff = 10;
    }
  }

  private async take(m: ReceivedMessage<WorkItemMessage>): Promise<void> {
    const { store, options } = this.deps;
    const local = this.localWork.get(m.body?.id);
    if (local) {
      // Already running (or done) here: hold the queue copy until the result is queued.
      const held = new Lease(store, store.workItems, m, options.workItemVisibilitySec);
      this.leases.add(held);
      this.deps.track(
        local
          .then((ok) => (ok ? held.complete() : held.abandon(0)))
          .finally(() => {
            this.leases.delete(held);
            this.localWork.delete(m.body.id);
          }),
      );
      return;
    }
    await this.slots.acquire();
    const lease = new Lease(store, store.workItems, m, options.workItemVisibilitySec);
    this.leases.add(lease);
    this.deps.track(
      this.runLeased(lease).finally(() => {
        this.leases.delete(lease);
        this.slots.release();
        this.signal.notify();
      }),
    );
  }

  /**
   * Reserves a slot to run a work item here once its queue message is written (call the returned
   * function with whether the send succeeded); undefined when no slot is free or it is already local.
   */
  reserveLocal(w: WorkItemMessage): ((sent: boolean) => void) | undefined {
    if (!this.deps.isRunning() || this.localWork.has(w.id) || !this.slots.tryAcquire()) return undefined;
    let start!: (sent: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (start = resolve));
    const finished = gate
      .then((sent) => {
        if (!sent) {
          this.localWork.delete(w.id);
          return false;
        }
        return this.execute(w);
      })
      .finally(() => {
        this.slots.release();
        this.signal.notify();
      });
    this.localWork.set(w.id, finished);
    this.deps.track(finished);
    return start;
  }

  private async runLeased(lease: Lease<WorkItemMessage>): Promise<void> {
    if (await this.execute(lease.body)) await lease.complete();
    else await lease.abandon(5);
  }

  /** Runs one activity and durably queues its result. False when it could not (the item is retried). */
  private async execute(w: WorkItemMessage): Promise<boolean> {
    const { store, runner, options, logger } = this.deps;
    try {
      const known = this.deps.knownSentinel(w.instanceId);
      const sentinel = known && known.executionId === w.executionId ? known : await store.readSentinel(w.instanceId);
      // The instance moved on (finished, or a new execution): the work is no longer wanted.
      if (!sentinel || sentinel.executionId !== w.executionId || isTerminal(sentinel.runtimeStatus)) return true;
      options.hooks?.reached?.(`activity:${w.name}`);
      const outcome = await runner.runActivity(w.name, w.input, w.instanceId);
      this.deps.stats.activities++;
      const ev = outcome.ok
        ? event(EventType.TaskCompleted, { TaskScheduledId: w.taskScheduledId, Result: outcome.result })
        : event(EventType.TaskFailed, { TaskScheduledId: w.taskScheduledId, ...outcome.failure });
      const result: ControlMessage = { id: randomUUID(), instanceId: w.instanceId, executionId: w.executionId, event: ev };
      await this.results.send(result);
      this.deps.handOver(result);
      options.hooks?.reached?.(`afterActivity:${w.name}`);
      return true;
    } catch (err) {
      logger.log('error', `Durable activity '${w.name}' (instance ${w.instanceId}) could not be run: ${(err as Error).message}`, {
        instanceId: w.instanceId,
        functionName: w.name,
      });
      return false;
    }
  }
}
