/**
 * One episode as a function of the instance's state and its new messages: planEpisode, then what the
 * plan asks for through `ports` (the orchestrator's answer, the previous custom status), then
 * finishEpisode. Nothing here touches storage; the caller commits the result.
 */
import type { ControlMessage } from '../messages';
import type { OrchestratorOutcome } from '../runner';
import type { EpisodeContext } from './episodeContext';
import { Episode, finishEpisode } from './finishEpisode';
import type { InstanceState } from './intake';
import { NoEpisode, planEpisode } from './planEpisode';

export interface EpisodePorts {
  runOrchestrator(name: string, binding: Record<string, unknown>): Promise<OrchestratorOutcome>;
  previousCustomStatus(): Promise<string | null | undefined>;
}

export async function runEpisode(
  state: InstanceState,
  messages: readonly ControlMessage[],
  ctx: EpisodeContext,
  ports: EpisodePorts,
): Promise<NoEpisode | Episode> {
  const plan = planEpisode(state, messages, ctx);
  if (plan.kind === 'none') return plan;
  const previousCustomStatus = plan.needsPreviousStatus ? await ports.previousCustomStatus() : undefined;
  const outcome = plan.run ? await ports.runOrchestrator(plan.name, plan.run.binding) : undefined;
  return finishEpisode(plan, { outcome, previousCustomStatus }, ctx);
}
