/**
 * Replays the actions an orchestrator returned against its history to find what is new, assigning
 * sequence numbers as the extension does: OutOfProcOrchestrationShim.ProcessAsyncActionsV2 awaits the
 * top-level actions one after the other, and each activity, timer or sub-orchestration call takes the
 * next id of DurableTask.Core's counter when it is scheduled; external events take none. Retries
 * (RetryInterceptor) take one id for the retry timer and one for each new attempt, at the moment the
 * failure / timer event is processed. The durable-functions SDK mirrors exactly this numbering
 * (TaskOrchestrationExecutor.trackOpenTask, RetryableTask, LongTimerTask), so the ids here are the ids
 * the SDK expects in TaskCompleted.TaskScheduledId and TimerFired.TimerId.
 *
 * Pure: a function of (actions, history). It does not decide what the orchestrator does; the SDK did.
 */
import { EventType, FailureDetails, HistoryEvent } from './history';
import { nextRetryDelayMs, RetryPolicy, toRetryPolicy } from './retry';

export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  ScheduledSignalEntity = 10,
  WhenAny = 11,
  WhenAll = 12,
  LockEntities = 13,
  ReleaseEntities = 14,
}

/** An action as the SDK serializes it in OrchestratorState.actions. */
export interface OrchestratorAction {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  retryOptions?: unknown;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  instanceId?: string;
  version?: string;
  /** CallEntity / SignalEntity: the operation name. */
  operation?: string;
  compoundActions?: OrchestratorAction[];
}

/** The failure a task ended with, as carried by TaskFailed / SubOrchestrationInstanceFailed. */
export interface TaskFailure {
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
}

export type NewWork =
  | {
      kind: 'activity';
      id: number;
      name: string;
      /** JSON text of the activity input. */
      input: string | null;
      /** Set when the retry timeout expired: the attempt fails at once with this failure, unrun. */
      failWith?: TaskFailure;
    }
  | { kind: 'timer'; id: number; fireAt: string }
  | {
      kind: 'subOrchestration';
      id: number;
      name: string;
      instanceId?: string;
      input: string | null;
      version?: string;
      failWith?: TaskFailure;
    }
  /** callEntity (awaits a response) or signalEntity (one-way): an operation message to an entity. */
  | { kind: 'entityOperation'; id: number; entityId: string; operation: string; input: string | null; signal: boolean };

export interface ReplayResult {
  newWork: NewWork[];
  /** Input of ContinueAsNew when the orchestrator asked for it. */
  continueAsNew?: { input: string | null };
  /** Actions this engine cannot carry out (entities, durable HTTP), with their type names. */
  unsupported: string[];
  /** A scheduled id whose history record names a different function than the code now calls. */
  nonDeterminism?: string;
}

export interface ReplayOptions {
  /** Timers further away than this are split, as LongTimerTask does (extension: 6 days). */
  maximumShortTimerMs: number;
  /** Interval of the split timers (extension: 3 days). */
  longRunningTimerIntervalMs: number;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = {
  maximumShortTimerMs: 6 * 24 * 3600 * 1000,
  longRunningTimerIntervalMs: 3 * 24 * 3600 * 1000,
};

/** The request id carried by an EventSent event's RequestMessage. */
export function requestIdOf(e: HistoryEvent): string | undefined {
  try {
    const req = JSON.parse(e.Input ?? '') as { id?: unknown };
    return typeof req.id === 'string' ? req.id : undefined;
  } catch {
    return undefined;
  }
}

/** An entity's answer that carries an exception (the SDK then fails the call). */
function entityResponseFailed(e: HistoryEvent): boolean {
  try {
    const r = JSON.parse(e.Input ?? '') as { exceptionType?: unknown };
    return typeof r?.exceptionType === 'string';
  } catch {
    return false;
  }
}

/** JSON text of an action input. The SDK already JSON-encodes string inputs of activities (processInput). */
export function actionInputText(input: unknown, alreadyEncodedStrings: boolean): string | null {
  if (input === undefined) return null;
  if (typeof input === 'string' && alreadyEncodedStrings) return input;
  return JSON.stringify(input);
}

type State = 'running' | 'ok' | 'failed';

abstract class SimTask {
  state: State = 'running';
  parent?: SimCompound;
  failure?: TaskFailure;

