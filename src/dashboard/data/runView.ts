/**
 * The run page's data: the run as GET /api/runs/{id} describes it (record + Durable status), its phase
 * spans, and the AutoML trials of the model it registered (leaderboard.json).
 */
import type { RunRecord } from '../../pipeline/runs';
import { phaseSpans, PhaseSpan } from './phases';
import { DashboardStores, optionalJson } from './stores';
import { trialSeries, TrialSeries } from './trials';

export interface RunView {
  run: Record<string, unknown>;
  spans: PhaseSpan[];
  trials?: TrialSeries;
  /** The Durable Functions status of the instance, without the system key (fetch it through this API). */
  durableStatusPath: string;
}

export async function runView(stores: DashboardStores, described: Record<string, unknown> & Partial<RunRecord>, now: Date): Promise<RunView> {
  const spans = phaseSpans(Array.isArray(described.phases) ? described.phases : [], now);
  let trials: TrialSeries | undefined;
  const m = described.model;
  if (m && typeof m.name === 'string' && typeof m.version === 'number') {
    const model = await stores.models.get(m.name, m.version);
    if (model && model.status !== 'registering') {
      const doc = await optionalJson<{ primaryMetric?: string; entries?: [] }>(() => stores.models.readArtifact(model, 'leaderboard.json'));
      if (doc) trials = trialSeries(doc);
    }
  }
  return { run: described, spans, trials, durableStatusPath: `/runtime/webhooks/durabletask/instances/${encodeURIComponent(String(described.runId ?? ''))}` };
}
