/**
 * Episode decisions driven message by message (no polling loops), with a scripted orchestrator:
 * what happens to events that arrive between two executions (ContinueAsNew), and which start
 * messages may begin a new execution.
 */
import { DurableEngine, FunctionRunner, OrchestratorState } from '../../../src/host/durable/engine';
import { event, EventType } from '../../../src/host/durable/history';
import { Held, InMemoryCopy } from '../../../src/host/durable/lease';
import type { ControlMessage } from '../../../src/host/durable/messages';
import { DurableStore } from '../../../src/host/durable/store';
import { DEFAULT_ENGINE_OPTIONS } from '../../../src/host/durable/engine';
import { startTestAzurite } from '../../support/azurite';

let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let store: DurableStore;
let engine: DurableEngine;
/** What the scripted orchestrator answers, given the binding the engine built. */
let script: (binding: any) => OrchestratorState;

const runner: FunctionRunner = {
  isOrchestrator: () => true,
  isActivity: () => true,
  canonicalName: (n) => n,
  runOrchestrator: async (_name, binding) => ({ ok: true, state: script(binding) }),
  runActivity: async () => ({ ok: true, result: 'null' }),
};

class Recorded extends InMemoryCopy<ControlMessage> {
  outcome: 'pending' | 'completed' | 'abandoned' = 'pending';
  async complete(): Promise<void> {
    this.outcome = 'completed';
  }
  async abandon(): Promise<void> {
    this.outcome = 'abandoned';
  }
}

async function deliver(...messages: ControlMessage[]): Promise<Recorded[]> {
  const held = messages.map((m) => new Recorded(m));
  await (engine as unknown as { processBatch(id: string, b: Held<ControlMessage>[]): Promise<void> }).processBatch(messages[0].instanceId, held);
  return held;
}

function startMessage(instanceId: string, executionId: string, input: unknown, extra: Partial<ControlMessage> = {}): ControlMessage {
  return {
    id: `start-${executionId}`,
    instanceId,
    event: event(EventType.ExecutionStarted, {
      Name: 'loop',
      Input: JSON.stringify(input),
      OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
    }),
    ...extra,
  };
}

beforeAll(async () => {
  azurite = await startTestAzurite();
  store = new DurableStore(azurite.connectionString, 'EpisodeHub');
  await store.init();
  engine = new DurableEngine(store, runner, { ...DEFAULT_ENGINE_OPTIONS, hubName: 'EpisodeHub' }, { log: () => undefined });
});

afterAll(async () => {
  await azurite?.stop();
});

test('events arriving between two executions wait for the new one; a continuation start is accepted once', async () => {
  // Execution 1 continues as new at once.
  script = (b) => ({ isDone: true, actions: [[{ actionType: 4, input: (b.input as number) + 1 }]], schemaVersion: 3 });
  await deliver(startMessage('loop-1', 'e1', 0));
  expect((await store.readSentinel('loop-1'))!.runtimeStatus).toBe('ContinuedAsNew');

  // An event for "the instance" arrives before execution 2 started: held back, not applied to e1.
  const raised: ControlMessage = { id: 'ev-1', instanceId: 'loop-1', event: event(EventType.EventRaised, { Name: 'go', Input: '"x"' }) };
  const late: ControlMessage = {
    id: 'late-1',
    instanceId: 'loop-1',
    executionId: 'e1',
    event: event(EventType.TimerFired, { TimerId: 0 }),
  };
  const [r1, r2] = await deliver(raised, late);
  expect(r1.outcome).toBe('abandoned');
  expect(r2.outcome).toBe('completed');
  expect((await store.readSentinel('loop-1'))!.episodes).toBe(1);

  // Execution 2 starts from the continuation message and then receives the event.
  let seen: unknown;
  script = (b) => {
    const raisedEvent = b.history.find((e: any) => e.EventType === EventType.EventRaised);
    seen = raisedEvent?.Input;
    return { isDone: false, actions: [[{ actionType: 6, externalEventName: 'go' }]], schemaVersion: 3 };
  };
  const continuation = startMessage('loop-1', 'e2', 1, { replaces: 'e1', continuation: true });
  await deliver(continuation);
  const s2 = (await store.readSentinel('loop-1'))!;
  expect(s2).toMatchObject({ executionId: 'e2', runtimeStatus: 'Running' });
  await deliver(raised);
  expect(seen).toBe('"x"');
  // A redelivered copy of the continuation start changes nothing.
  const [again] = await deliver(continuation);
  expect(again.outcome).toBe('completed');
  expect((await store.readSentinel('loop-1'))!.executionId).toBe('e2');
});

test('a continuation start arriving after the instance was terminated does not revive it', async () => {
  script = () => ({ isDone: true, actions: [[{ actionType: 4, input: 5 }]], schemaVersion: 3 });
  await deliver(startMessage('loop-2', 'f1', 0));
  // Terminated by an operator while between executions: the terminate waits for the next execution...
  const terminate: ControlMessage = { id: 't-1', instanceId: 'loop-2', event: event(EventType.ExecutionTerminated, { Input: '"stop"' }) };
  const [t] = await deliver(terminate);
  expect(t.outcome).toBe('abandoned');
  // ...which starts, and is then terminated.
  script = () => ({ isDone: false, actions: [[{ actionType: 6, externalEventName: 'never' }]], schemaVersion: 3 });
  await deliver(startMessage('loop-2', 'f2', 5, { replaces: 'f1', continuation: true }), terminate);
  const s = (await store.readSentinel('loop-2'))!;
  expect(s).toMatchObject({ executionId: 'f2', runtimeStatus: 'Terminated' });
  // A stray continuation (e.g. a duplicate) is not a client restart: dropped.
  await deliver(startMessage('loop-2', 'f3', 9, { replaces: 'f2', continuation: true }));
  expect((await store.readSentinel('loop-2'))!.executionId).toBe('f2');
  // A client restart of the terminated instance is accepted.
  script = () => ({ isDone: true, actions: [[]], output: 'restarted', schemaVersion: 3 });
  await deliver(startMessage('loop-2', 'f4', 0, { replaces: 'f2' }));
  const row = await store.getInstance('loop-2');
  expect(row).toMatchObject({ executionId: 'f4', runtimeStatus: 'Completed', output: '"restarted"' });
});

test('a start for a brand-new instance is accepted once; a start that does not replace the current execution is dropped', async () => {
  script = () => ({ isDone: false, actions: [[{ actionType: 6, externalEventName: 'x' }]], schemaVersion: 3 });
  await deliver(startMessage('new-1', 'g1', 0));
  await deliver(startMessage('new-1', 'g2', 0)); // claims to be brand new, but g1 runs
  expect((await store.readSentinel('new-1'))!.executionId).toBe('g1');
  await deliver(startMessage('new-1', 'g3', 0, { replaces: 'g1' })); // g1 is still running
  expect((await store.readSentinel('new-1'))!.executionId).toBe('g1');
});
