/** The pure part of an entity batch: new requests, answers to callers, signals, the next row. */
import { entityBinding, nextEntityRecord, takeRequests } from '../../../../src/host/durable/entities/entityBatch';
import { entityIdOf, parseEntityId } from '../../../../src/host/durable/entities/entityId';
import { EntityRequest, entityOperationEvent } from '../../../../src/host/durable/entities/entityRequest';
import { event, EventType } from '../../../../src/host/durable/history';
import type { ControlMessage } from '../../../../src/host/durable/messages';
import type { EntityRecord } from '../../../../src/host/durable/store';

const NOW = new Date('2026-01-01T00:00:00Z');
const ENTITY = entityIdOf('Counter', 'k1');
const op = (request: EntityRequest): ControlMessage => ({ id: `m-${request.id}`, instanceId: ENTITY, event: entityOperationEvent(request, NOW) });
const empty: EntityRecord = { exists: false, state: null, processed: [], outbox: [], lastModified: '' };

function ids() {
  let n = 0;
  return { now: NOW, newId: () => `id-${++n}` };
}

test('entity ids are "@name@key" with the name lower-cased', () => {
  expect(ENTITY).toBe('@counter@k1');
  expect(parseEntityId('@counter@a@b')).toEqual({ name: 'counter', key: 'a@b' });
  expect(parseEntityId('plain')).toBeUndefined();
});

test('requests already applied, malformed ones and other events are not run again', () => {
  const messages = [
    op({ id: 'a', op: 'add', signal: true, input: '1' }),
    op({ id: 'b', op: 'add', signal: true, input: '2' }),
    op({ id: 'b', op: 'add', signal: true, input: '2' }),
    { id: 'x', instanceId: ENTITY, event: event(EventType.EventRaised, { Name: 'op', Input: '{"id":3}' }) },
    { id: 'y', instanceId: ENTITY, event: event(EventType.EventRaised, { Name: 'other', Input: '{}' }) },
  ];
  const { ops, duplicates } = takeRequests(messages, ['a']);
  expect(ops.map((o) => o.id)).toEqual(['b']);
  expect(duplicates).toBe(3);
  expect(entityBinding({ name: 'counter', key: 'k1' }, { ...empty, exists: true, state: '5' }, ops)).toEqual({
    self: { name: 'counter', key: 'k1' },
    exists: true,
    state: '5',
    batch: [{ id: 'b', name: 'add', signal: true, input: '2' }],
  });
});

test('callers get the result or the error of their operation; signals go to other entities; the state and ids are kept', () => {
  const ops: EntityRequest[] = [
    { id: 'c1', op: 'add', signal: false, input: '1', parent: 'orch-1', parentExecution: 'e1' },
    { id: 's1', op: 'add', signal: true, input: '2' },
    { id: 'c2', op: 'boom', signal: false, parent: 'orch-2', parentExecution: 'e2' },
  ];
  const next = nextEntityRecord(
    { ...empty, processed: ['old'], etag: 'etag-1' },
    ops,
    {
      result: {
        entityExists: true,
        entityState: '3',
        results: [{ isError: false, result: '1' }, { isError: false }, { isError: true, result: '"bad op"' }],
        signals: [{ target: { name: 'Audit', key: 'k1' }, name: 'log', input: '"added"' }],
      },
    },
    ids(),
  );
  expect(next).toMatchObject({ exists: true, state: '3', processed: ['old', 'c1', 's1', 'c2'], lastModified: NOW.toISOString(), etag: 'etag-1' });
  const [toCaller1, toCaller2, signal] = next.outbox.map((o) => o.message as ControlMessage);
  expect(toCaller1).toMatchObject({ instanceId: 'orch-1', executionId: 'e1', event: { EventType: EventType.EventRaised, Name: 'c1' } });
  expect(JSON.parse(toCaller1.event.Input!)).toEqual({ result: '1' });
  expect(JSON.parse(toCaller2.event.Input!)).toEqual({ exceptionType: 'Error', result: '"bad op"' });
  expect(signal.instanceId).toBe('@audit@k1');
  expect(JSON.parse(signal.event.Input!)).toMatchObject({ op: 'log', signal: true, input: '"added"' });
  expect(next.outbox).toHaveLength(3);
});

test('when the entity function fails, the state is unchanged and every caller gets the failure', () => {
  const ops: EntityRequest[] = [{ id: 'c1', op: 'add', signal: false, parent: 'orch-1' }];
  const next = nextEntityRecord({ ...empty, exists: true, state: '7' }, ops, { error: 'no such entity function' }, ids());
  expect(next).toMatchObject({ exists: true, state: '7', processed: ['c1'] });
  expect(JSON.parse((next.outbox[0].message as ControlMessage).event.Input!)).toEqual({
    exceptionType: 'EntityFunctionFailed',
    result: JSON.stringify('no such entity function'),
  });
});

test('only the last 500 request ids are kept', () => {
  const processed = Array.from({ length: 500 }, (_, i) => `r${i}`);
  const next = nextEntityRecord(
    { ...empty, processed },
    [{ id: 'new', op: 'x', signal: true }],
    { result: { entityExists: false, results: [{ isError: false }], signals: [] } },
    ids(),
  );
  expect(next.processed).toHaveLength(500);
  expect(next.processed[0]).toBe('r1');
  expect(next.processed.at(-1)).toBe('new');
  expect(next).toMatchObject({ exists: false, state: null });
});
