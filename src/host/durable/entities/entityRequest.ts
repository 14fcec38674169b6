/**
 * An operation sent to an entity (the extension's RequestMessage), carried as the JSON input of an
 * EventRaised named 'op'. Calls name the caller so that the answer can be sent back to it.
 */
import { event, EventType, HistoryEvent } from '../history';

export const ENTITY_OPERATION_EVENT = 'op';

export interface EntityRequest {
  id: string;
  op: string;
  signal: boolean;
  input?: string;
  parent?: string;
  parentExecution?: string;
}

/** The EventRaised that carries `request` to an entity. */
export function entityOperationEvent(request: EntityRequest, at?: Date): HistoryEvent {
  return event(EventType.EventRaised, { Name: ENTITY_OPERATION_EVENT, Input: JSON.stringify(request) }, at);
}

/** The parsed input of an entity's incoming operation event; undefined when it is not one or not JSON. */
export function operationPayload(e: HistoryEvent): unknown {
  if (e.EventType !== EventType.EventRaised || e.Name !== ENTITY_OPERATION_EVENT) return undefined;
  try {
    return JSON.parse(e.Input ?? '') as unknown;
  } catch {
    return undefined;
  }
}

export function isEntityRequest(v: unknown): v is EntityRequest {
  const r = v as EntityRequest | null;
  return !!r && typeof r.id === 'string' && typeof r.op === 'string';
}
