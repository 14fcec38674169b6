/**
 * A rewind request: only a failed execution is rewound (history without its failure, the failed
 * activities scheduled again, see rewind.ts). History then starts over under a new key, holding the
 * whole rewritten history.
 */
import type { ControlMessage } from '../../messages';
import { compactId, EpisodeContext } from '../episodeContext';
import { Intake, stamp } from '../intake';
import { rewindHistory } from '../rewind';
import type { MessageHandler } from './messageHandler';

export const rewindRequest: MessageHandler = {
  admission: 'execution',
  take(intake: Intake, msg: ControlMessage, ctx: EpisodeContext): void {
    if (intake.status !== 'Failed' || intake.startedNew) {
      intake.dropped++;
      return;
    }
    const rw = rewindHistory(intake.history, ctx.instanceId, intake.executionId!, ctx);
    intake.history = rw.history;
    intake.outbound.push(...rw.outbound);
    for (const id of rw.reopened) intake.done.delete(id);
    intake.historyKey = compactId(ctx);
    intake.episodes = 0;
    intake.status = 'Running';
    intake.rewound = true;
    intake.seen.add(msg.id);
    intake.newEvents.push(stamp(msg));
    intake.notes.push({
      level: 'information',
      message: `Rewinding instance ${ctx.instanceId}: ${rw.reopened.length} failed activities scheduled again (${msg.rewind!.reason}).`,
      fields: { instanceId: ctx.instanceId },
    });
  },
};
