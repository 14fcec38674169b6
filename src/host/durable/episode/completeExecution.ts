/**
 * The end of an execution: ExecutionCompleted with its status, the status row's output and
 * completion time, and for a sub-orchestration the result or failure sent to its parent.
 */
import { event, EventType, FailureDetails, ORCHESTRATION_STATUS_NUMBER, RuntimeStatus } from '../history';
import type { EpisodeContext } from './episodeContext';
import type { EpisodeDraft } from './episodeDraft';

const REPORTED_TO_PARENT: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export function completeExecution(
  draft: EpisodeDraft,
  status: RuntimeStatus,
  result: string | null,
  failure: FailureDetails | undefined,
  ctx: Pick<EpisodeContext, 'now' | 'newId'>,
): void {
  const { now } = ctx;
  draft.instance.runtimeStatus = status;
  draft.instance.output = result;
  draft.instance.completedTime = now.toISOString();
  draft.events.push(
    event(
      EventType.ExecutionCompleted,
      { OrchestrationStatus: ORCHESTRATION_STATUS_NUMBER[status], Result: result, ...(failure ? { FailureDetails: failure } : {}) },
      now,
    ),
  );
  const parent = draft.started.ParentInstance;
  if (!parent || !REPORTED_TO_PARENT.includes(status)) return;
  const ev =
    status === 'Completed'
      ? event(EventType.SubOrchestrationInstanceCompleted, { TaskScheduledId: parent.TaskScheduledId, Result: result }, now)
      : event(
          EventType.SubOrchestrationInstanceFailed,
          {
            TaskScheduledId: parent.TaskScheduledId,
            Reason: result ?? status,
            Details: failure?.StackTrace,
            FailureDetails: failure ?? { ErrorType: 'OrchestrationTerminated', ErrorMessage: result ?? status },
          },
          now,
        );
  draft.outbound.push({
    queue: 'control',
    message: { id: ctx.newId(), instanceId: parent.InstanceId, executionId: parent.ExecutionId, event: ev },
  });
}
