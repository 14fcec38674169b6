/**
 * ExecutionStarted opens an execution: fresh history under a new key. A start must say which
 * execution it replaces (none for a brand-new instance, the finished one for a client restart) and a
 * ContinueAsNew start is valid only while the instance is ContinuedAsNew, so that a duplicate or a
 * start that lost a race is dropped rather than restarting a running instance.
 */
import { isTerminal } from '../../history';
import type { ControlMessage } from '../../messages';
import { compactId, EpisodeContext } from '../episodeContext';
import { Intake, stamp } from '../intake';
import type { MessageHandler } from './messageHandler';

function acceptable(intake: Intake, msg: ControlMessage): boolean {
  const execId = msg.event.OrchestrationInstance?.ExecutionId;
  if (!execId || execId === intake.executionId || intake.startedNew) return false;
  if ((msg.replaces ?? undefined) !== intake.executionId) return false;
  return msg.continuation ? intake.status === 'ContinuedAsNew' : intake.status === undefined || isTerminal(intake.status);
}

export const executionStarted: MessageHandler = {
  admission: 'start',
  take(intake: Intake, msg: ControlMessage, ctx: EpisodeContext): void {
    if (!acceptable(intake, msg)) {
      intake.dropped++;
      return;
    }
    intake.startedNew = true;
    intake.executionId = msg.event.OrchestrationInstance!.ExecutionId;
    intake.historyKey = compactId(ctx);
    intake.episodes = 0;
    intake.history = [];
    intake.buffered = [];
    intake.status = 'Running';
    intake.scheduled.clear();
    intake.done.clear();
    intake.newEvents.push(stamp(msg));
  },
};
