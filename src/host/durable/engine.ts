/**
 * The embedded Durable engine: wires the dispatchers together and owns their lifecycle.
 *   - control/: the control-queue loop and one session per instance (batches in arrival order);
 *   - orchestration/: an episode with its storage (commit, outbox, history cache) around the pure
 *     episode function in episode/;
 *   - entities/: entity batches;
 *   - activities/: the work-item loop, local starts and grouped result sends.
 * Activities run at least once; their results are applied once (see orchestrationProcessor.ts).
 */
import type { HostLogger } from '../provider';
import { ActivityDispatcher } from './activities/activityDispatcher';
import { ControlLoop } from './control/controlLoop';
import { Sessions } from './control/sessions';
import { Wakeups } from './control/wakeups';
import type { EngineOptions } from './engineOptions';
import { EntityProcessor } from './entities/entityProcessor';
import { isEntityId } from './entities/entityId';
import { Held, InMemoryCopy } from './lease';
import type { ControlMessage } from './messages';
import { HistoryCache } from './orchestration/historyCache';
import { OrchestrationProcessor } from './orchestration/orchestrationProcessor';
import { Outbox } from './orchestration/outbox';
import { Semaphore } from './primitives/semaphore';
import { Signal } from './primitives/signal';
import type { FunctionRunner } from './runner';
import type { DurableStore } from './store';

// The engine's types, where the rest of the host has always imported them from.
export type { EngineOptions } from './engineOptions';
export { DEFAULT_ENGINE_OPTIONS } from './engineOptions';
export type { ActivityOutcome, EntityBatchResult, FunctionRunner, OrchestratorOutcome, OrchestratorState } from './runner';
export type { EntityRequest } from './entities/entityRequest';
export { parseEntityId } from './entities/entityId';
export { failureFromError } from './failure';
export { parseJson } from './json';

/** Timers further away than this wait for their queue message rather than an in-process timer. */
const MAX_IN_PROCESS_TIMER_MS = 5 * 60 * 1000;

export class DurableEngine {
  private running = false;
  private readonly controlSignal = new Signal();
  private readonly wakeups = new Wakeups();
  private readonly cache = new HistoryCache();
  private readonly sessions: Sessions;
  private readonly activities: ActivityDispatcher;
  private readonly orchestrations: OrchestrationProcessor;
  private readonly entities: EntityProcessor;
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Counters for benchmarks and diagnostics. */
  readonly stats = { episodes: 0, activities: 0, droppedDuplicates: 0 };

  constructor(
    readonly store: DurableStore,
    readonly runner: FunctionRunner,
    readonly options: EngineOptions,
    private readonly logger: HostLogger,
  ) {
    const isRunning = () => this.running;
    const handOver = (m: ControlMessage) => this.handOver(m);
    // Orchestrator and entity invocations share one limit (maxConcurrentOrchestratorFunctions).
    const orchestrationSlots = new Semaphore(Math.max(1, options.maxConcurrentOrchestrations));
    this.activities = new ActivityDispatcher({
      store,
      runner,
      options,
      logger,
      stats: this.stats,
      knownSentinel: (id) => this.cache.get(id)?.sentinel,
      handOver,
      isRunning,
      track: (p) => this.track(p),
    });
    const outbox = new Outbox({
      store,
      hooks: options.hooks,
      reserveLocal: (w) => this.activities.reserveLocal(w),
      handOver,
      handOverAt: (m, at) => this.handOverAt(m, at),
      wakeWorkItems: () => this.wakeWorkItems(),
    });
    this.orchestrations = new OrchestrationProcessor({
      store,
      runner,
      options,
      cache: this.cache,
      outbox,
      slots: orchestrationSlots,
      logger,
      stats: this.stats,
    });
    this.entities = new EntityProcessor({ store, runner, slots: orchestrationSlots, logger, stats: this.stats, handOver });
    this.sessions = new Sessions({
      isRunning,
      process: (id, batch) => this.processBatch(id, batch),
      forget: (id) => this.cache.delete(id),
      logger,
    });
  }

  async start(): Promise<void> {
    await this.store.init();
    this.running = true;
    // Finish the post-commit work of episodes a crash interrupted, without waiting for redelivery.
    for (const id of await this.store.sentinelsWithPendingOutbox()) this.sessions.enqueue(id, []);
    const control = new ControlLoop({
      store: this.store,
      options: this.options,
      sessions: this.sessions,
      signal: this.controlSignal,
      logger: this.logger,
      isRunning: () => this.running,
    });
    this.loops.push(control.run(), this.activities.loop());
  }

  /**
   * Stops polling, lets running episodes and activities finish for up to `graceMs`, then stops
   * renewing what is still held: those messages reappear within one visibility timeout, so a restart
   * resumes the work (an activity cut off here runs again).
   */
  async stop(graceMs = 10000): Promise<void> {
    this.running = false;
    this.controlSignal.notify();
    this.activities.wake();
    this.wakeups.clear();
    await Promise.allSettled(this.loops);
    const work = Promise.allSettled([...this.inFlight, ...this.sessions.active()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      work.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      const cut = this.activities.releaseLeases();
      this.logger.log('warning', `Durable engine stopped with ${cut} activities still running; they will run again after a restart.`);
    }
  }

  /** A message was sent that a poll loop should see now rather than after its backoff. */
  wakeControl(at?: Date): void {
    if (!at || at.getTime() <= Date.now()) {
      this.controlSignal.notify();
      return;
    }
    this.wakeups.after(at.getTime() - Date.now() + 50, () => this.controlSignal.notify());
  }

  wakeWorkItems(): void {
    this.activities.wake();
  }

  /** In-process handover of a control message already durably queued (see InMemoryCopy). */
  handOver(message: ControlMessage): void {
    if (this.running) this.sessions.enqueue(message.instanceId, [new InMemoryCopy(message)]);
  }

  /**
   * A timer message, handed over when it is due (queue visibility only has whole seconds); the queue
   * copy surfaces later and is dropped. Timers further away than a few minutes wait for the queue.
   */
  private handOverAt(message: ControlMessage, at: Date): void {
    const delay = at.getTime() - Date.now();
    if (delay > MAX_IN_PROCESS_TIMER_MS) {
      this.wakeControl(at);
      return;
    }
    this.wakeups.after(delay, () => this.handOver(message));
  }

  /** One batch of an instance's session: an entity's operations or an orchestration episode. */
  private processBatch(instanceId: string, batch: Held<ControlMessage>[]): Promise<void> {
    return isEntityId(instanceId) ? this.entities.process(instanceId, batch) : this.orchestrations.process(instanceId, batch);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }
}
