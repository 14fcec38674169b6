/**
 * Champions, one per model lineage (the model's name, which is its dataset's name): the deployment
 * that lineage's scoring route forwards to. Every change of a champion goes through this module:
 * promote (one Table transaction flips the flags within the lineage, then the previous champion is
 * drained and retired), retire a lineage (stop serving it, keep its history), and the per-lineage
 * decision lock, so runs of different datasets never block or replace each other.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { withBlobLock } from '../storage/lock';
import { notifyDeploymentsChanged } from './changes';
import type { DeploymentRecord, DeploymentStore } from './store';
import { DeployError, type DeploymentTarget } from './target';

export interface ChampionOptions {
  /** At most this many lineages served at once (MAX_SERVED_MODELS). */
  maxServedModels: number;
  /** Targets whose lineages share one endpoint (Azure ML): promotion moves its traffic first, in one update. */
  routing?: { setTraffic(lineage: string, traffic: Record<string, number>): Promise<unknown> };
}

export class ChampionService {
  constructor(
    private readonly store: DeploymentStore,
    private readonly target: Pick<DeploymentTarget, 'retire'>,
    private readonly locks: ContainerClient,
    private readonly opts: ChampionOptions,
  ) {}

  /** The lineage's champion record (with its key), or undefined. */
  champion(lineage: string): Promise<DeploymentRecord | undefined> {
    return this.store.champion(lineage);
  }

  /** Every lineage's champion, sorted by lineage. */
  champions(): Promise<DeploymentRecord[]> {
    return this.store.champions();
  }

  /**
   * Runs `fn` holding the lineage's decision lock (a blob lease): two runs of one dataset finishing
   * together cannot both replace its champion; runs of other datasets do not wait.
   */
  withLock<T>(lineage: string, fn: () => Promise<T>): Promise<T> {
    return withBlobLock(this.locks, `champion-${lineageKey(lineage)}`, fn);
  }

  /**
   * Why `lineage` may not get a first champion now (the served-models limit), or undefined when it may.
   * A lineage that is served already can always replace its champion.
   */
  async capacityProblem(lineage: string): Promise<string | undefined> {
    const served = new Set((await this.store.champions()).map((c) => c.modelName));
    if (served.has(lineage) || served.size < this.opts.maxServedModels) return undefined;
    return `SERVED_MODELS_LIMIT: ${served.size} models are served (MAX_SERVED_MODELS=${this.opts.maxServedModels}); retire one (mlops retire NAME --model) or raise the limit`;
  }

  /** Makes `deployment` its lineage's champion; the previous champion of that lineage is drained, then retired. */
  async promote(deployment: string): Promise<{ previous?: string }> {
    if (this.opts.routing) {
      const rec = await this.store.get(deployment);
      // The endpoint's whole traffic to the challenger in one update; the records follow.
      if (rec && !rec.champion) await this.opts.routing.setTraffic(rec.modelName, { [deployment]: 100 });
    }
    const r = await this.store.promote(deployment);
    notifyDeploymentsChanged();
    if (r.previous && r.previous !== deployment) await this.target.retire(r.previous);
    return { previous: r.previous };
  }

  /** Stops serving a lineage: its champion loses the flag and is retired; models and runs stay as history. */
  async retireLineage(lineage: string): Promise<{ retired?: string }> {
    const current = await this.store.champion(lineage);
    if (!current) throw new DeployError(404, 'NOT_SERVED', `model '${lineage}' has no champion`);
    await this.store.clearChampion(current.name);
    notifyDeploymentsChanged();
    await this.target.retire(current.name, { force: true });
    return { retired: current.name };
  }
}

/** Lock blob names from any lineage name (dataset names may hold '.' and '_'). */
function lineageKey(lineage: string): string {
  return lineage.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}
