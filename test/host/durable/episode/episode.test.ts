/**
 * The pure episode function on hand-built histories, without storage or a host: what a batch of
 * messages does to an instance (history, outbox, status row, sentinel), message kind by message kind.
 */
import { finishEpisode } from '../../../../src/host/durable/episode/finishEpisode';
import { planEpisode } from '../../../../src/host/durable/episode/planEpisode';
import { runEpisode } from '../../../../src/host/durable/episode/runEpisode';
import { event, EventType, HistoryEvent } from '../../../../src/host/durable/history';
import type { ControlMessage } from '../../../../src/host/durable/messages';
import { answer, callGreet, completed, context, EXECUTION, failed, INSTANCE, message, running, sentinel, startEvent, startMessage, T0, T1 } from './fixtures';

const types = (events: HistoryEvent[]) => events.map((e) => EventType[e.EventType]);

/** Plans and finishes an episode, answering the orchestrator (if it runs) with `outcome`. */
function decide(
  state: Parameters<typeof planEpisode>[0],
  messages: ControlMessage[],
  outcome = answer([callGreet('Tokyo')]),
  previousCustomStatus?: string | null,
) {
  const ctx = context();
  const plan = planEpisode(state, messages, ctx);
  if (plan.kind === 'none') return { plan, episode: undefined };
  return { plan, episode: finishEpisode(plan, { outcome: plan.run ? outcome : undefined, previousCustomStatus }, ctx) };
}

test('a new instance: the start runs the orchestrator on a fresh history and its first activity is scheduled as task 0', () => {
  const { plan, episode } = decide({ history: [] }, [startMessage()]);
  expect(plan.kind).toBe('plan');
  if (plan.kind !== 'plan') return;
  expect(plan.run!.binding).toMatchObject({ instanceId: INSTANCE, input: 'world', isReplaying: false, upperSchemaVersionNew: 3 });
  expect(types(plan.run!.history)).toEqual(['OrchestratorStarted', 'ExecutionStarted']);
  expect(types(episode!.record.events)).toEqual(['OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted']);
  expect(episode!.record.events[2]).toMatchObject({ EventId: 0, Name: 'greet', Input: 'Tokyo' });
  expect(episode!.record.outbound).toEqual([
    {
      queue: 'workitems',
      message: { id: expect.any(String), instanceId: INSTANCE, executionId: EXECUTION, taskScheduledId: 0, name: 'greet', input: 'Tokyo' },
    },
  ]);
  expect(episode!.record.instance).toMatchObject({
    name: 'hello',
    executionId: EXECUTION,
    runtimeStatus: 'Running',
    input: '"world"',
    createdTime: T0.toISOString(),
  });
  expect(episode!.sentinel).toMatchObject({ executionId: EXECUTION, episodes: 1, pendingEpisode: 1, runtimeStatus: 'Running' });
  expect(episode!.sentinel.etag).toBeUndefined();
});

test('a result is applied once: a duplicate in the same batch and a redelivery history already holds are dropped', () => {
  const state = running([...[event(EventType.OrchestratorStarted, {}, T1), { ...completed('r-old', 0, 'x').event, MessageId: 'r-old' }]]);
  // task 0 is already completed in this history: a new result for it and the old message again are dropped.
  const { plan } = decide(state, [completed('r-new', 0, 'y'), completed('r-old', 0, 'x')]);
  expect(plan).toMatchObject({ kind: 'none', dropped: 2 });

  const fresh = running();
  const { episode } = decide(
    fresh,
    [completed('r1', 0, 'Hello Tokyo'), completed('r2', 0, 'Hello again')],
    answer([callGreet('Tokyo')], { isDone: true, output: ['Hello Tokyo'] }),
  );
  expect(episode!.dropped).toBe(1);
  expect(episode!.record.events.filter((e) => e.EventType === EventType.TaskCompleted)).toEqual([
    expect.objectContaining({ TaskScheduledId: 0, MessageId: 'r1' }),
  ]);
  expect(episode!.record.instance).toMatchObject({ runtimeStatus: 'Completed', output: '["Hello Tokyo"]', completedTime: T1.toISOString() });
  expect(episode!.record.events.at(-2)).toMatchObject({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: 1, Result: '["Hello Tokyo"]' });
  expect(episode!.notes).toEqual([expect.objectContaining({ level: 'information', message: expect.stringContaining('completed') })]);
});

