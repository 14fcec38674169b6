/**
 * The serving page's data: deployments (public fields only, never keys), each lineage's champion, the
 * benchmark figures of every run (endpoint and proxy, with latency histograms and the SLO the decision
 * used) and the champion history per model.
 */
import { championHistories, ChampionHistory } from './history';
import type { DashboardStores } from './stores';

export interface BenchmarkRow {
  runId: string;
  model: string;
  version?: number;
  deployment?: string;
  at: string;
  sloP95Ms?: number;
  promoted?: boolean;
  direct?: unknown;
  proxy?: unknown;
}

export interface ServingView {
  deployments: { name: string; model: string; version: number; status: string; champion: boolean; createdAt: string; updatedAt: string }[];
  champions: { model: string; version: number; deployment: string }[];
  benchmarks: BenchmarkRow[];
  history: ChampionHistory[];
}

export async function servingView(stores: DashboardStores): Promise<ServingView> {
  const [deployments, runs, models] = await Promise.all([stores.deployments.list(), stores.runs.list(200), stores.models.list()]);
  const benchmarks: BenchmarkRow[] = [];
  for (const r of runs) {
    const b = r.benchmark as { direct?: unknown; proxy?: unknown } | undefined;
    if (!b || !b.direct) continue;
    const d = r.decision as { sloP95Ms?: number; promoted?: boolean } | undefined;
    benchmarks.push({
      runId: r.runId,
      model: r.model?.name ?? r.dataset,
      version: r.model?.version,
      deployment: r.deployment?.name,
      at: r.phases.find((p) => p.phase === 'benchmark')?.at ?? r.updatedAt,
      sloP95Ms: typeof d?.sloP95Ms === 'number' ? d.sloP95Ms : undefined,
      promoted: d?.promoted,
      direct: b.direct,
      proxy: b.proxy,
    });
  }
  benchmarks.sort((a, b) => (a.at < b.at ? -1 : 1));
  return {
    deployments: deployments.map((d) => ({
      name: d.name,
      model: d.modelName,
      version: Number(d.modelVersion),
      status: d.status,
      champion: d.champion,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    })),
    champions: deployments.filter((d) => d.champion).map((d) => ({ model: d.modelName, version: Number(d.modelVersion), deployment: d.name })),
    benchmarks,
    history: championHistories(runs, models),
  };
}
