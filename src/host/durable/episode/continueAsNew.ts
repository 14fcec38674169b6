/**
 * ContinueAsNew: this execution ends as ContinuedAsNew (not a completion: no completion time, nothing
 * sent to a parent) and the next one starts from a continuation message, which is valid only while
 * the instance is ContinuedAsNew (see handlers/executionStarted.ts).
 */
import { event, EventType } from '../history';
import { compactId, EpisodeContext } from './episodeContext';
import type { EpisodeDraft } from './episodeDraft';
import { completeExecution } from './completeExecution';

export function continueAsNew(draft: EpisodeDraft, input: string | null, executionId: string, ctx: EpisodeContext): void {
  completeExecution(draft, 'ContinuedAsNew', null, undefined, ctx);
  draft.instance.completedTime = undefined;
  const { started } = draft;
  const parent = started.ParentInstance;
  const nextExecution = compactId(ctx);
  draft.outbound.push({
    queue: 'control',
    message: {
      id: ctx.newId(),
      instanceId: ctx.instanceId,
      replaces: executionId,
      continuation: true,
      event: event(
        EventType.ExecutionStarted,
        {
          Name: draft.instance.name,
          Input: input,
          Version: started.Version,
          OrchestrationInstance: { InstanceId: ctx.instanceId, ExecutionId: nextExecution },
          ...(parent ? { ParentInstance: parent } : {}),
        },
        ctx.now,
      ),
    },
  });
}
