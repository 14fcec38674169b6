/**
 * Second half of an episode: given the orchestrator's answer (when it ran), builds what the episode
 * commits: its history events, its outbox (the new work carried out as messages, a parent's
 * notification, a continuation), the status row and the next sentinel.
 */
import { event, EventType, HistoryEvent } from '../history';
import { parseJson } from '../json';
import type { ControlMessage, InstanceStatus } from '../messages';
import { DEFAULT_REPLAY_OPTIONS, replayActions } from '../replayer';
import type { OrchestratorOutcome } from '../runner';
import type { EpisodeRecord, Sentinel } from '../store';
import { carryOut } from './actions/carryOut';
import { completeExecution } from './completeExecution';
import { continueAsNew } from './continueAsNew';
import type { EpisodeContext, EpisodeNote } from './episodeContext';
import type { EpisodeDraft } from './episodeDraft';
import type { EpisodePlan } from './planEpisode';

export interface Episode {
  kind: 'episode';
  /** The sentinel to commit (conditional on the ETag it carries). */
  sentinel: Sentinel;
  /** The episode row: its events (the whole history after a rewind), its outbox and the status row. */
  record: EpisodeRecord;
  /** History after this episode. */
  history: HistoryEvent[];
  dropped: number;
  deferred: Set<ControlMessage>;
  notes: EpisodeNote[];
}

export interface EpisodeAnswers {
  /** The orchestrator's answer; required when the plan has `run`. */
  outcome?: OrchestratorOutcome;
  /** The custom status of the current status row, when the plan asked for it. */
  previousCustomStatus?: string | null;
}

function fail(draft: EpisodeDraft, problem: string, failure: Parameters<typeof completeExecution>[3], ctx: EpisodeContext): void {
  const message = `Orchestrator function '${draft.instance.name}' failed: ${problem}`;
  completeExecution(draft, 'Failed', JSON.stringify(message), failure, ctx);
  draft.notes.push({ level: 'error', message, fields: { instanceId: ctx.instanceId, functionName: draft.instance.name } });
}

/** Applies what the orchestrator answered: failure, new work, continue-as-new or completion. */
function applyOutcome(draft: EpisodeDraft, plan: EpisodePlan, outcome: OrchestratorOutcome, ctx: EpisodeContext): void {
  const { name } = plan;
  const executionId = plan.intake.executionId!;
  if (outcome.state && outcome.state.customStatus !== undefined) draft.instance.customStatus = JSON.stringify(outcome.state.customStatus);
  if (!outcome.ok) return fail(draft, outcome.error, outcome.failure, ctx);
  const { state } = outcome;
  const replay = replayActions(state.actions?.[0] ?? [], plan.run!.history, DEFAULT_REPLAY_OPTIONS);
  const problem =
    replay.nonDeterminism ??
    (replay.unsupported.length > 0 ? `The embedded Durable engine does not support ${[...new Set(replay.unsupported)].join(', ')} actions.` : undefined);
  if (problem) return fail(draft, problem, { ErrorType: 'DurableEngineError', ErrorMessage: problem }, ctx);
  if (!state.isDone) {
    const at = { ...ctx, executionId };
    for (const w of replay.newWork) {
      const scheduled = carryOut(w, at);
      draft.events.push(scheduled.event);
      draft.outbound.push(scheduled.outbound);
    }
    return;
  }
  if (replay.continueAsNew) return continueAsNew(draft, replay.continueAsNew.input, executionId, ctx);
  completeExecution(draft, 'Completed', state.output === undefined ? null : JSON.stringify(state.output), undefined, ctx);
  draft.notes.push({
    level: 'information',
    message: `Orchestration '${name}' (instance ${ctx.instanceId}) completed.`,
    fields: { instanceId: ctx.instanceId, functionName: name },
  });
}

export function finishEpisode(plan: EpisodePlan, answers: EpisodeAnswers, ctx: EpisodeContext): Episode {
  const { intake, started, name } = plan;
  const executionId = intake.executionId!;
  const instance: InstanceStatus = {
    instanceId: ctx.instanceId,
    name,
    version: started.Version,
    executionId,
    runtimeStatus: intake.status ?? 'Running',
    input: started.Input ?? null,
    output: null,
    customStatus: answers.previousCustomStatus ?? null,
    createdTime: started.Timestamp,
    lastUpdatedTime: ctx.now.toISOString(),
    parentInstanceId: started.ParentInstance?.InstanceId,
  };
  const draft: EpisodeDraft = {
    events: [plan.opening, ...intake.newEvents],
    outbound: [...intake.outbound],
    instance,
    notes: [...intake.notes],
    started,
  };
  if (intake.terminated) {
    const reason = intake.terminated.Input ?? null;
    draft.events.push(intake.terminated);
    completeExecution(draft, 'Terminated', reason === null ? null : JSON.stringify(parseJson(reason)), undefined, ctx);
    draft.notes.push({
      level: 'information',
      message: `Orchestration '${name}' (instance ${ctx.instanceId}) was terminated.`,
      fields: { instanceId: ctx.instanceId, functionName: name },
    });
  } else if (plan.run) {
    if (!answers.outcome) throw new Error('finishEpisode: the plan runs the orchestrator, but no outcome was given.');
    applyOutcome(draft, plan, answers.outcome, ctx);
  }
  draft.events.push(event(EventType.OrchestratorCompleted, {}, ctx.now));
  const history = [...intake.history, ...draft.events];
  const sentinel: Sentinel = {
    executionId,
    historyKey: intake.historyKey,
    episodes: intake.episodes + 1,
    name,
    runtimeStatus: instance.runtimeStatus,
    // The episode row is numbered by the new count (commitEpisode writes row `episodes`).
    pendingEpisode: intake.episodes + 1,
    buffered: intake.buffered,
    etag: plan.etag,
  };
  return {
    kind: 'episode',
    sentinel,
    // After a rewind the new history key starts with the whole rewritten history.
    record: { events: intake.rewound ? history : draft.events, outbound: draft.outbound, instance },
    history,
    dropped: intake.dropped,
    deferred: intake.deferred,
    notes: draft.notes,
  };
}