  settle(ok: boolean, r: Replayer, failure?: TaskFailure): void {
    this.state = ok ? 'ok' : 'failed';
    if (!ok) this.failure = failure;
    if (this.parent) this.parent.onChildSettled(this, r);
  }
}

type LeafKind = 'activity' | 'timer' | 'subOrchestration' | 'event' | 'entity';

class SimLeaf extends SimTask {
  id: number | false = false;
  constructor(
    readonly kind: LeafKind,
    readonly action: OrchestratorAction,
    readonly fireAt?: Date,
    readonly failWith?: TaskFailure,
  ) {
    super();
  }
}

abstract class SimCompound extends SimTask {
  children: SimTask[] = [];
  abstract onChildSettled(child: SimTask, r: Replayer): void;
  adopt(child: SimTask): void {
    child.parent = this;
    this.children.push(child);
  }
}

class SimWhenAll extends SimCompound {
  private failed = false;
  onChildSettled(child: SimTask, r: Replayer): void {
    if (child.state === 'ok') {
      if (this.children.every((c) => c.state === 'ok')) this.settle(true, r);
    } else if (!this.failed) {
      this.failed = true;
      this.settle(false, r, child.failure);
    }
  }
}

class SimWhenAny extends SimCompound {
  onChildSettled(_child: SimTask, r: Replayer): void {
    if (this.state === 'running') this.settle(true, r);
  }
}

/** RetryableTask: inner attempt, then (timer, attempt) pairs; fails after the timer following the last attempt. */
class SimRetryable extends SimCompound {
  private attemptNumber = 1;
  private waitingOnTimer = false;
  private expired = false;
  private lastFailure?: TaskFailure;
  constructor(
    readonly template: SimLeaf,
    readonly policy: RetryPolicy,
    readonly firstAttempt: Date,
  ) {
    super();
    this.adopt(template);
  }

  onChildSettled(child: SimTask, r: Replayer): void {
    if (this.waitingOnTimer) {
      this.waitingOnTimer = false;
      if (this.attemptNumber > this.policy.maxNumberOfAttempts) {
        this.settle(false, r, this.lastFailure);
      } else {
        const attempt = new SimLeaf(this.template.kind, this.template.action, undefined, this.expired ? this.lastFailure : undefined);
        this.adopt(attempt);
        r.track(attempt);
      }
    } else if (child.state === 'ok') {
      this.settle(true, r);
    } else {
      this.lastFailure = child.failure;
      const delay = nextRetryDelayMs(this.policy, this.attemptNumber - 1, this.firstAttempt, r.now);
      if (delay === 0) this.expired = true;
      const timer = new SimLeaf('timer', { actionType: ActionType.CreateTimer }, new Date(r.now.getTime() + delay));
      this.adopt(timer);
      this.waitingOnTimer = true;
      this.attemptNumber++;
      r.track(timer);
    }
  }
}

/** LongTimerTask: a chain of timers no longer than the maximum short timer until the final fire time. */
class SimLongTimer extends SimCompound {
  constructor(
    readonly finalFireAt: Date,
    private readonly opts: ReplayOptions,
    now: Date,
  ) {
    super();
    this.adopt(this.nextTimer(now));
  }

  private nextTimer(now: Date): SimLeaf {
    const remaining = this.finalFireAt.getTime() - now.getTime();
    const fireAt = remaining > this.opts.maximumShortTimerMs ? new Date(now.getTime() + this.opts.longRunningTimerIntervalMs) : this.finalFireAt;
    return new SimLeaf('timer', { actionType: ActionType.CreateTimer }, fireAt);
  }

  onChildSettled(child: SimTask, r: Replayer): void {
    if (this.finalFireAt.getTime() > r.now.getTime()) {
      const next = this.nextTimer(r.now);
      this.adopt(next);
      r.track(next);
    }
    if (child.state === 'ok' && this.children.every((c) => c.state === 'ok')) this.settle(true, r);
  }
}

class Replayer {
  private seq = 0;
  private readonly open = new Map<number, SimLeaf>();
  private readonly openEvents = new Map<string, SimLeaf[]>();
  private readonly deferred = new Map<string, HistoryEvent[]>();
  private readonly scheduled = new Map<number, HistoryEvent>();
  private topIndex = 0;
  private current: SimTask | undefined;
  private started = false;
  now: Date;
  readonly result: ReplayResult = { newWork: [], unsupported: [] };

