/**
 * The orchestration and activity dispatchers. One episode of an instance:
 *   1. take the instance's queued messages (held under a renewed lease);
 *   2. finish the previous episode's post-commit work if a crash interrupted it (outbox, status row);
 *   3. drop messages history already contains (redeliveries, duplicate activity results);
 *   4. run the orchestrator through the SDK on history + new events, replay its actions for new work;
 *   5. commit history + outbox atomically; 6. send the outbox, write the status row, clear the marker;
 *   7. delete the messages.
 * A crash before 5 re-runs the episode; after 5 the messages are redelivered, found in history and
 * dropped, and 6 is redone. Activities run at least once; their results are applied once.
 */
import { randomUUID } from 'node:crypto';
import type { HostLogger } from '../provider';
import {
  completedIds,
  event,
  EventType,
  FailureDetails,
  HistoryEvent,
  isTerminal,
  ORCHESTRATION_STATUS_NUMBER,
  RuntimeStatus,
  scheduledIds,
} from './history';
import { Held, InMemoryCopy, Lease, LeasePart } from './lease';
import { ControlEnvelope, ControlMessage, InstanceStatus, isBatch, Outbound, WorkItemMessage } from './messages';
import { OrchestratorAction, replayActions, TaskFailure } from './replayer';
import { DurableStore, EpisodeRecord, isConflict, Sentinel } from './store';

/** The orchestrator's answer (OrchestratorState as the SDK serializes it). */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

export type OrchestratorOutcome =
  | { ok: true; state: OrchestratorState }
  | { ok: false; error: string; failure: FailureDetails; state?: OrchestratorState };

export type ActivityOutcome = { ok: true; result: string | null } | { ok: false; failure: TaskFailure };

/** What the SDK's entity function returns for a batch (EntityState). */
export interface EntityBatchResult {
  entityExists: boolean;
  entityState?: string;
  results: { isError: boolean; duration?: number; startTime?: number; result?: string }[];
  signals: { target: { name: string; key: string }; name: string; input?: string; requestId?: string }[];
}

/** An operation sent to an entity (the extension's RequestMessage). */
export interface EntityRequest {
  id: string;
  op: string;
  signal: boolean;
  input?: string;
  parent?: string;
  parentExecution?: string;
}

/** How the engine runs functions (the provider maps this onto the host's invoke()). */
export interface FunctionRunner {
  isOrchestrator(name: string): boolean;
  isActivity(name: string): boolean;
  /** Canonical registered name (function names are case-insensitive). */
  canonicalName(name: string): string;
  runOrchestrator(name: string, binding: Record<string, unknown>, instanceId: string): Promise<OrchestratorOutcome>;
  runActivity(name: string, input: string | null, instanceId: string): Promise<ActivityOutcome>;
  /** Entity functions (optional: without them entity operations fail). */
  isEntity?(name: string): boolean;
  runEntity?(name: string, binding: Record<string, unknown>, entityId: string): Promise<{ ok: true; result: EntityBatchResult } | { ok: false; error: string }>;
}

/** "@name@key" (the scheduler id DurableTask uses for entities; the name is lower-cased). */
export function parseEntityId(id: string): { name: string; key: string } | undefined {
  if (!id.startsWith('@')) return undefined;
  const at = id.indexOf('@', 1);
  if (at < 0) return undefined;
  return { name: id.slice(1, at), key: id.slice(at + 1) };
}

