/**
 * Instance management as DurableClient does it for the extension's HTTP API: start, status (with
 * history), list with filters and paging, raise event, terminate, suspend, resume, rewind, purge.
 * Operations write the instance row and/or send a control message; the engine applies them.
 */
import { randomUUID } from 'node:crypto';
import type { DurableEngine } from './engine';
import { entityIdOf } from './entities/entityId';
import { entityOperationEvent } from './entities/entityRequest';
import { parseJson } from './json';
import { event, EventType, eventTypeName, HistoryEvent, isTerminal, RuntimeStatus } from './history';
import type { ControlMessage, InstanceStatus } from './messages';
import type { InstanceQuery } from './store';

/** Characters a table key cannot hold, control characters, and the length limit. */
export function validInstanceId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  const forbidden = /[/\\#?\u0000-\u001f\u007f]/;
  return id.length > 0 && id.length <= 256 && !forbidden.test(id);
}

export class DurableApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ALL_STATUSES: RuntimeStatus[] = ['Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Terminated', 'Pending', 'Suspended'];

export function parseRuntimeStatuses(raw: string | null): RuntimeStatus[] | undefined {
  if (!raw) return undefined;
  const out: RuntimeStatus[] = [];
  for (const part of raw.split(',')) {
    const match = ALL_STATUSES.find((s) => s.toLowerCase() === part.trim().toLowerCase());
    if (match) out.push(match);
  }
  return out.length > 0 ? out : undefined;
}

/** The status JSON of the extension's HTTP API (StatusResponsePayload). */
export interface StatusPayload {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
  history?: Record<string, unknown>[];
}

/** DateTime.ToString("s") + "Z", as HttpApiHandler formats times. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19) + 'Z';
}

/** History as the status API shows it: scheduling bookkeeping folded into the completion events. */
export function historyForStatus(history: HistoryEvent[], showOutput: boolean): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  for (const e of history) {
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated || e.EventType === EventType.TimerCreated) {
      scheduled.set(e.EventId, e);
    }
  }
  const out: Record<string, unknown>[] = [];
  for (const e of history) {
    const base: Record<string, unknown> = { EventType: eventTypeName(e.EventType), Timestamp: e.Timestamp };
    switch (e.EventType) {
      case EventType.ExecutionStarted:
        out.push({ ...base, FunctionName: e.Name, ...(showOutput ? { Input: parseJson(e.Input) } : {}) });
        break;
      case EventType.ExecutionCompleted:
        out.push({
          ...base,
          OrchestrationStatus: Object.entries({ 1: 'Completed', 2: 'ContinuedAsNew', 3: 'Failed', 5: 'Terminated' }).find(
            ([k]) => Number(k) === e.OrchestrationStatus,
          )?.[1],
          ...(showOutput ? { Result: parseJson(e.Result) } : {}),
          ...(e.FailureDetails ? { FailureDetails: e.FailureDetails } : {}),
        });
        break;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted: {
        const s = scheduled.get(e.TaskScheduledId!);
        out.push({
          ...base,
          FunctionName: s?.Name,
          ScheduledTime: s?.Timestamp,
          TaskScheduledId: e.TaskScheduledId,
          ...(e.EventType === EventType.SubOrchestrationInstanceCompleted ? { InstanceId: s?.InstanceId } : {}),
          ...(showOutput ? { Result: parseJson(e.Result) } : {}),
        });
        break;
      }
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(e.TaskScheduledId!);
        out.push({
          ...base,
          FunctionName: s?.Name,
          ScheduledTime: s?.Timestamp,
          TaskScheduledId: e.TaskScheduledId,
          Reason: e.Reason ?? e.FailureDetails?.ErrorMessage,
          Details: e.Details,
          ...(e.FailureDetails ? { FailureDetails: e.FailureDetails } : {}),
        });
        break;
      }
      case EventType.TimerFired:
        out.push({ ...base, TimerId: e.TimerId, FireAt: e.FireAt });
        break;
      case EventType.EventRaised:
        out.push({ ...base, Name: e.Name, ...(showOutput ? { Input: parseJson(e.Input) } : {}) });
        break;
      case EventType.ExecutionTerminated:
      case EventType.ExecutionSuspended:
      case EventType.ExecutionResumed:
        out.push({ ...base, Reason: parseJson(e.Input) });
        break;
      default:
        break;
    }
  }
  return out;
}

export function toStatusPayload(s: InstanceStatus, showInput = true): StatusPayload {
  return {
    name: s.name,
    instanceId: s.instanceId,
    runtimeStatus: s.runtimeStatus,
    input: showInput ? parseJson(s.input) : null,
    customStatus: parseJson(s.customStatus),
    output: parseJson(s.output),
    createdTime: formatTime(s.createdTime),
    lastUpdatedTime: formatTime(s.lastUpdatedTime),
  };
}

