/**
 * `mlops logs RUN [--follow] [--json]`: a run's phases (with their times and notes) and its AutoML
 * progress, read from GET /api/runs/{id}; --follow polls until the run ends and exits 1 unless it
 * completed. With --json every event is one JSON line (phase, progress, end): a stream for scripts.
 */
import type { MlopsClient } from '../client/api';
import { decisionText, fmt } from '../client/format';
import { defineCommand, EXIT } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const ENDED = ['Completed', 'Failed', 'Terminated', 'Canceled'];

type Event =
  | { type: 'phase'; at: string; phase: string; note?: string }
  | { type: 'progress'; phase: string; trials?: number; bestLearner?: string; bestScore?: number; primaryMetric?: string; elapsedSeconds?: number }
  | { type: 'end'; runId: string; runtimeStatus: string; decision?: unknown; error?: unknown };

function render(e: Event): string {
  if (e.type === 'phase') return `${e.at}  ${e.phase}${e.note ? `  (${e.note})` : ''}`;
  if (e.type === 'progress') {
    const best = e.bestLearner ? `, best ${e.bestLearner} ${fmt(e.bestScore)}${e.primaryMetric ? ` ${e.primaryMetric}` : ''}` : '';
    return `  ${e.phase}: ${e.trials ?? 0} trials${best}${e.elapsedSeconds !== undefined ? `, ${e.elapsedSeconds} s` : ''}`;
  }
  return '';
}

/** Turns successive snapshots of a run into the events not seen yet. */
export class RunEvents {
  private phases = 0;
  private lastProgress = '';

  next(run: any): Event[] {
    const out: Event[] = [];
    const phases: any[] = run.phases ?? [];
    for (; this.phases < phases.length; this.phases++) {
      const p = phases[this.phases];
      out.push({ type: 'phase', at: p.at, phase: p.phase, ...(p.note ? { note: p.note } : {}) });
    }
    const cs = run.customStatus ?? {};
    if (cs.phase === 'automl' && cs.trials !== undefined) {
      const e: Event = {
        type: 'progress',
        phase: 'automl',
        trials: cs.trials,
        bestLearner: cs.bestLearner,
        bestScore: cs.bestScore,
        primaryMetric: cs.primaryMetric,
        elapsedSeconds: cs.automlElapsedSeconds ?? cs.elapsedSeconds,
      };
      const key = `${cs.trials}|${cs.bestLearner}|${cs.bestScore}`;
      if (key !== this.lastProgress) {
        this.lastProgress = key;
        out.push(e);
      }
    }
    if (ENDED.includes(run.runtimeStatus)) {
      out.push({
        type: 'end',
        runId: run.runId,
        runtimeStatus: run.runtimeStatus,
        ...(run.decision ? { decision: run.decision } : {}),
        ...(run.error ? { error: run.error } : {}),
      });
    }
    return out;
  }
}

function emit(e: Event, run: any, json: boolean): void {
  if (json) return void process.stdout.write(JSON.stringify(e) + '\n');
  if (e.type === 'end') {
    const why =
      run.runtimeStatus === 'Terminated'
        ? `terminated${run.output ? `: ${typeof run.output === 'string' ? run.output : JSON.stringify(run.output)}` : ''}`
        : decisionText(run);
    return void process.stdout.write(`run ${run.runId} ${run.runtimeStatus}: ${why}\n`);
  }
  process.stdout.write(render(e) + '\n');
}

/** Streams a run's events until it ends; returns its final runtime status. */
export async function followRun(api: MlopsClient, runId: string, json: boolean, intervalMs = 1000): Promise<string> {
  const events = new RunEvents();
  for (;;) {
    const run = await api.get(`/api/runs/${encodeURIComponent(runId)}`);
    for (const e of events.next(run)) emit(e, run, json);
    if (ENDED.includes(run.runtimeStatus)) return run.runtimeStatus;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const main = defineCommand(
  {
    name: 'logs',
    summary: summaryOf('logs'),
    positionals: [{ name: 'RUN', help: 'the run id (see mlops runs)', required: true }],
    options: [{ name: 'follow', kind: 'boolean', short: 'f', help: 'keep streaming until the run ends (exit 1 unless it completed)' }],
    remote: true,
    json: true,
    details: "The host's own log (every function call, errors) is in .local/ for npm start and npm run demo (see README, troubleshooting).",
  },
  async ({ opts, args, json }) => {
    const api = await client(opts);
    const runId = args.RUN!;
    if (opts.follow) {
      const status = await followRun(api, runId, json);
      return status === 'Completed' ? EXIT.OK : EXIT.FAILED;
    }
    const run = await api.get(`/api/runs/${encodeURIComponent(runId)}`);
    const events = new RunEvents().next(run);
    for (const e of events) emit(e, run, json);
    if (!ENDED.includes(run.runtimeStatus) && !json)
      process.stdout.write(`(${run.runtimeStatus ?? 'queued'}: mlops logs ${runId} --follow streams the rest)\n`);
    return ['Failed', 'Terminated', 'Canceled'].includes(run.runtimeStatus) ? EXIT.FAILED : EXIT.OK;
  },
);