// What one message does to a running instance with task 0 (activity greet) scheduled.
test.each<[string, ControlMessage, { kind: 'none' | 'plan'; runs?: boolean; status?: string; dropped?: number }]>([
  ['its activity result runs the orchestrator', completed('m', 0, 'Hello'), { kind: 'plan', runs: true, status: 'Running' }],
  ['a failure of its activity runs the orchestrator', failed('m', 0, { ErrorType: 'Error', ErrorMessage: 'boom' }), { kind: 'plan', runs: true }],
  ['an external event runs the orchestrator', message('m', EventType.EventRaised, { Name: 'go', Input: '1' }), { kind: 'plan', runs: true }],
  ['a result for a task never scheduled is dropped', completed('m', 7, 'x'), { kind: 'none', dropped: 1 }],
  ['a timer that was never created is dropped', message('m', EventType.TimerFired, { TimerId: 3 }), { kind: 'none', dropped: 1 }],
  ['a message for another execution is dropped', completed('m', 0, 'x'), { kind: 'none', dropped: 1 }],
  ['an event type a control message does not carry is dropped', message('m', EventType.HistoryState), { kind: 'none', dropped: 1 }],
  [
    'suspend: no run, the status becomes Suspended',
    message('m', EventType.ExecutionSuspended, { Input: '"pause"' }),
    { kind: 'plan', runs: false, status: 'Suspended' },
  ],
  ['resume of a running instance changes nothing', message('m', EventType.ExecutionResumed), { kind: 'none', dropped: 1 }],
  [
    'terminate: no run, the instance ends Terminated',
    message('m', EventType.ExecutionTerminated, { Input: '"stop"' }),
    { kind: 'plan', runs: false, status: 'Terminated' },
  ],
  [
    'a rewind of an instance that has not failed is dropped',
    message('m', EventType.GenericEvent, {}, { rewind: { reason: 'x' }, executionId: EXECUTION }),
    { kind: 'none', dropped: 1 },
  ],
  ['a second start that does not replace the running execution is dropped', startMessage({ id: 'start-2' }, 'exec2'), { kind: 'none', dropped: 1 }],
])('%s', (name, msg, expected) => {
  const addressed = name.includes('another execution') ? { ...msg, executionId: 'other' } : msg;
  const { plan, episode } = decide(running(), [addressed]);
  expect(plan.kind).toBe(expected.kind);
  if (expected.dropped !== undefined) expect(plan.kind === 'none' ? plan.dropped : episode!.dropped).toBe(expected.dropped);
  if (plan.kind !== 'plan') return;
  expect(!!plan.run).toBe(expected.runs);
  if (expected.status) expect(episode!.record.instance.runtimeStatus).toBe(expected.status);
});

test('terminate records the reason, ends the execution and tells a parent orchestration', () => {
  const parent = { InstanceId: 'parent-1', ExecutionId: 'pexec', TaskScheduledId: 4, Name: 'hello' };
  const state = running();
  state.history[1] = { ...startEvent({ ParentInstance: parent }), IsPlayed: true, MessageId: 'start-exec1' };
  const { episode } = decide(state, [message('t', EventType.ExecutionTerminated, { Input: '"stop"' })]);
  expect(types(episode!.record.events)).toEqual(['OrchestratorStarted', 'ExecutionTerminated', 'ExecutionCompleted', 'OrchestratorCompleted']);
  expect(episode!.record.instance).toMatchObject({ runtimeStatus: 'Terminated', output: '"stop"', parentInstanceId: 'parent-1' });
  expect(episode!.record.outbound).toEqual([
    {
      queue: 'control',
      message: expect.objectContaining({
        instanceId: 'parent-1',
        executionId: 'pexec',
        event: expect.objectContaining({ EventType: EventType.SubOrchestrationInstanceFailed, TaskScheduledId: 4 }),
      }),
    },
  ]);
});

test('while suspended, results are buffered in the sentinel; resume applies them and runs the orchestrator', () => {
  const suspendedAt = [event(EventType.OrchestratorStarted, {}, T1), { ...message('s', EventType.ExecutionSuspended).event, MessageId: 's' }];
  const { episode: buffering } = decide(running(suspendedAt, 'Suspended'), [completed('r1', 0, 'Hello')], undefined, '"kept"');
  expect(buffering!.sentinel.buffered).toEqual([expect.objectContaining({ EventType: EventType.TaskCompleted, MessageId: 'r1' })]);
  expect(types(buffering!.record.events)).toEqual(['OrchestratorStarted', 'OrchestratorCompleted']);
  // The orchestrator did not run, so the status row keeps the custom status it had.
  expect(buffering!.record.instance).toMatchObject({ runtimeStatus: 'Suspended', customStatus: '"kept"' });

  const state = running(suspendedAt, 'Suspended', buffering!.sentinel.buffered);
  const { plan, episode } = decide(state, [message('res', EventType.ExecutionResumed)], answer([callGreet('Tokyo')], { isDone: true, output: 'done' }));
  expect(plan.kind === 'plan' && types(plan.run!.history).slice(-3)).toEqual(['OrchestratorStarted', 'ExecutionResumed', 'TaskCompleted']);
  expect(episode!.sentinel.buffered).toEqual([]);
  expect(episode!.record.instance.runtimeStatus).toBe('Completed');
});

