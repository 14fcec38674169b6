/**
 * Runs trials and final fits, either in this thread or on a pool of worker threads that share the
 * training context through SharedArrayBuffers. Results are returned in request order, so the search
 * sees the same sequence whatever the scheduling: determinism does not depend on which worker is faster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { contextToMessage } from './context';
import { learnerByName } from './learners';
import { DeadlineError, FullOutput, Params, TrainContext } from './learners/types';

export interface TrialRequest {
  id: number;
  learner: string;
  params: Params;
  seed: number;
  /** Epoch ms after which the trial gives up (it is then dropped, never half-counted). */
  deadline?: number;
}

export interface TrialOutcome {
  id: number;
  oof?: Float64Array;
  extra?: Record<string, number>;
  seconds: number;
  error?: string;
  timedOut?: boolean;
}

export interface FitRequest {
  learner: string;
  params: Params;
  extra: Record<string, number>;
  seed: number;
  /** Fit on the search sample (ctx.trainSets[0]) instead of every row: when a full refit would not fit the budget. */
  onSample?: boolean;
}

export interface Executor {
  readonly workers: number;
  runTrials(reqs: TrialRequest[]): Promise<TrialOutcome[]>;
  fit(reqs: FitRequest[]): Promise<FullOutput[]>;
  close(): Promise<void>;
}

export function runTrialHere(ctx: TrainContext, folds: Int32Array[], req: TrialRequest): TrialOutcome {
  const t0 = performance.now();
  try {
    const out = learnerByName(req.learner).cv(ctx, req.params, folds, req.seed, req.deadline);
    return { id: req.id, oof: out.oof, extra: out.extra, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    const timedOut = e instanceof DeadlineError;
    return { id: req.id, seconds: (performance.now() - t0) / 1000, error: (e as Error).message, timedOut };
  }
}

export function fitHere(ctx: TrainContext, req: FitRequest): FullOutput {
  const rows = req.onSample && ctx.trainSets ? ctx.trainSets[0] : undefined;
  return learnerByName(req.learner).fit(ctx, req.params, req.extra, req.seed, rows);
}

export class InThreadExecutor implements Executor {
  readonly workers = 0;
  constructor(
    private readonly ctx: TrainContext,
    private readonly folds: Int32Array[],
  ) {}
  async runTrials(reqs: TrialRequest[]): Promise<TrialOutcome[]> {
    const out: TrialOutcome[] = [];
    for (const r of reqs) {
      out.push(runTrialHere(this.ctx, this.folds, r));
      await new Promise((res) => setImmediate(res)); // let progress events and timers through
    }
    return out;
  }
  async fit(reqs: FitRequest[]): Promise<FullOutput[]> {
    return reqs.map((r) => fitHere(this.ctx, r));
  }
  async close(): Promise<void> {}
}

/** The compiled worker next to this file (dist), or the repo's dist build when running from sources. */
export function findWorkerScript(): string | null {
  const candidates = [path.join(__dirname, 'worker.js'), path.resolve(__dirname, '../../dist/src/automl/worker.js')];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

type Job = { msg: unknown; resolve: (v: any) => void; reject: (e: Error) => void };

export class WorkerPoolExecutor implements Executor {
  private readonly pool: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly current = new Map<Worker, Job>();
  private seq = 0;

  private constructor(script: string, n: number, ctx: TrainContext, folds: Int32Array[]) {
    for (let k = 0; k < n; k++) {
      const w = new Worker(script, { workerData: { ctx: contextToMessage(ctx), folds } });
      w.on('message', (m: { ok: boolean; value?: unknown; error?: string }) => {
        const job = this.current.get(w);
        this.current.delete(w);
        this.idle.push(w);
        if (job) m.ok ? job.resolve(m.value) : job.reject(new Error(m.error));
        this.pump();
      });
      w.on('error', (e) => {
        const job = this.current.get(w);
        this.current.delete(w);
        if (job) job.reject(e);
      });
      // A worker that dies (error, out of memory) leaves the pool; with none left, queued work fails
      // instead of waiting forever.
      w.on('exit', () => {
        const job = this.current.get(w);
        this.current.delete(w);
        if (job) job.reject(new Error('worker thread exited'));
        this.pool.splice(this.pool.indexOf(w), 1);
        const idle = this.idle.indexOf(w);
        if (idle >= 0) this.idle.splice(idle, 1);
        if (this.pool.length === 0 && !this.closing) for (const q of this.queue.splice(0)) q.reject(new Error('no worker thread left'));
      });
      this.pool.push(w);
      this.idle.push(w);
    }
  }

  get workers(): number {
    return this.pool.length;
  }

  /** A pool of `n` workers, or null when the compiled worker script is not available. */
  static create(n: number, ctx: TrainContext, folds: Int32Array[]): WorkerPoolExecutor | null {
    const script = findWorkerScript();
    if (!script || n < 1) return null;
    return new WorkerPoolExecutor(script, n, ctx, folds);
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.current.set(w, job);
      w.postMessage(job.msg);
    }
  }

  private call<T>(msg: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pool.length === 0) return reject(new Error('no worker thread left'));
      this.queue.push({ msg: { ...msg, seq: this.seq++ }, resolve, reject });
      this.pump();
    });
  }

  runTrials(reqs: TrialRequest[]): Promise<TrialOutcome[]> {
    return Promise.all(reqs.map((r) => this.call<TrialOutcome>({ kind: 'trial', req: r }).catch((e: Error) => ({ id: r.id, seconds: 0, error: e.message }))));
  }

  fit(reqs: FitRequest[]): Promise<FullOutput[]> {
    return Promise.all(reqs.map((r) => this.call<FullOutput>({ kind: 'fit', req: r })));
  }

  private closing = false;

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.pool].map((w) => w.terminate()));
  }
}