export interface EngineOptions {
  hubName: string;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  /** Lease of a held control message (renewed while held). */
  controlVisibilitySec: number;
  /** Lease of an activity work item (renewed while the activity runs). */
  workItemVisibilitySec: number;
  /** Longest wait between two polls of an idle queue. */
  maxPollingIntervalMs: number;
  /** Test-only crash point, see crashIfAt(). */
  crashAt?: string;
  /** Values the extension passes in the orchestration trigger binding. */
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'hubName'> = {
  maxConcurrentActivities: 10,
  maxConcurrentOrchestrations: 10,
  controlVisibilitySec: 30,
  workItemVisibilitySec: 30,
  maxPollingIntervalMs: 1000,
  longRunningTimerIntervalDuration: '3.00:00:00',
  maximumShortTimerDuration: '6.00:00:00',
};

class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  tryAcquire(): boolean {
    if (this.free <= 0) return false;
    this.free--;
    return true;
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
  get available(): number {
    return this.free;
  }
}

/** Wakes a sleeping poll loop early. */
class Signal {
  private waiter: (() => void) | undefined;
  private pending = false;
  notify(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w();
    } else this.pending = true;
  }
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

interface CachedHistory {
  etag: string;
  historyKey: string;
  events: HistoryEvent[];
  /** The sentinel as this process last wrote it. */
  sentinel?: Sentinel;
}

interface Session {
  pending: Held<ControlMessage>[];
}

function failureFromError(err: unknown): FailureDetails {
  const e = err as Error;
  return {
    ErrorType: e?.name || 'Error',
    ErrorMessage: e?.message ?? String(err),
    StackTrace: e?.stack,
    IsNonRetriable: false,
  };
}

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class DurableEngine {
  private running = false;
  private readonly controlSignal = new Signal();
  private readonly workSignal = new Signal();
  private readonly orchestrationSlots: Semaphore;
  private readonly activitySlots: Semaphore;
  private readonly sessions = new Map<string, Session>();
  private readonly sessionDone = new Map<string, Promise<void>>();
  private readonly cache = new Map<string, CachedHistory>();
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly crashCounts = new Map<string, number>();
  private readonly timerWakeups = new Set<NodeJS.Timeout>();
  private readonly activityLeases = new Set<Lease<WorkItemMessage>>();
  /** Counters for benchmarks and diagnostics. */
  readonly stats = { episodes: 0, activities: 0, droppedDuplicates: 0 };

  constructor(
    readonly store: DurableStore,
    readonly runner: FunctionRunner,
    readonly options: EngineOptions,
    private readonly logger: HostLogger,
  ) {
    this.orchestrationSlots = new Semaphore(Math.max(1, options.maxConcurrentOrchestrations));
    this.activitySlots = new Semaphore(Math.max(1, options.maxConcurrentActivities));
  }

  async start(): Promise<void> {
    await this.store.init();
    this.running = true;
    // Finish the post-commit work of episodes a crash interrupted, without waiting for redelivery.
    for (const id of await this.store.sentinelsWithPendingOutbox()) this.enqueueSession(id, []);
    this.loops.push(this.controlLoop(), this.activityLoop());
  }

  /**
   * Stops polling, lets running episodes and activities finish for up to `graceMs`, then stops
   * renewing what is still held: those messages reappear within one visibility timeout, so a restart
   * resumes the work (an activity cut off here runs again).
   */
  async stop(graceMs = 10000): Promise<void> {
    this.running = false;
    this.controlSignal.notify();
    this.workSignal.notify();
    for (const t of this.timerWakeups) clearTimeout(t);
    await Promise.allSettled(this.loops);
    const work = Promise.allSettled([...this.inFlight, ...this.sessionDone.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      work.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const lease of this.activityLeases) lease.release();
      this.logger.log('warning', `Durable engine stopped with ${this.activityLeases.size} activities still running; they will run again after a restart.`);
    }
  }

  /** A message was sent that a poll loop should see now rather than after its backoff. */
  wakeControl(at?: Date): void {
    if (!at || at.getTime() <= Date.now()) {
      this.controlSignal.notify();
      return;
    }
    const t = setTimeout(() => {
      this.timerWakeups.delete(t);
      this.controlSignal.notify();
    }, Math.min(at.getTime() - Date.now() + 50, 2 ** 31 - 1));
    t.unref();
    this.timerWakeups.add(t);
  }

  wakeWorkItems(): void {
    this.workSignal.notify();
  }

  /** Test-only: DURABLE_TEST_CRASH_AT=point[@n] kills the process the n-th time it reaches `point`. */
  private crashIfAt(point: string): void {
    const spec = this.options.crashAt;
    if (!spec) return;
    const [name, nth] = spec.split('@');
    if (name !== point) return;
    const count = (this.crashCounts.get(point) ?? 0) + 1;
    this.crashCounts.set(point, count);
    if (count >= Number(nth || 1)) {
      this.logger.log('warning', `Durable test crash point '${point}' reached: killing the process.`);
      process.kill(process.pid, 'SIGKILL');
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private async sleep(signal: Signal, ms: number): Promise<void> {
    await signal.wait(ms);
  }

  // ---- control queue ---------------------------------------------------------------------------

  private async controlLoop(): Promise<void> {
    let backoff = 10;
    while (this.running) {
      let got = 0;
      try {
        const held = [...this.sessions.values()].reduce((n, s) => n + s.pending.length, 0);
        if (held < 512) {
          const msgs = await this.store.receive<ControlEnvelope>(this.store.control, 32, this.options.controlVisibilitySec);
          got = msgs.length;
          for (const m of msgs) await this.dispatchControl(m);
        }
      } catch (err) {
        if (this.running) this.logger.log('warning', `Durable control queue poll failed: ${(err as Error).message}`);
      }
      if (got === 0) {
        await this.sleep(this.controlSignal, backoff);
        backoff = Math.min(backoff * 2, this.options.maxPollingIntervalMs);
      } else backoff = 10;
    }
  }

  private async dispatchControl(m: { messageId: string; popReceipt: string; dequeueCount: number; body: ControlEnvelope }): Promise<void> {
    const envelope = m.body;
    if (envelope && isBatch(envelope) && typeof envelope.instanceId === 'string') {
      const parts = envelope.batch.filter((b) => b && typeof b.instanceId === 'string' && b.event);
      if (parts.length === 0) {
        await this.store.deleteMessage(this.store.control, m);
        return;
      }
      const lease = new Lease(this.store, this.store.control, m, this.options.controlVisibilitySec);
      const group = { lease, remaining: parts.length };
      this.enqueueSession(envelope.instanceId, parts.map((p) => new LeasePart(p, group)));
      return;
    }
    const msg = envelope as ControlMessage;
    if (!msg || typeof msg.instanceId !== 'string' || !msg.event) {
      await this.store.deleteMessage(this.store.control, m);
      return;
    }
    // A timer further away than a queue message can wait surfaces early: send it on again.
    if (msg.event.EventType === EventType.TimerFired && msg.event.FireAt) {
      const fireAt = new Date(msg.event.FireAt);
      if (fireAt.getTime() > Date.now() + 250) {
        await this.store.sendControl({ ...msg }, fireAt);
        await this.store.deleteMessage(this.store.control, m);
        return;
      }
    }
    const lease = new Lease(this.store, this.store.control, { ...m, body: msg }, this.options.controlVisibilitySec);
    this.enqueueSession(msg.instanceId, [lease]);
  }

  private enqueueSession(instanceId: string, leases: Held<ControlMessage>[]): void {
    const existing = this.sessions.get(instanceId);
    if (existing) {
      existing.pending.push(...leases);
      return;
    }
    const session: Session = { pending: [...leases] };
    this.sessions.set(instanceId, session);
    const done = this.runSession(instanceId, session).finally(() => {
      this.sessions.delete(instanceId);
      this.sessionDone.delete(instanceId);
    });
    this.sessionDone.set(instanceId, done);
  }

  private async runSession(instanceId: string, session: Session): Promise<void> {
    let first = true;
    while (first || session.pending.length > 0) {
      first = false;
      const batch = session.pending.splice(0);
      if (!this.running) {
        batch.forEach((l) => l.release());
        continue;
      }
      try {
        await this.processBatch(instanceId, batch);
      } catch (err) {
        this.cache.delete(instanceId);
        const conflict = isConflict(err);
        this.logger.log(conflict ? 'warning' : 'error', `Durable episode for instance '${instanceId}' failed: ${(err as Error).message}`, {
          instanceId,
        });
        // Let the messages come back after a short pause and try again.
        await Promise.all(batch.map((l) => l.abandon(conflict ? 0 : 2)));
      }
    }
  }

  private async loadHistory(instanceId: string, sentinel: Sentinel): Promise<HistoryEvent[]> {
    const cached = this.cache.get(instanceId);
    if (cached && cached.etag === sentinel.etag && cached.historyKey === sentinel.historyKey) return cached.events;
    const episodes = await this.store.readEpisodes(instanceId, sentinel.historyKey);
    return episodes.flatMap((e) => e.events);
  }

  /** Sends an episode's outbox, writes the status row, then clears the pending marker. */
  private async flush(instanceId: string, sentinel: Sentinel, rec: EpisodeRecord): Promise<Sentinel> {
    // Messages to the same instance or entity go out in order (an entity applies operations in the
    // order they were sent); everything else in parallel.
    const groups = new Map<string, Outbound[]>();
    rec.outbound.forEach((o, i) => {
      const key = o.queue === 'control' ? `c:${o.message.instanceId}` : `w:${i}`;
      const g = groups.get(key) ?? [];
      g.push(o);
      groups.set(key, g);
    });
    const queue = [...groups.values()];
    const workers = Array.from({ length: Math.min(16, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) for (const o of group) {
        // A work item this process has a free slot for starts here as soon as it is durably queued.
        const start = o.queue === 'workitems' ? this.reserveLocal(o.message) : undefined;
        try {
          await this.store.send(o);
          start?.(true);
        } catch (err) {
          start?.(false);
          throw err;
        }
      }
    });
    await Promise.all([...workers, this.store.upsertInstance(rec.instance)]);
    this.crashIfAt('afterOutbox');
    let hasWork = false;
    for (const o of rec.outbound) {
      if (o.queue === 'workitems') hasWork = true;
      else if (o.visibleAt) this.handOverAt(o.message, new Date(o.visibleAt));
      else this.handOver(o.message);
    }
    if (hasWork) this.wakeWorkItems();
    const cleared: Sentinel = { ...sentinel, pendingEpisode: -1 };
    cleared.etag = await this.store.updateSentinel(instanceId, cleared);
    return cleared;
  }

  /**
   * A timer message, handed over when it is due (queue visibility only has whole seconds); the queue
   * copy surfaces later and is dropped. Timers further away than a few minutes wait for the queue.
   */
  private handOverAt(message: ControlMessage, at: Date): void {
    const delay = at.getTime() - Date.now();
    if (delay > 5 * 60 * 1000) {
      this.wakeControl(at);
      return;
    }
    const t = setTimeout(() => {
      this.timerWakeups.delete(t);
      this.handOver(message);
    }, Math.max(0, delay));
    t.unref();
    this.timerWakeups.add(t);
  }

  /** In-process handover of a control message already durably queued (see InMemoryCopy). */
  handOver(message: ControlMessage): void {
    if (this.running) this.enqueueSession(message.instanceId, [new InMemoryCopy(message)]);
  }

  private async processBatch(instanceId: string, batch: Held<ControlMessage>[]): Promise<void> {
    if (instanceId.startsWith('@')) return this.processEntityBatch(instanceId, batch);
    // The sentinel this process wrote last is current unless another writer intervened, which the
    // commit's ETag check detects (then the session re-reads).
    const cached = this.cache.get(instanceId);
    let sentinel = cached?.sentinel ? { ...cached.sentinel } : await this.store.readSentinel(instanceId);
    let history: HistoryEvent[] = sentinel ? await this.loadHistory(instanceId, sentinel) : [];

    if (sentinel && sentinel.pendingEpisode >= 0) {
      const rec = await this.store.readEpisode(instanceId, sentinel.historyKey, sentinel.pendingEpisode);
      if (rec) sentinel = await this.flush(instanceId, sentinel, rec);
      else sentinel = { ...sentinel, pendingEpisode: -1, etag: await this.store.updateSentinel(instanceId, { ...sentinel, pendingEpisode: -1 }) };
      this.cache.set(instanceId, { etag: sentinel.etag!, historyKey: sentinel.historyKey, events: history, sentinel });
    }
    if (batch.length === 0) return;

    // Events can overtake the start message of a new instance: hold them until it has been processed.
    if (!sentinel && !batch.some((l) => l.body.event.EventType === EventType.ExecutionStarted)) {
      const row = await this.store.getInstance(instanceId);
      if (row && row.runtimeStatus === 'Pending') {
        await Promise.all(batch.map((l) => l.abandon(1)));
        return;
      }
    }

    const outcome = await this.applyMessages(instanceId, sentinel, history, batch.map((l) => l.body));
    if (outcome.kind === 'none') {
      this.stats.droppedDuplicates += outcome.dropped;
    } else {
      const { sentinel: next, record } = outcome;
      this.crashIfAt('beforeCommit');
      const etag = await this.store.commitEpisode(instanceId, next, record);
      this.stats.episodes++;
      this.crashIfAt('afterCommit');
      history = outcome.history;
      const committed: Sentinel = { ...next, etag };
      const cleared = await this.flush(instanceId, committed, record);
      if (isTerminal(cleared.runtimeStatus)) this.cache.delete(instanceId);
      else this.cache.set(instanceId, { etag: cleared.etag!, historyKey: cleared.historyKey, events: history, sentinel: cleared });
      if (this.cache.size > 2000) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.crashIfAt('beforeDelete');
    await Promise.all(batch.map((l) => (outcome.deferred.has(l.body) ? l.abandon(1) : l.complete())));
  }

  /**
   * Decides what the batch changes. Pure apart from running the orchestrator: returns the next sentinel,
   * the episode record (events + outbox + status row) and the full history, or 'none'.
   */
  private async applyMessages(
    instanceId: string,
    sentinel: Sentinel | undefined,
    oldHistory: HistoryEvent[],
    messages: ControlMessage[],
  ): Promise<
    | { kind: 'none'; dropped: number; deferred: Set<ControlMessage> }
    | { kind: 'episode'; sentinel: Sentinel; record: EpisodeRecord; history: HistoryEvent[]; deferred: Set<ControlMessage> }
  > {
    const now = new Date();
    let history = oldHistory;
    let executionId = sentinel?.executionId;
    let status: RuntimeStatus | undefined = sentinel?.runtimeStatus;
    let historyKey = sentinel?.historyKey ?? randomUUID().replace(/-/g, '');
    let episodes = sentinel?.episodes ?? 0;
    let buffered = [...(sentinel?.buffered ?? [])];
    const newEvents: HistoryEvent[] = [];
    const extraOutbound: Outbound[] = [];
    let startedNew = false;
    let dropped = 0;
    let terminated: HistoryEvent | undefined;
    let rewound = false;
    /** Messages for the next execution of an instance that is between two (ContinueAsNew). */
    const deferred = new Set<ControlMessage>();

    const seenMessageIds = new Set<string>();
    for (const e of [...history, ...buffered]) if (e.MessageId) seenMessageIds.add(e.MessageId);
    const scheduled = scheduledIds(history);
    const done = completedIds(history);

    for (const msg of messages) {
      const e = msg.event;
      if (e.EventType === EventType.ExecutionStarted) {
        const execId = e.OrchestrationInstance?.ExecutionId;
        const acceptable =
          execId &&
          execId !== executionId &&
          (msg.replaces ?? undefined) === (startedNew ? undefined : executionId) &&
          (msg.continuation ? status === 'ContinuedAsNew' : status === undefined || isTerminal(status));
        if (!acceptable || startedNew) {
          dropped++;
          continue;
        }
        // A new execution: fresh history under a new key.
        startedNew = true;
        executionId = execId;
        historyKey = randomUUID().replace(/-/g, '');
        episodes = 0;
        history = [];
        buffered = [];
        status = 'Running';
        scheduled.clear();
        done.clear();
        newEvents.push({ ...e, MessageId: msg.id, IsPlayed: false });
        continue;
      }
      if (executionId === undefined || (msg.executionId && msg.executionId !== executionId)) {
        dropped++;
        continue;
      }
      if (seenMessageIds.has(msg.id)) {
        dropped++;
        continue;
      }
      if (status === 'ContinuedAsNew') {
        // The old execution is over; what is not addressed to it waits for the new one.
        if (msg.executionId) dropped++;
        else deferred.add(msg);
        continue;
      }
      if (msg.rewind) {
        if (status === 'Failed' && !startedNew) {
          const rw = this.rewindHistory(history, instanceId, executionId, msg.rewind.reason);
          history = rw.history;
          extraOutbound.push(...rw.outbound);
          for (const id of rw.reopened) done.delete(id);
          historyKey = randomUUID().replace(/-/g, '');
          episodes = 0;
          status = 'Running';
          rewound = true;
          seenMessageIds.add(msg.id);
          newEvents.push({ ...e, MessageId: msg.id, IsPlayed: false });
        } else dropped++;
        continue;
      }
      if (isTerminal(status) || terminated) {
        dropped++;
        continue;
      }
      seenMessageIds.add(msg.id);
      const stamped: HistoryEvent = { ...e, MessageId: msg.id, IsPlayed: false };
      switch (e.EventType) {
        case EventType.ExecutionTerminated:
          terminated = stamped;
          continue;
        case EventType.ExecutionSuspended:
          if (status === 'Suspended') dropped++;
          else {
            status = 'Suspended';
            newEvents.push(stamped);
          }
          continue;
        case EventType.ExecutionResumed:
          if (status !== 'Suspended') dropped++;
          else {
            status = 'Running';
            newEvents.push(stamped, ...buffered);
            buffered = [];
          }
          continue;
        case EventType.TaskCompleted:
        case EventType.TaskFailed:
        case EventType.SubOrchestrationInstanceCompleted:
        case EventType.SubOrchestrationInstanceFailed:
        case EventType.TimerFired: {
          const id = e.EventType === EventType.TimerFired ? e.TimerId! : e.TaskScheduledId!;
          if (!scheduled.has(id) || done.has(id)) {
            dropped++;
            continue;
          }
          done.add(id);
          break;
        }
        case EventType.EventRaised:
          break;
        default:
          dropped++;
          continue;
      }
      if (status === 'Suspended') buffered.push(stamped);
      else newEvents.push(stamped);
    }

    const needsRun =
      !terminated &&
      status !== 'Suspended' &&
      newEvents.some((e) => e.EventType !== EventType.ExecutionSuspended && e.EventType !== EventType.ExecutionResumed) ||
      (!terminated && rewound);
    const stateChanged = terminated || newEvents.length > 0 || rewound || buffered.length !== (sentinel?.buffered.length ?? 0);
    if (!stateChanged || executionId === undefined) return { kind: 'none', dropped, deferred };

    const started = [...history, ...newEvents].find((e) => e.EventType === EventType.ExecutionStarted);
    if (!started) return { kind: 'none', dropped: dropped + messages.length, deferred };
    const name = this.runner.canonicalName(started.Name ?? '');
    const parent = started.ParentInstance;
    const prev = sentinel && !startedNew && !needsRun ? await this.store.getInstance(instanceId) : undefined;
    const instance: InstanceStatus = {
      instanceId,
      name,
      version: started.Version,
      executionId,
      runtimeStatus: status ?? 'Running',
      input: started.Input ?? null,
      output: null,
      customStatus: prev?.customStatus ?? null,
      createdTime: started.Timestamp,
      lastUpdatedTime: now.toISOString(),
      parentInstanceId: parent?.InstanceId,
    };
    const outbound: Outbound[] = [...extraOutbound];
    const episodeEvents: HistoryEvent[] = [event(EventType.OrchestratorStarted, {}, now), ...newEvents];
    const completeWith = (st: RuntimeStatus, result: string | null, failure?: FailureDetails) => {
      instance.runtimeStatus = st;
      instance.output = result;
      instance.completedTime = now.toISOString();
      episodeEvents.push(
        event(
          EventType.ExecutionCompleted,
          { OrchestrationStatus: ORCHESTRATION_STATUS_NUMBER[st], Result: result, ...(failure ? { FailureDetails: failure } : {}) },
          now,
        ),
      );
      if (parent && (st === 'Completed' || st === 'Failed' || st === 'Terminated')) {
        const ev =
          st === 'Completed'
            ? event(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: parent.TaskScheduledId, Result: result }, now)
            : event(
                EventType.SubOrchestrationInstanceFailed,
                {
                  TaskScheduledId: parent.TaskScheduledId,
                  Reason: result ?? st,
                  Details: failure?.StackTrace,
                  FailureDetails: failure ?? { ErrorType: 'OrchestrationTerminated', ErrorMessage: result ?? st },
                },
                now,
              );
        outbound.push({
          queue: 'control',
          message: { id: randomUUID(), instanceId: parent.InstanceId, executionId: parent.ExecutionId, event: ev },
        });
      }
    };

    if (terminated) {
      const reason = terminated.Input ?? null;
      episodeEvents.push(terminated);
      completeWith('Terminated', reason === null ? null : JSON.stringify(parseJson(reason)));
      this.logger.log('information', `Orchestration '${name}' (instance ${instanceId}) was terminated.`, { instanceId, functionName: name });
    } else if (needsRun) {
      const full = [...history.map((e) => (e.IsPlayed ? e : { ...e, IsPlayed: true })), ...episodeEvents];
      const binding = {
        history: full,
        input: parseJson(started.Input),
        instanceId,
        isReplaying: history.length > 0,
        parentInstanceId: parent?.InstanceId,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 3,
        longRunningTimerIntervalDuration: this.options.longRunningTimerIntervalDuration,
        maximumShortTimerDuration: this.options.maximumShortTimerDuration,
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      };
      await this.orchestrationSlots.acquire();
      let result: OrchestratorOutcome;
      try {
        result = await this.runner.runOrchestrator(name, binding, instanceId);
      } finally {
        this.orchestrationSlots.release();
      }
      const state = result.state;
      if (state && state.customStatus !== undefined) instance.customStatus = JSON.stringify(state.customStatus);
      if (!result.ok) {
        const message = `Orchestrator function '${name}' failed: ${result.error}`;
        completeWith('Failed', JSON.stringify(message), result.failure);
        this.logger.log('error', message, { instanceId, functionName: name });
      } else {
        const actions = state!.actions?.[0] ?? [];
        const replay = replayActions(actions, full);
        const problem =
          replay.nonDeterminism ??
          (replay.unsupported.length > 0
            ? `The embedded Durable engine does not support ${[...new Set(replay.unsupported)].join(', ')} actions.`
            : undefined);
        if (problem) {
          const message = `Orchestrator function '${name}' failed: ${problem}`;
          completeWith('Failed', JSON.stringify(message), { ErrorType: 'DurableEngineError', ErrorMessage: problem });
          this.logger.log('error', message, { instanceId, functionName: name });
        } else {
          if (!state!.isDone) {
            for (const w of replay.newWork) this.schedule(w, instanceId, executionId, now, episodeEvents, outbound);
          }
          if (state!.isDone && replay.continueAsNew) {
            completeWith('ContinuedAsNew', null);
            instance.completedTime = undefined;
            const nextExecution = randomUUID().replace(/-/g, '');
            outbound.push({
              queue: 'control',
              message: {
                id: randomUUID(),
                instanceId,
                replaces: executionId,
                continuation: true,
                event: event(
                  EventType.ExecutionStarted,
                  {
                    Name: name,
                    Input: replay.continueAsNew.input,
                    Version: started.Version,
                    OrchestrationInstance: { InstanceId: instanceId, ExecutionId: nextExecution },
                    ...(parent ? { ParentInstance: parent } : {}),
                  },
                  now,
                ),
              },
            });
          } else if (state!.isDone) {
            completeWith('Completed', state!.output === undefined ? null : JSON.stringify(state!.output));
            this.logger.log('information', `Orchestration '${name}' (instance ${instanceId}) completed.`, {
              instanceId,
              functionName: name,
            });
          }
        }
      }
    }
    episodeEvents.push(event(EventType.OrchestratorCompleted, {}, now));
    const fullHistory = [...history, ...episodeEvents];
    const next: Sentinel = {
      executionId,
      historyKey,
      episodes: episodes + 1,
      name,
      runtimeStatus: instance.runtimeStatus,
      // The episode row is numbered by the new count (commitEpisode writes row `episodes`).
      pendingEpisode: episodes + 1,
      buffered,
      etag: sentinel?.etag,
    };
    // After a rewind the new history key starts with the whole rewritten history.
    const recorded = rewound ? fullHistory : episodeEvents;
    return { kind: 'episode', sentinel: next, record: { events: recorded, outbound, instance }, history: fullHistory, deferred };
  }

  /** Records a scheduling event and queues the message that carries the work out. */
  private schedule(
    w: ReturnType<typeof replayActions>['newWork'][number],
    instanceId: string,
    executionId: string,
    now: Date,
    events: HistoryEvent[],
    outbound: Outbound[],
  ): void {
    switch (w.kind) {
      case 'activity': {
        events.push(event(EventType.TaskScheduled, { EventId: w.id, Name: w.name, Input: w.input }, now));
        if (w.failWith) {
          outbound.push({
            queue: 'control',
            message: {
              id: randomUUID(),
              instanceId,
              executionId,
              event: event(EventType.TaskFailed, { TaskScheduledId: w.id, ...w.failWith }, now),
            },
          });
        } else {
          outbound.push({
            queue: 'workitems',
            message: { id: randomUUID(), instanceId, executionId, taskScheduledId: w.id, name: w.name, input: w.input },
          });
        }
        break;
      }
      case 'timer': {
        events.push(event(EventType.TimerCreated, { EventId: w.id, FireAt: w.fireAt }, now));
        outbound.push({
          queue: 'control',
          visibleAt: w.fireAt,
          message: {
            id: randomUUID(),
            instanceId,
            executionId,
            event: event(EventType.TimerFired, { TimerId: w.id, FireAt: w.fireAt }, now),
          },
        });
        break;
      }
      case 'entityOperation': {
        const request: EntityRequest = {
          id: randomUUID(),
          op: w.operation,
          signal: w.signal,
          ...(w.input !== null ? { input: w.input } : {}),
          ...(w.signal ? {} : { parent: instanceId, parentExecution: executionId }),
        };
        const text = JSON.stringify(request);
        events.push(event(EventType.EventSent, { EventId: w.id, InstanceId: w.entityId, Name: 'op', Input: text }, now));
        outbound.push({
          queue: 'control',
          message: { id: randomUUID(), instanceId: w.entityId, event: event(EventType.EventRaised, { Name: 'op', Input: text }, now) },
        });
        break;
      }
      case 'subOrchestration': {
        // DurableTask.Core names an unnamed sub-orchestration after the parent execution and the task id.
        const childId = w.instanceId ?? `${executionId}:${w.id}`;
        events.push(event(EventType.SubOrchestrationInstanceCreated, { EventId: w.id, Name: w.name, InstanceId: childId, Input: w.input }, now));
        if (w.failWith) {
          outbound.push({
            queue: 'control',
            message: {
              id: randomUUID(),
              instanceId,
              executionId,
              event: event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: w.id, ...w.failWith }, now),
            },
          });
          break;
        }
        const childExecution = randomUUID().replace(/-/g, '');
        outbound.push({
          queue: 'control',
          message: {
            id: randomUUID(),
            instanceId: childId,
            event: event(
              EventType.ExecutionStarted,
              {
                Name: w.name,
                Input: w.input,
                Version: w.version,
                OrchestrationInstance: { InstanceId: childId, ExecutionId: childExecution },
                ParentInstance: { InstanceId: instanceId, ExecutionId: executionId, TaskScheduledId: w.id, Name: w.name },
              },
              now,
            ),
          },
        });
        break;
      }
    }
  }

  /**
   * One batch of operations for an entity: the SDK's entity function runs them against the stored
   * state; the new state, the ids of the applied requests and the outbox (responses to callers,
   * signals to other entities) are written in one row, then the outbox is sent. A redelivered request
   * is recognised by its id.
   */
  private async processEntityBatch(entityId: string, batch: Held<ControlMessage>[]): Promise<void> {
    let rec = await this.store.readEntity(entityId);
    if (rec.outbox.length > 0) rec = await this.flushEntity(entityId, rec);
    if (batch.length === 0) return;
    const seen = new Set(rec.processed);
    const ops: EntityRequest[] = [];
    for (const l of batch) {
      const e = l.body.event;
      if (e.EventType !== EventType.EventRaised || e.Name !== 'op') continue;
      let req: EntityRequest;
      try {
        req = JSON.parse(e.Input ?? '') as EntityRequest;
      } catch {
        continue;
      }
      if (!req || typeof req.id !== 'string' || typeof req.op !== 'string' || seen.has(req.id)) {
        this.stats.droppedDuplicates++;
        continue;
      }
      seen.add(req.id);
      ops.push(req);
    }
    if (ops.length > 0) {
      const target = parseEntityId(entityId)!;
      const runner = this.runner;
      const name = runner.isEntity?.(target.name) ? runner.canonicalName(target.name) : undefined;
      let result: EntityBatchResult | undefined;
      let error: string | undefined;
      if (!name || !runner.runEntity) {
        error = `The function '${target.name}' doesn't exist, is disabled, or is not an entity function.`;
      } else {
        const binding = {
          self: { name: target.name, key: target.key },
          exists: rec.exists,
          state: rec.state ?? undefined,
          batch: ops.map((o) => ({ id: o.id, name: o.op, signal: o.signal, input: o.input })),
        };
        await this.orchestrationSlots.acquire();
        try {
          const r = await runner.runEntity(name, binding, entityId);
          if (r.ok) result = r.result;
          else error = r.error;
        } finally {
          this.orchestrationSlots.release();
        }
      }
      if (error) this.logger.log('error', `Entity ${entityId} failed: ${error}`, { instanceId: entityId });
      const outbox: Outbound[] = [];
      ops.forEach((o, i) => {
        if (o.signal || !o.parent) return;
        const r = result?.results[i];
        const response = !r
          ? { exceptionType: 'EntityFunctionFailed', result: JSON.stringify(error ?? 'The operation produced no result.') }
          : r.isError
            ? { exceptionType: 'Error', result: r.result ?? 'null' }
            : { result: r.result ?? null };
        outbox.push({
          queue: 'control',
          message: {
            id: randomUUID(),
            instanceId: o.parent,
            executionId: o.parentExecution,
            event: event(EventType.EventRaised, { Name: o.id, Input: JSON.stringify(response) }),
          },
        });
      });
      for (const sig of result?.signals ?? []) {
        const request: EntityRequest = { id: randomUUID(), op: sig.name, signal: true, input: sig.input || undefined };
        outbox.push({
          queue: 'control',
          message: {
            id: randomUUID(),
            instanceId: `@${String(sig.target.name).toLowerCase()}@${sig.target.key}`,
            event: event(EventType.EventRaised, { Name: 'op', Input: JSON.stringify(request) }),
          },
        });
      }
      const next = {
        exists: result ? result.entityExists : rec.exists,
        state: result ? (result.entityExists ? (result.entityState ?? null) : null) : rec.state,
        processed: [...rec.processed, ...ops.map((o) => o.id)].slice(-500),
        outbox,
        lastModified: new Date().toISOString(),
        stateBlob: rec.stateBlob,
        etag: rec.etag,
      };
      next.etag = await this.store.writeEntity(entityId, next);
      this.stats.episodes++;
      await this.flushEntity(entityId, next);
    }
    await Promise.all(batch.map((l) => l.complete()));
  }

  private async flushEntity(entityId: string, rec: Awaited<ReturnType<DurableStore['readEntity']>>) {
    for (const o of rec.outbox) await this.store.send(o);
    for (const o of rec.outbox) if (o.queue === 'control') this.handOver(o.message);
    const cleared = { ...rec, outbox: [] };
    cleared.etag = await this.store.writeEntity(entityId, cleared);
    return cleared;
  }

  /**
   * Rewind of a failed instance: history without its failure (ExecutionCompleted and the TaskFailed
   * events of activities that were not retried afterwards, with the retry timer that followed them in
   * the same episode); the failed activities are scheduled again under their original ids.
   */
  private rewindHistory(history: HistoryEvent[], instanceId: string, executionId: string, reason: string) {
    const episodeOf = new Map<HistoryEvent, number>();
    let ep = 0;
    for (const e of history) {
      if (e.EventType === EventType.OrchestratorStarted) ep++;
      episodeOf.set(e, ep);
    }
    const scheduledById = new Map<number, HistoryEvent>();
    for (const e of history) if (e.EventType === EventType.TaskScheduled) scheduledById.set(e.EventId, e);
    const drop = new Set<HistoryEvent>();
    const reopened: number[] = [];
    const outbound: Outbound[] = [];
    for (const e of history) {
      if (e.EventType === EventType.ExecutionCompleted) drop.add(e);
      if (e.EventType !== EventType.TaskFailed) continue;
      const id = e.TaskScheduledId!;
      if (scheduledById.has(id + 2) && scheduledById.get(id + 2)!.Name === scheduledById.get(id)?.Name) continue;
      drop.add(e);
      reopened.push(id);
      for (const t of history) {
        if (
          (t.EventType === EventType.TimerCreated && t.EventId === id + 1 && episodeOf.get(t) === episodeOf.get(e)) ||
          (t.EventType === EventType.TimerFired && t.TimerId === id + 1)
        ) {
          if (t.EventType === EventType.TimerFired && ![...drop].some((d) => d.EventType === EventType.TimerCreated && d.EventId === id + 1)) continue;
          drop.add(t);
        }
      }
      const s = scheduledById.get(id);
      if (s) {
        outbound.push({
          queue: 'workitems',
          message: { id: randomUUID(), instanceId, executionId, taskScheduledId: id, name: s.Name ?? '', input: s.Input ?? null },
        });
      }
    }
    this.logger.log('information', `Rewinding instance ${instanceId}: ${reopened.length} failed activities scheduled again (${reason}).`, {
      instanceId,
    });
    return { history: history.filter((e) => !drop.has(e)), outbound, reopened };
  }

  // ---- activities ------------------------------------------------------------------------------

  private readonly resultQueues = new Map<string, { waiting: { msg: ControlMessage; done: (err?: unknown) => void }[]; sending: boolean }>();

  /**
   * Queues an activity result. Results for the same instance that complete while a send is in flight
   * go out together in one queue message (group commit); each resolves once it is durably queued.
   */
  private sendResult(msg: ControlMessage): Promise<void> {
    let q = this.resultQueues.get(msg.instanceId);
    if (!q) {
      q = { waiting: [], sending: false };
      this.resultQueues.set(msg.instanceId, q);
    }
    const queue = q;
    const p = new Promise<void>((resolve, reject) => queue.waiting.push({ msg, done: (err) => (err ? reject(err) : resolve()) }));
    if (!queue.sending) void this.drainResults(msg.instanceId, queue);
    return p;
  }

  private async drainResults(
    instanceId: string,
    q: { waiting: { msg: ControlMessage; done: (err?: unknown) => void }[]; sending: boolean },
  ): Promise<void> {
    q.sending = true;
    while (q.waiting.length > 0) {
      const group = q.waiting.splice(0, 64);
      try {
        if (group.length === 1) await this.store.sendControl(group[0].msg);
        else await this.store.sendControl({ id: randomUUID(), instanceId, batch: group.map((g) => g.msg) });
        group.forEach((g) => g.done());
      } catch (err) {
        group.forEach((g) => g.done(err));
      }
    }
    q.sending = false;
    this.resultQueues.delete(instanceId);
  }

  private async activityLoop(): Promise<void> {
    let backoff = 10;
    while (this.running) {
      let got = 0;
      try {
        const free = this.activitySlots.available;
        if (free > 0) {
          const msgs = await this.store.receive<WorkItemMessage>(this.store.workItems, free, this.options.workItemVisibilitySec);
          got = msgs.length;
          for (const m of msgs) {
            const local = this.localWork.get(m.body?.id);
            if (local) {
              // Already running (or done) here: hold the queue copy until the result is queued.
              const held = new Lease(this.store, this.store.workItems, m, this.options.workItemVisibilitySec);
              this.activityLeases.add(held);
              this.track(
                local
                  .then((ok) => (ok ? held.complete() : held.abandon(0)))
                  .finally(() => {
                    this.activityLeases.delete(held);
                    this.localWork.delete(m.body.id);
                  }),
              );
              continue;
            }
            await this.activitySlots.acquire();
            const lease = new Lease(this.store, this.store.workItems, m, this.options.workItemVisibilitySec);
            this.activityLeases.add(lease);
            this.track(this.runActivity(lease).finally(() => {
              this.activityLeases.delete(lease);
              this.activitySlots.release();
              this.workSignal.notify();
            }));
          }
        }
      } catch (err) {
        if (this.running) this.logger.log('warning', `Durable work-item queue poll failed: ${(err as Error).message}`);
      }
      if (got === 0) {
        await this.sleep(this.workSignal, backoff);
        backoff = Math.min(backoff * 2, this.options.maxPollingIntervalMs);
      } else backoff = 10;
    }
  }

  /** Work items started in this process straight from the outbox, by message id (see reserveLocal). */
  private readonly localWork = new Map<string, Promise<boolean>>();

  /**
   * Reserves an activity slot to run a work item here once its queue message is written (call the
   * returned function with whether the send succeeded). The queue copy stays the durable one: when the
   * activity loop receives it, it holds it until the local run has queued its result, then deletes it.
   */
  private reserveLocal(w: WorkItemMessage): ((sent: boolean) => void) | undefined {
    if (!this.running || this.localWork.has(w.id) || !this.activitySlots.tryAcquire()) return undefined;
    let start!: (sent: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (start = resolve));
    const finished = gate
      .then((sent) => {
        if (!sent) {
          this.localWork.delete(w.id);
          return false;
        }
        return this.executeWorkItem(w);
      })
      .finally(() => {
        this.activitySlots.release();
        this.workSignal.notify();
      });
    this.localWork.set(w.id, finished);
    this.track(finished);
    return start;
  }

  private async runActivity(lease: Lease<WorkItemMessage>): Promise<void> {
    if (await this.executeWorkItem(lease.body)) await lease.complete();
    else await lease.abandon(5);
  }

  /** Runs one activity and durably queues its result. False when it could not (the item is retried). */
  private async executeWorkItem(w: WorkItemMessage): Promise<boolean> {
    try {
      const known = this.cache.get(w.instanceId)?.sentinel;
      const sentinel = known && known.executionId === w.executionId ? known : await this.store.readSentinel(w.instanceId);
      if (!sentinel || sentinel.executionId !== w.executionId || isTerminal(sentinel.runtimeStatus)) return true;
      this.crashIfAt(`activity:${w.name}`);
      const outcome = await this.runner.runActivity(w.name, w.input, w.instanceId);
      this.stats.activities++;
      const ev = outcome.ok
        ? event(EventType.TaskCompleted, { TaskScheduledId: w.taskScheduledId, Result: outcome.result })
        : event(EventType.TaskFailed, { TaskScheduledId: w.taskScheduledId, ...outcome.failure });
      const result: ControlMessage = { id: randomUUID(), instanceId: w.instanceId, executionId: w.executionId, event: ev };
      await this.sendResult(result);
      this.handOver(result);
      this.crashIfAt(`afterActivity:${w.name}`);
      return true;
    } catch (err) {
      this.logger.log('error', `Durable activity '${w.name}' (instance ${w.instanceId}) could not be run: ${(err as Error).message}`, {
        instanceId: w.instanceId,
        functionName: w.name,
      });
      return false;
    }
  }
}

export { failureFromError, parseJson };