test('the orchestrator asks for a timer, a sub-orchestration and an entity call: each is recorded and carried out', () => {
  const fireAt = new Date(T1.getTime() + 60000).toISOString();
  // Top-level actions are awaited one after the other; a WhenAll schedules its children together.
  const { episode } = decide(
    running(),
    [completed('r', 0, 'Hello')],
    answer([
      callGreet('Tokyo'),
      {
        actionType: 12,
        compoundActions: [
          { actionType: 5, fireAt, isCanceled: false },
          { actionType: 2, functionName: 'child', input: { n: 1 } },
          { actionType: 7, instanceId: '@counter@k', operation: 'add', input: 2 },
        ],
      },
    ]),
  );
  const events = episode!.record.events;
  expect(types(events)).toEqual([
    'OrchestratorStarted',
    'TaskCompleted',
    'TimerCreated',
    'SubOrchestrationInstanceCreated',
    'EventSent',
    'OrchestratorCompleted',
  ]);
  expect(events[2]).toMatchObject({ EventId: 1, FireAt: fireAt });
  expect(events[3]).toMatchObject({ EventId: 2, Name: 'child', InstanceId: `${EXECUTION}:2`, Input: '{"n":1}' });
  expect(events[4]).toMatchObject({ EventId: 3, InstanceId: '@counter@k', Name: 'op' });
  const [timer, child, entity] = episode!.record.outbound;
  expect(timer).toMatchObject({
    queue: 'control',
    visibleAt: fireAt,
    message: { instanceId: INSTANCE, event: { EventType: EventType.TimerFired, TimerId: 1 } },
  });
  expect(child).toMatchObject({
    queue: 'control',
    message: { instanceId: `${EXECUTION}:2`, event: { EventType: EventType.ExecutionStarted, ParentInstance: { InstanceId: INSTANCE, TaskScheduledId: 2 } } },
  });
  const request = JSON.parse((entity.message as ControlMessage).event.Input!);
  expect(request).toMatchObject({ op: 'add', signal: false, input: '2', parent: INSTANCE, parentExecution: EXECUTION });
  expect(JSON.parse(events[4].Input!).id).toBe(request.id);
});

test('continueAsNew ends the execution as ContinuedAsNew and sends the continuation; messages meanwhile wait for it', () => {
  const { episode } = decide(running(), [completed('r', 0, 'Hello')], answer([{ actionType: 4, input: 5 }], { isDone: true }));
  expect(episode!.record.instance).toMatchObject({ runtimeStatus: 'ContinuedAsNew', completedTime: undefined });
  const [next] = episode!.record.outbound;
  expect(next).toMatchObject({
    queue: 'control',
    message: { instanceId: INSTANCE, replaces: EXECUTION, continuation: true, event: { Input: '5', Name: 'hello' } },
  });

  const between = { sentinel: sentinel({ runtimeStatus: 'ContinuedAsNew' }), history: episode!.history };
  const raised = message('ev', EventType.EventRaised, { Name: 'go' });
  const late = { ...completed('late', 0, 'x'), executionId: EXECUTION };
  const { plan } = decide(between, [raised, late]);
  expect(plan.kind).toBe('none');
  if (plan.kind !== 'none') return;
  expect([...plan.deferred]).toEqual([raised]);
  expect(plan.dropped).toBe(1);

  const continuation = next.message as ControlMessage;
  const { episode: second } = decide(between, [continuation, raised], answer([{ actionType: 6, externalEventName: 'go' }]));
  expect(types(second!.record.events)).toEqual(['OrchestratorStarted', 'ExecutionStarted', 'EventRaised', 'OrchestratorCompleted']);
  expect(second!.sentinel).toMatchObject({ executionId: continuation.event.OrchestrationInstance!.ExecutionId, episodes: 1 });
  expect(second!.sentinel.historyKey).not.toBe('key0');
});