export class DurableManagement {
  constructor(private readonly engine: DurableEngine) {}

  private get store() {
    return this.engine.store;
  }

  private async send(msg: ControlMessage): Promise<void> {
    await this.store.sendControl(msg);
    this.engine.handOver(msg);
  }

  /** Starts an orchestration; `inputJson` is the JSON text of the input (undefined: none). */
  async startNew(functionName: string, instanceId: string | undefined, inputJson: string | undefined, version?: string): Promise<string> {
    const runner = this.engine.runner;
    if (!runner.isOrchestrator(functionName)) {
      throw new DurableApiError(
        'DURABLE_UNKNOWN_ORCHESTRATOR',
        400,
        `The function '${functionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const name = runner.canonicalName(functionName);
    const id = instanceId && instanceId.length > 0 ? instanceId : randomUUID().replace(/-/g, '');
    if (id.startsWith('@') || !validInstanceId(id)) {
      throw new DurableApiError('DURABLE_BAD_INSTANCE_ID', 400, `Instance ID "${id}" is not valid.`);
    }
    if (inputJson !== undefined && inputJson !== '') {
      try {
        JSON.parse(inputJson);
      } catch {
        throw new DurableApiError('DURABLE_BAD_INPUT', 400, 'Invalid JSON content: the orchestration input must be JSON.');
      }
    }
    const existing = await this.store.getInstance(id);
    if (existing && !isTerminal(existing.runtimeStatus)) {
      throw new DurableApiError('DURABLE_INSTANCE_EXISTS', 409, `An instance with ID '${id}' already exists and is ${existing.runtimeStatus}.`);
    }
    const now = new Date();
    const executionId = randomUUID().replace(/-/g, '');
    const input = inputJson === undefined || inputJson === '' ? null : inputJson;
    const pending: InstanceStatus = {
      instanceId: id,
      name,
      version,
      executionId,
      runtimeStatus: 'Pending',
      input,
      output: null,
      customStatus: null,
      createdTime: now.toISOString(),
      lastUpdatedTime: now.toISOString(),
    };
    try {
      await this.store.createPendingInstance(pending, existing?.etag);
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 409 || status === 412) {
        throw new DurableApiError('DURABLE_INSTANCE_EXISTS', 409, `An instance with ID '${id}' was created concurrently.`);
      }
      throw err;
    }
    await this.send({
      id: randomUUID(),
      instanceId: id,
      replaces: existing?.executionId,
      event: event(
        EventType.ExecutionStarted,
        { Name: name, Input: input, Version: version, OrchestrationInstance: { InstanceId: id, ExecutionId: executionId } },
        now,
      ),
    });
    return id;
  }

  async getStatus(
    instanceId: string,
    opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {},
  ): Promise<StatusPayload | undefined> {
    const row = await this.store.getInstance(instanceId);
    if (!row) return undefined;
    const payload = toStatusPayload(row, opts.showInput !== false);
    if (opts.showHistory) {
      const sentinel = await this.store.readSentinel(instanceId);
      const episodes = sentinel ? await this.store.readEpisodes(instanceId, sentinel.historyKey) : [];
      payload.historyEvents = historyForStatus(
        episodes.flatMap((e) => e.events),
        opts.showHistoryOutput === true,
      );
      // The extension names it historyEvents; durable-functions' DurableOrchestrationStatus reads `history`.
      payload.history = payload.historyEvents;
    }
    return payload;
  }

  async list(q: InstanceQuery, top: number | undefined, continuationToken: string | undefined, showInput: boolean) {
    const pageSize = top && top > 0 ? Math.min(top, 1000) : 100;
    const res = await this.store.listInstances(q, pageSize, continuationToken);
    return { statuses: res.instances.map((s) => toStatusPayload(s, showInput)), continuationToken: res.continuationToken };
  }

  private async requireActive(instanceId: string): Promise<InstanceStatus> {
    const row = await this.store.getInstance(instanceId);
    if (!row) throw new DurableApiError('DURABLE_INSTANCE_NOT_FOUND', 404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(row.runtimeStatus)) {
      throw new DurableApiError('DURABLE_INSTANCE_GONE', 410, `Instance '${instanceId}' is ${row.runtimeStatus}.`);
    }
    return row;
  }

  async raiseEvent(instanceId: string, eventName: string, dataJson: string): Promise<void> {
    await this.requireActive(instanceId);
    await this.send({ id: randomUUID(), instanceId, event: event(EventType.EventRaised, { Name: eventName, Input: dataJson }) });
  }

  async terminate(instanceId: string, reason: string | undefined): Promise<void> {
    await this.sendLifecycle(instanceId, EventType.ExecutionTerminated, reason);
  }

  async suspend(instanceId: string, reason: string | undefined): Promise<void> {
    await this.sendLifecycle(instanceId, EventType.ExecutionSuspended, reason);
  }

  async resume(instanceId: string, reason: string | undefined): Promise<void> {
    await this.sendLifecycle(instanceId, EventType.ExecutionResumed, reason);
  }

  /** Terminate, suspend and resume: one control event for an active instance, the reason as its input. */
  private async sendLifecycle(instanceId: string, type: EventType, reason: string | undefined): Promise<void> {
    await this.requireActive(instanceId);
    await this.send({ id: randomUUID(), instanceId, event: event(type, { Input: reason === undefined ? null : JSON.stringify(reason) }) });
  }

  async rewind(instanceId: string, reason: string | undefined): Promise<void> {
    const row = await this.store.getInstance(instanceId);
    if (!row) throw new DurableApiError('DURABLE_INSTANCE_NOT_FOUND', 404, `No orchestration with instance ID "${instanceId}" found.`);
    if (row.runtimeStatus !== 'Failed') {
      throw new DurableApiError(
        'DURABLE_NOT_FAILED',
        412,
        `This orchestration has status ${row.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
      );
    }
    await this.send({
      id: randomUUID(),
      instanceId,
      executionId: row.executionId,
      rewind: { reason: reason ?? '' },
      event: event(EventType.GenericEvent, { Input: JSON.stringify(reason ?? '') }),
    });
  }

  /**
   * Restart (HttpApiHandler's restart operation): a new instance of the same orchestrator with the
   * original input; with `newInstanceId` false the same id is reused (it must have finished).
   */
  async restart(instanceId: string, newInstanceId: boolean): Promise<string> {
    const row = await this.store.getInstance(instanceId);
    if (!row) throw new DurableApiError('DURABLE_INSTANCE_NOT_FOUND', 400, 'InstanceId does not match a valid orchestration instance.');
    return this.startNew(row.name, newInstanceId ? undefined : instanceId, row.input ?? undefined, row.version);
  }

  /** Signals an entity operation (one-way). `inputJson`: JSON text or undefined. */
  async signalEntity(name: string, key: string, operation: string, inputJson: string | undefined): Promise<void> {
    if (!name || !key) throw new DurableApiError('DURABLE_BAD_ENTITY_ID', 400, 'An entity id needs a name and a key.');
    const entityId = entityIdOf(name, key);
    if (!validInstanceId(entityId)) throw new DurableApiError('DURABLE_BAD_ENTITY_ID', 400, 'The entity id is not valid.');
    const request = { id: randomUUID(), op: operation, signal: true, ...(inputJson !== undefined ? { input: inputJson } : {}) };
    await this.send({ id: randomUUID(), instanceId: entityId, event: entityOperationEvent(request) });
  }

  /** An entity's state (parsed JSON), or undefined when it does not exist. */
  async readEntityState(name: string, key: string): Promise<{ exists: boolean; state: unknown }> {
    const entityId = entityIdOf(name, key);
    if (!validInstanceId(entityId)) throw new DurableApiError('DURABLE_BAD_ENTITY_ID', 400, 'The entity id is not valid.');
    const rec = await this.store.readEntity(entityId);
    return { exists: rec.exists, state: parseJson(rec.state) };
  }

  /** Purges one terminal instance: 404 if unknown, 412 if not terminal. */
  async purge(instanceId: string): Promise<{ instancesDeleted: number }> {
    const row = await this.store.getInstance(instanceId);
    if (!row) throw new DurableApiError('DURABLE_INSTANCE_NOT_FOUND', 404, `No instance with ID '${instanceId}' found.`);
    if (!isTerminal(row.runtimeStatus)) {
      throw new DurableApiError(
        'DURABLE_NOT_TERMINAL',
        412,
        `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${row.runtimeStatus}`,
      );
    }
    await this.store.deleteHistory(instanceId);
    await this.store.deleteInstanceRow(instanceId);
    return { instancesDeleted: 1 };
  }

  async purgeBy(q: InstanceQuery): Promise<{ instancesDeleted: number }> {
    const statuses = (q.runtimeStatus ?? ['Completed', 'Failed', 'Terminated', 'Canceled']).filter((s) => isTerminal(s));
    let deleted = 0;
    let token: string | undefined;
    const ids: string[] = [];
    do {
      const page = await this.store.listInstances({ ...q, runtimeStatus: statuses }, 500, token);
      ids.push(...page.instances.map((i) => i.instanceId));
      token = page.continuationToken;
    } while (token);
    for (const id of ids) {
      await this.store.deleteHistory(id);
      await this.store.deleteInstanceRow(id);
      deleted++;
    }
    return { instancesDeleted: deleted };
  }
}