  constructor(
    private readonly actions: readonly OrchestratorAction[],
    history: readonly HistoryEvent[],
    private readonly opts: ReplayOptions,
  ) {
    for (const e of history) {
      if (
        e.EventType === EventType.TaskScheduled ||
        e.EventType === EventType.TimerCreated ||
        e.EventType === EventType.SubOrchestrationInstanceCreated ||
        e.EventType === EventType.EventSent
      ) {
        this.scheduled.set(e.EventId, e);
      }
    }
    const firstStart = history.find((e) => e.EventType === EventType.OrchestratorStarted);
    this.now = firstStart ? new Date(firstStart.Timestamp) : new Date();
  }

  run(history: readonly HistoryEvent[]): ReplayResult {
    for (const e of history) this.process(e);
    return this.result;
  }

  private process(e: HistoryEvent): void {
    switch (e.EventType) {
      case EventType.OrchestratorStarted: {
        const t = new Date(e.Timestamp);
        if (t.getTime() > this.now.getTime()) this.now = t;
        return;
      }
      case EventType.ExecutionStarted:
        this.started = true;
        this.resume();
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.deliver(String(e.TaskScheduledId), e, true);
        break;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.deliver(String(e.TaskScheduledId), e, false);
        break;
      case EventType.TimerFired:
        this.deliver(String(e.TimerId), e, true);
        break;
      case EventType.EventRaised:
        this.deliver(`event:${e.Name ?? ''}`, e, true);
        break;
      case EventType.EventSent: {
        // An entity call is answered by an event named after its request id (as the SDK re-keys it).
        const task = this.open.get(e.EventId);
        if (task && task.kind === 'entity') {
          const requestId = requestIdOf(e);
          if (requestId) {
            this.open.delete(e.EventId);
            const key = `event:${requestId}`;
            const list = this.openEvents.get(key) ?? [];
            list.push(task);
            this.openEvents.set(key, list);
            const q = this.deferred.get(key);
            if (q && q.length > 0) {
              const d = q.shift()!;
              if (q.length === 0) this.deferred.delete(key);
              this.deliver(key, d, true);
            }
          }
        }
        return;
      }
      default:
        return;
    }
    this.resume();
  }

  private deliver(key: string, e: HistoryEvent, ok: boolean): void {
    let task: SimLeaf | undefined;
    if (key.startsWith('event:')) {
      const list = this.openEvents.get(key);
      if (list && list.length > 0) {
        task = list.pop();
        if (list.length === 0) this.openEvents.delete(key);
      }
    } else {
      const id = Number(key);
      task = this.open.get(id);
      if (task) this.open.delete(id);
    }
    if (!task) {
      const q = this.deferred.get(key) ?? [];
      q.push(e);
      this.deferred.set(key, q);
      return;
    }
    if (ok && task.kind === 'entity' && entityResponseFailed(e)) ok = false;
    task.settle(ok, this, ok ? undefined : { Reason: e.Reason, Details: e.Details, FailureDetails: e.FailureDetails });
  }

  /** trackOpenTask: ids in depth-first order of the task tree; deferred events apply at once. */
  track(task: SimTask): void {
    if (task instanceof SimCompound) {
      for (const c of [...task.children]) this.track(c);
      return;
    }
    const leaf = task as SimLeaf;
    let key: string;
    if (leaf.kind === 'event') {
      key = `event:${leaf.action.externalEventName ?? ''}`;
      const list = this.openEvents.get(key) ?? [];
      list.push(leaf);
      this.openEvents.set(key, list);
    } else {
      if (leaf.id === false) {
        leaf.id = this.seq++;
        this.open.set(leaf.id, leaf);
        this.onScheduled(leaf);
      }
      key = String(leaf.id);
    }
    const q = this.deferred.get(key);
    if (q && q.length > 0) {
      const e = q.shift()!;
      if (q.length === 0) this.deferred.delete(key);
      this.deliver(key, e, e.EventType !== EventType.TaskFailed && e.EventType !== EventType.SubOrchestrationInstanceFailed);
    }
  }