test('an orchestrator that fails, or no longer matches its history, fails the instance with its reason', () => {
  const thrown = decide(running(), [completed('r', 0, 'Hello')], {
    ok: false,
    error: 'kaput',
    failure: { ErrorType: 'TypeError', ErrorMessage: 'kaput' },
    state: { isDone: false, actions: [[]], customStatus: { phase: 'x' } },
  }).episode!;
  expect(thrown.record.instance).toMatchObject({
    runtimeStatus: 'Failed',
    output: JSON.stringify("Orchestrator function 'hello' failed: kaput"),
    customStatus: '{"phase":"x"}',
  });
  expect(thrown.record.events.at(-2)).toMatchObject({ OrchestrationStatus: 3, FailureDetails: { ErrorType: 'TypeError' } });
  expect(thrown.notes).toEqual([expect.objectContaining({ level: 'error' })]);

  const changed = decide(running(), [completed('r', 0, 'Hello')], answer([{ actionType: 0, functionName: 'other', input: 'x' }])).episode!;
  expect(changed.record.instance.runtimeStatus).toBe('Failed');
  expect(changed.record.events.at(-2)!.FailureDetails).toMatchObject({
    ErrorType: 'DurableEngineError',
    ErrorMessage: expect.stringContaining('Non-deterministic'),
  });
  expect(changed.record.outbound).toEqual([]);

  const unsupported = decide(running(), [completed('r', 0, 'Hello')], answer([callGreet('Tokyo'), { actionType: 8 }])).episode!;
  expect(unsupported.record.events.at(-2)!.FailureDetails!.ErrorMessage).toContain('does not support CallHttp');
});

test('rewind of a failed instance: history loses the failure, the failed activity is scheduled again under its id', () => {
  const failure = { ErrorType: 'Error', ErrorMessage: 'boom' };
  const failedHistory = [
    event(EventType.OrchestratorStarted, {}, T1),
    { ...failed('f', 0, failure).event, MessageId: 'f', IsPlayed: true },
    event(EventType.ExecutionCompleted, { OrchestrationStatus: 3, FailureDetails: failure }, T1),
    event(EventType.OrchestratorCompleted, {}, T1),
  ];
  const state = running(failedHistory, 'Failed');
  const rewind = message('rw', EventType.GenericEvent, { Input: '"retry"' }, { rewind: { reason: 'retry' }, executionId: EXECUTION });
  const { plan, episode } = decide(state, [rewind]);
  expect(plan.kind === 'plan' && !!plan.run).toBe(true);
  expect(episode!.history.some((e) => e.EventType === EventType.TaskFailed || e.EventType === EventType.ExecutionCompleted)).toBe(false);
  expect(episode!.record.outbound[0]).toMatchObject({ queue: 'workitems', message: { taskScheduledId: 0, name: 'greet', input: '"Tokyo"' } });
  // The new history key starts with the whole rewritten history.
  expect(episode!.record.events).toEqual(episode!.history);
  expect(episode!.sentinel).toMatchObject({ historyKey: expect.not.stringMatching(/^key0$/), episodes: 1, runtimeStatus: 'Running' });
  expect(episode!.notes[0].message).toContain('1 failed activities scheduled again (retry)');
});

test('an episode is a function of its inputs: the same inputs give the same episode and are left unchanged', () => {
  const state = running();
  const before = JSON.stringify(state);
  const messages = [completed('r', 0, 'Hello'), message('e', EventType.EventRaised, { Name: 'go' })];
  const a = decide(state, messages).episode!;
  const b = decide(state, messages).episode!;
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  expect(JSON.stringify(state)).toBe(before);
});

test('runEpisode asks the ports only for what the plan needs', async () => {
  const calls: string[] = [];
  const ports = {
    runOrchestrator: async (name: string) => {
      calls.push(`run ${name}`);
      return answer([callGreet('Tokyo')], { isDone: true, output: 1 });
    },
    previousCustomStatus: async () => {
      calls.push('status');
      return '"s"';
    },
  };
  const done = await runEpisode(running(), [completed('r', 0, 'Hello')], context(), ports);
  expect(done.kind === 'episode' && done.record.instance.runtimeStatus).toBe('Completed');
  const suspended = await runEpisode(running(), [message('s', EventType.ExecutionSuspended)], context(), ports);
  expect(suspended.kind === 'episode' && suspended.record.instance.customStatus).toBe('"s"');
  const nothing = await runEpisode(running(), [completed('x', 9, 'x')], context(), ports);
  expect(nothing.kind).toBe('none');
  expect(calls).toEqual(['run hello', 'status']);
});
