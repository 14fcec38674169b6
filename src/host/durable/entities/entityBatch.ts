/**
 * The pure part of an entity batch: which incoming requests are new, the binding the SDK's entity
 * function runs on, and, from its answer, the entity's next row with its outbox (answers to callers,
 * signals to other entities). Applied request ids are kept (the last 500) so that a redelivered
 * request is recognised.
 */
import { event, EventType } from '../history';
import type { ControlMessage, Outbound } from '../messages';
import type { EntityBatchResult } from '../runner';
import type { EntityRecord } from '../store';
import { entityIdOf } from './entityId';
import { EntityRequest, entityOperationEvent, isEntityRequest, operationPayload } from './entityRequest';

const KEPT_REQUEST_IDS = 500;

/** The new requests among `messages`, in order; `duplicates` counts the ones already applied or malformed. */
export function takeRequests(messages: readonly ControlMessage[], processed: readonly string[]): { ops: EntityRequest[]; duplicates: number } {
  const seen = new Set(processed);
  const ops: EntityRequest[] = [];
  let duplicates = 0;
  for (const m of messages) {
    const payload = operationPayload(m.event);
    if (payload === undefined) continue;
    if (!isEntityRequest(payload) || seen.has(payload.id)) {
      duplicates++;
      continue;
    }
    seen.add(payload.id);
    ops.push(payload);
  }
  return { ops, duplicates };
}

/** The entityTrigger binding data for a batch (as the extension builds it). */
export function entityBinding(target: { name: string; key: string }, rec: EntityRecord, ops: readonly EntityRequest[]): Record<string, unknown> {
  return {
    self: { name: target.name, key: target.key },
    exists: rec.exists,
    state: rec.state ?? undefined,
    batch: ops.map((o) => ({ id: o.id, name: o.op, signal: o.signal, input: o.input })),
  };
}

/** What the entity function answered: its batch result, or why it produced none. */
export type EntityAnswer = { result: EntityBatchResult; error?: undefined } | { result?: undefined; error: string };

function answersToCallers(ops: readonly EntityRequest[], answer: EntityAnswer, at: { now: Date; newId(): string }): Outbound[] {
  const out: Outbound[] = [];
  ops.forEach((o, i) => {
    if (o.signal || !o.parent) return;
    const r = answer.result?.results[i];
    const response = !r
      ? { exceptionType: 'EntityFunctionFailed', result: JSON.stringify(answer.error ?? 'The operation produced no result.') }
      : r.isError
        ? { exceptionType: 'Error', result: r.result ?? 'null' }
        : { result: r.result ?? null };
    out.push({
      queue: 'control',
      message: {
        id: at.newId(),
        instanceId: o.parent,
        executionId: o.parentExecution,
        event: event(EventType.EventRaised, { Name: o.id, Input: JSON.stringify(response) }, at.now),
      },
    });
  });
  return out;
}

function signalsToEntities(result: EntityBatchResult | undefined, at: { now: Date; newId(): string }): Outbound[] {
  return (result?.signals ?? []).map((sig) => {
    const request: EntityRequest = { id: at.newId(), op: sig.name, signal: true, input: sig.input || undefined };
    return {
      queue: 'control',
      message: { id: at.newId(), instanceId: entityIdOf(sig.target.name, sig.target.key), event: entityOperationEvent(request, at.now) },
    };
  });
}

/** The entity's next row after a batch: new state (unchanged when the function failed) and outbox. */
export function nextEntityRecord(rec: EntityRecord, ops: readonly EntityRequest[], answer: EntityAnswer, at: { now: Date; newId(): string }): EntityRecord {
  const { result } = answer;
  return {
    exists: result ? result.entityExists : rec.exists,
    state: result ? (result.entityExists ? (result.entityState ?? null) : null) : rec.state,
    processed: [...rec.processed, ...ops.map((o) => o.id)].slice(-KEPT_REQUEST_IDS),
    outbox: [...answersToCallers(ops, answer, at), ...signalsToEntities(result, at)],
    lastModified: at.now.toISOString(),
    stateBlob: rec.stateBlob,
    etag: rec.etag,
  };
}
