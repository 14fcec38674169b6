/**
 * History events as the Durable extension hands them to the durable-functions SDK: plain records with
 * PascalCase fields and numeric EventType values (DurableTask.Core.History). The engine's state is this
 * history; status, pending work and sequence numbers are derived from it.
 */

export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
  HistoryState = 18,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
}

/** OrchestrationStatus values as DurableTask.Core names them (runtimeStatus in the status JSON). */
export type RuntimeStatus = 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Pending' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export function isTerminal(status: RuntimeStatus | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status);
}

/** FailureDetails as DurableTask.Core serializes them (the SDK reads ErrorType/ErrorMessage/...). */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  InnerFailure?: FailureDetails;
  Properties?: Record<string, unknown>;
}

export interface HistoryEvent {
  EventType: EventType;
  /** Sequence number for scheduling events (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated), else -1. */
  EventId: number;
  /** ISO 8601 UTC. */
  Timestamp: string;
  IsPlayed: boolean;
  Name?: string;
  Input?: string | null;
  Result?: string | null;
  Version?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  OrchestrationStatus?: number;
  ParentInstance?: { InstanceId: string; ExecutionId: string; TaskScheduledId: number; Name: string };
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  /** Engine bookkeeping (not read by the SDK): id of the queue message that carried this event. */
  MessageId?: string;
}

/** DurableTask.Core OrchestrationStatus numbers, used in ExecutionCompleted.OrchestrationStatus. */
export const ORCHESTRATION_STATUS_NUMBER: Record<RuntimeStatus, number> = {
  Running: 0,
  Completed: 1,
  ContinuedAsNew: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  Pending: 6,
  Suspended: 7,
};

export function nowIso(date: Date = new Date()): string {
  return date.toISOString();
}

export function event(type: EventType, fields: Partial<HistoryEvent> = {}, at: Date = new Date()): HistoryEvent {
  return { EventType: type, EventId: -1, Timestamp: nowIso(at), IsPlayed: false, ...fields };
}

/** Ids of tasks (activities, timers, sub-orchestrations) that history shows as scheduled. */
export function scheduledIds(history: readonly HistoryEvent[]): Set<number> {
  const ids = new Set<number>();
  for (const e of history) {
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.TimerCreated || e.EventType === EventType.SubOrchestrationInstanceCreated) {
      ids.add(e.EventId);
    }
  }
  return ids;
}

/** Ids of tasks that history shows as finished (completed, failed or fired). */
export function completedIds(history: readonly HistoryEvent[]): Set<number> {
  const ids = new Set<number>();
  for (const e of history) {
    if (
      e.EventType === EventType.TaskCompleted ||
      e.EventType === EventType.TaskFailed ||
      e.EventType === EventType.SubOrchestrationInstanceCompleted ||
      e.EventType === EventType.SubOrchestrationInstanceFailed
    ) {
      ids.add(e.TaskScheduledId!);
    } else if (e.EventType === EventType.TimerFired) {
      ids.add(e.TimerId!);
    }
  }
  return ids;
}

/** The name of the event type, as the status API shows it. */
export function eventTypeName(t: EventType): string {
  return EventType[t] ?? String(t);
}
