/**
 * The champion's history per model, from what is recorded: each run's decision (promotion or rejection,
 * at the time the run entered `decide`) and operators' rollbacks / retirements (the model version's
 * decision text and update time). No separate history store exists; this is its projection.
 */
import type { ModelVersion } from '../../models/registry';
import type { RunRecord } from '../../pipeline/runs';

export interface ChampionEvent {
  at: string;
  kind: 'promoted' | 'rejected' | 'rolled-back' | 'retired';
  version: number;
  /** The champion the challenger was compared with (decisions only). */
  against?: number;
  runId?: string;
  reason: string;
}

export interface ChampionHistory {
  model: string;
  events: ChampionEvent[];
  /** Who served when: a version from one promotion (or rollback) to the next event that replaced it. */
  served: { version: number; from: string; to: string | null }[];
}

function decisionTime(r: RunRecord): string {
  return r.phases.find((p) => p.phase === 'decide')?.at ?? r.updatedAt;
}

export function championHistories(runs: RunRecord[], models: ModelVersion[]): ChampionHistory[] {
  const byModel = new Map<string, ChampionEvent[]>();
  const add = (model: string, e: ChampionEvent) => byModel.set(model, [...(byModel.get(model) ?? []), e]);
  for (const r of runs) {
    const d = r.decision as
      { promoted?: boolean; reason?: string; challenger?: { model?: string; version?: number }; champion?: { version?: number } } | undefined;
    if (!d || typeof d.promoted !== 'boolean' || !d.challenger || typeof d.challenger.version !== 'number') continue;
    add(String(d.challenger.model ?? r.dataset), {
      at: decisionTime(r),
      kind: d.promoted ? 'promoted' : 'rejected',
      version: d.challenger.version,
      against: typeof d.champion?.version === 'number' ? d.champion.version : undefined,
      runId: r.runId,
      reason: String(d.reason ?? ''),
    });
  }
  for (const m of models) {
    if (/rolled back/.test(m.decision ?? '')) add(m.name, { at: m.updatedAt, kind: 'rolled-back', version: m.version, reason: m.decision! });
    if (/lineage retired/.test(m.decision ?? '')) add(m.name, { at: m.updatedAt, kind: 'retired', version: m.version, reason: m.decision! });
  }
  return [...byModel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([model, events]) => {
      events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      const served: ChampionHistory['served'] = [];
      for (const e of events) {
        if (e.kind === 'rejected') continue;
        const open = served[served.length - 1];
        if (open && open.to === null) open.to = e.at;
        if (e.kind !== 'retired') served.push({ version: e.version, from: e.at, to: null });
      }
      return { model, events, served };
    });
}
