/**
 * Messages on the task hub's queues, modelled on DurableTask.AzureStorage: orchestration messages
 * (a history event addressed to an instance) on `{hub}-control-00`, activity work items on
 * `{hub}-workitems`. Every message has its own id so that a redelivered message is recognised.
 */
import type { HistoryEvent, RuntimeStatus } from './history';

export interface ControlMessage {
  /** Unique id of this message (a redelivery has the same id). */
  id: string;
  instanceId: string;
  /** Execution the event is for; events for another execution are dropped. Absent: the current one. */
  executionId?: string;
  event: HistoryEvent;
  /**
   * ExecutionStarted only: the execution this start replaces (undefined: a brand-new instance). A start
   * whose expectation no longer holds is a duplicate or a lost race and is dropped.
   */
  replaces?: string;
  /** ExecutionStarted from ContinueAsNew: valid only while the instance is ContinuedAsNew. */
  continuation?: boolean;
  /** Rewind request (EventType GenericEvent carries it). */
  rewind?: { reason: string };
}

/**
 * Several control messages for one instance in one queue message (activity results that completed
 * together): one send, one receive, one delete. Each inner message keeps its own id for dedupe.
 */
export interface ControlBatch {
  id: string;
  instanceId: string;
  batch: ControlMessage[];
}

export type ControlEnvelope = ControlMessage | ControlBatch;

export function isBatch(m: ControlEnvelope): m is ControlBatch {
  return Array.isArray((m as ControlBatch).batch);
}

export interface WorkItemMessage {
  id: string;
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
  name: string;
  /** JSON text of the activity input. */
  input: string | null;
}

/** The instance row kept in `{hub}Instances`: the queryable status, derived from history. */
export interface InstanceStatus {
  instanceId: string;
  name: string;
  version?: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON texts. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  completedTime?: string;
  parentInstanceId?: string;
}

/** Something to send once an episode is committed (the episode's outbox). */
export type Outbound = { queue: 'control'; message: ControlMessage; visibleAt?: string } | { queue: 'workitems'; message: WorkItemMessage };
