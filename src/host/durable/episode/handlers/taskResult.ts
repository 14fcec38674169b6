/**
 * The end of a scheduled task: an activity's or a sub-orchestration's result or failure, or a timer
 * firing. Applied once: a result for a task history does not show as scheduled, or one already
 * finished (a re-run activity, a redelivered result), is dropped.
 */
import { EventType, HistoryEvent } from '../../history';
import type { ControlMessage } from '../../messages';
import { Intake, record, stamp } from '../intake';
import type { MessageHandler } from './messageHandler';

function taskIdOf(e: HistoryEvent): number {
  return e.EventType === EventType.TimerFired ? e.TimerId! : e.TaskScheduledId!;
}

export const taskResult: MessageHandler = {
  admission: 'active',
  take(intake: Intake, msg: ControlMessage): void {
    const id = taskIdOf(msg.event);
    if (!intake.scheduled.has(id) || intake.done.has(id)) {
      intake.dropped++;
      return;
    }
    intake.done.add(id);
    record(intake, stamp(msg));
  },
};