  private onScheduled(leaf: SimLeaf): void {
    const id = leaf.id as number;
    const a = leaf.action;
    const known = this.scheduled.get(id);
    if (known) {
      const expected = leaf.kind === 'timer' ? undefined : a.functionName;
      if (expected !== undefined && known.Name !== undefined && known.Name !== expected && !this.result.nonDeterminism) {
        this.result.nonDeterminism =
          `Non-deterministic workflow detected: history has '${known.Name}' scheduled with id ${id}, ` + `but the orchestrator now calls '${expected}' there.`;
      }
      return;
    }
    switch (leaf.kind) {
      case 'activity':
        this.result.newWork.push({
          kind: 'activity',
          id,
          name: a.functionName ?? '',
          input: actionInputText(a.input, true),
          ...(leaf.failWith ? { failWith: leaf.failWith } : {}),
        });
        break;
      case 'subOrchestration':
        this.result.newWork.push({
          kind: 'subOrchestration',
          id,
          name: a.functionName ?? '',
          instanceId: a.instanceId || undefined,
          input: actionInputText(a.input, false),
          version: a.version,
          ...(leaf.failWith ? { failWith: leaf.failWith } : {}),
        });
        break;
      case 'entity':
        this.result.newWork.push({
          kind: 'entityOperation',
          id,
          entityId: a.instanceId ?? '',
          operation: a.operation ?? '',
          input: actionInputText(a.input, false),
          signal: false,
        });
        break;
      case 'timer':
        // A timer created already cancelled never needs to fire (its id is still taken).
        if (!a.isCanceled || a.actionType !== ActionType.CreateTimer || leaf.fireAt) {
          this.result.newWork.push({ kind: 'timer', id, fireAt: (leaf.fireAt ?? new Date(a.fireAt ?? this.now)).toISOString() });
        }
        break;
      default:
        break;
    }
  }

  /** ProcessAsyncActionsV2: the next top-level action runs once the previous one has finished. */
  private resume(): void {
    if (!this.started) return;
    while ((this.current === undefined || this.current.state !== 'running') && this.topIndex < this.actions.length) {
      const action = this.actions[this.topIndex++];
      const task = this.build(action, true);
      if (!task) continue;
      this.current = task;
      this.track(task);
    }
  }

  private build(a: OrchestratorAction, topLevel: boolean): SimTask | undefined {
    switch (a.actionType) {
      case ActionType.CallActivity:
        return new SimLeaf('activity', a);
      case ActionType.CallActivityWithRetry:
        return new SimRetryable(new SimLeaf('activity', a), toRetryPolicy(a.retryOptions), this.now);
      case ActionType.CallSubOrchestrator:
        return new SimLeaf('subOrchestration', a);
      case ActionType.CallSubOrchestratorWithRetry:
        return new SimRetryable(new SimLeaf('subOrchestration', a), toRetryPolicy(a.retryOptions), this.now);
      case ActionType.CreateTimer: {
        const fireAt = new Date(a.fireAt ?? this.now);
        if (fireAt.getTime() - this.now.getTime() > this.opts.maximumShortTimerMs) {
          return new SimLongTimer(fireAt, this.opts, this.now);
        }
        return new SimLeaf('timer', a);
      }
      case ActionType.WaitForExternalEvent:
        return new SimLeaf('event', a);
      case ActionType.WhenAll:
      case ActionType.WhenAny: {
        const c = a.actionType === ActionType.WhenAll ? new SimWhenAll() : new SimWhenAny();
        for (const child of a.compoundActions ?? []) {
          const t = this.build(child, false);
          if (t) c.adopt(t);
        }
        return c;
      }
      case ActionType.ContinueAsNew:
        if (topLevel) this.result.continueAsNew = { input: actionInputText(a.input, true) };
        return undefined;
      case ActionType.CallEntity:
        return new SimLeaf('entity', a);
      case ActionType.SignalEntity: {
        // Fire and forget: takes a sequence number (recordFireAndForgetAction), no task.
        const id = this.seq++;
        if (!this.scheduled.has(id)) {
          this.result.newWork.push({
            kind: 'entityOperation',
            id,
            entityId: a.instanceId ?? '',
            operation: a.operation ?? '',
            input: actionInputText(a.input, false),
            signal: true,
          });
        }
        return undefined;
      }
      default:
        // Entity locks, scheduled signals and durable HTTP are not carried out by this engine; the
        // caller fails the instance.
        this.result.unsupported.push(ActionType[a.actionType] ?? String(a.actionType));
        if (a.actionType === ActionType.ScheduledSignalEntity) this.seq++;
        return undefined;
    }
  }
}

/**
 * Work the orchestrator asked for that history does not show as scheduled yet, with the sequence
 * numbers the SDK will use for it. `history` is the full history the orchestrator just ran against.
 */
export function replayActions(
  actions: readonly OrchestratorAction[],
  history: readonly HistoryEvent[],
  opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
): ReplayResult {
  return new Replayer(actions, history, opts).run(history);
}
