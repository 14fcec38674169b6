/**
 * Making a registered version the champion of its model: POST /api/models/{name}/rollback
 * {"version": n}. The app deploys that version (again, if it was retired), switches the champion in one
 * step and retires the previous one; promote and rollback are two names for it.
 */
import type { MlopsClient } from '../client/api';
import { toError } from '../client/api';
import { UsageError } from './_command';

export interface ChampionChange {
  model: string;
  version: number;
  deployment: string;
  previous?: string;
}

export async function makeChampion(api: MlopsClient, model: string, version: number): Promise<ChampionChange> {
  const r = await api.post(`/api/models/${encodeURIComponent(model)}/rollback`, { version });
  if (r.status !== 200) throw toError(r);
  const body = r.body as { deployment: string; previous?: string };
  return { model, version, deployment: body.deployment, ...(body.previous ? { previous: body.previous } : {}) };
}

export const changeText = (c: ChampionChange) =>
  `${c.model} v${c.version} is the champion (deployment ${c.deployment}${c.previous && c.previous !== c.deployment ? `; was ${c.previous}` : ''})\n` +
  `scoring route: POST /api/models/${c.model}/score`;

/** A VERSION argument: an integer >= 1 (usage error otherwise). */
export function versionArg(v: string | undefined): number {
  const n = Number(v);
  if (!v || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`VERSION must be an integer >= 1, got "${v ?? ''}"`);
  return n;
}
