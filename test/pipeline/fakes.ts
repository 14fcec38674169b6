// In-memory fakes of the pipeline's ports (src/pipeline/ports.ts), for the activities' unit tests. They
// keep what a real store would keep and record the calls the tests assert on; no storage, no processes.
import { Readable } from 'node:stream';
import { exportOnnx } from '../../src/automl/onnx';
import type { FittedPipeline } from '../../src/automl/pipeline';
import type { ModelVersion } from '../../src/models/registry';
import type { Champions, DatasetVersionInfo, DeploymentInfo, PipelineDeps } from '../../src/pipeline/ports';
import type { RunRecord } from '../../src/pipeline/runs';
import type { SplitStore } from '../../src/pipeline/splits';
import type { BenchmarkFigures, RunInput } from '../../src/pipeline/types';
import type { AutoMLJobOutput, AutoMLJobSpec, AutoMLProvider } from '../../src/training/provider';
import type { AutoMLJobStatus } from '../../src/training/types';

export const FIGURES: BenchmarkFigures = {
  requests: 10,
  concurrency: 2,
  requestsPerSecond: 500,
  meanMs: 2,
  p50Ms: 2,
  p90Ms: 3,
  p95Ms: 4,
  p99Ms: 5,
  errors: 0,
  non2xx: 0,
};

export function runInput(over: Partial<RunInput> = {}): RunInput {
  return {
    runId: 'train-bank-v1',
    dataset: 'bank',
    datasetVersion: 1,
    trigger: 'blob',
    automl: { budgetSeconds: 5, seed: 42 },
    settings: { testFraction: 0.25, pollSeconds: 1, promotionTolerance: 0.002, maxP95Ms: 50, benchRequests: 10, benchConcurrency: 2, maxAutoMLResubmits: 1 },
    ...over,
  };
}

export class Fakes {
  readonly runs = new Map<string, RunRecord>();
  readonly datasets = new Map<string, { info: DatasetVersionInfo; csv: string }>();
  readonly splits = new Map<string, { train: string; test: string }>();
  readonly models = new Map<string, ModelVersion & { artifacts: Record<string, unknown>; pipeline?: FittedPipeline }>();
  readonly reports = new Map<string, string>();
  readonly deployments = new Map<string, DeploymentInfo & { status: 'running' | 'retired' }>();
  readonly jobs = new Map<string, { spec: AutoMLJobSpec; status: AutoMLJobStatus; output?: AutoMLJobOutput; canceled?: boolean }>();
  readonly events: { type: string; subject: string }[] = [];
  readonly telemetry: string[] = [];
  readonly loads: { url: string; headers: Record<string, string> }[] = [];
  readonly locks: string[] = [];
  maxServed = 10;
  /** Makes the next split fail after this many lines (the producer throws). */
  failSplitAfter?: number;
  figures: BenchmarkFigures = FIGURES;
  /** The target's canary verdict (none: the target has no canary stage). */
  canaryVerdict?: { passed: boolean; reason: string };
  readonly canaries: string[] = [];

  addDataset(info: Partial<DatasetVersionInfo> & { name: string; version: number }, csv: string): void {
    this.datasets.set(`${info.name}/${info.version}`, {
      info: { status: 'registered', sha256: 'abc', target: 'y', rows: csv.trim().split('\n').length - 1, ...info },
      csv,
    });
  }

  /**
   * A finished job whose best pipeline is `pipeline`. With `onnxOnly` the job leaves what a model trained
   * by Azure's own AutoML leaves once adapted: the real model.onnx (exported from `pipeline`) and no pipeline.json.
   */
  finishJob(jobId: string, pipeline: FittedPipeline, cvScore = 0.9, opts: { onnxOnly?: boolean } = {}): void {
    const job = this.jobs.get(jobId)!;
    job.status = { state: 'completed', trials: 7, bestScore: cvScore, bestLearner: 'gbdt', primaryMetric: 'AUC_weighted', elapsedSeconds: 3 };
    job.output = {
      result: {
        task: 'binary',
        target: job.spec.target,
        classes: ['no', 'yes'],
        primaryMetric: 'AUC_weighted',
        cvScore,
        bestLearner: 'gbdt',
        trials: 7,
        elapsedSeconds: 3,
        leaderboardTop: [{ rank: 1, learner: 'gbdt', score: cvScore }],
      },
      artifacts: {
        'model.onnx': opts.onnxOnly ? exportOnnx(pipeline) : new Uint8Array([1, 2, 3]),
        ...(opts.onnxOnly ? {} : { 'pipeline.json': JSON.stringify(pipeline) }),
        'leaderboard.json': '[]',
        'metrics.json': JSON.stringify({ primaryMetric: 'AUC_weighted', primaryScore: cvScore, cv: { AUC_weighted: cvScore, roc_curve: [[0, 0]] } }),
        'guardrails.json': '[]',
        'model-card.md': '# card',
        'result.json': '{}',
      },
      lineage: { azuremlJob: 'job-123' },
    };
  }

  deps(): PipelineDeps {
    const f = this;
    const splits: SplitStore = {
      trainBlob: (runId) => `runs/${runId}/train.csv`,
      async write(runId, produce) {
        const out = { train: '', test: '' };
        let lines = 0;
        const result = await produce({
          train: async (l) => {
            if (f.failSplitAfter !== undefined && ++lines > f.failSplitAfter) throw new Error('disk full');
            out.train += l;
          },
          test: async (l) => {
            out.test += l;
          },
        });
        f.splits.set(runId, out);
        return result;
      },
      async openTest(runId) {
        return Readable.from([f.splits.get(runId)!.test]);
      },
    };
    const automl: AutoMLProvider = {
      name: 'fake',
      async submit(spec) {
        const jobId = `${spec.runId}.a${spec.attempt}`;
        if (!f.jobs.has(jobId)) f.jobs.set(jobId, { spec, status: { state: 'running', trials: 1, elapsedSeconds: 1 } });
        return { jobId };
      },
      async status(jobId) {
        return f.jobs.get(jobId)!.status;
      },
      async result(jobId) {
        return f.jobs.get(jobId)!.output!;
      },
      async cancel(jobId) {
        const j = f.jobs.get(jobId);
        if (j) j.canceled = true;
      },
    };
    const champions: Champions = {
      async champion(lineage) {
        return [...f.deployments.values()].find((d) => d.champion && d.model.name === lineage);
      },
      async promote(name) {
        const next = f.deployments.get(name)!;
        const previous = [...f.deployments.values()].find((d) => d.champion && d.model.name === next.model.name && d.name !== name);
        if (previous) {
          previous.champion = false;
          previous.status = 'retired';
        }
        next.champion = true;
        return { previous: previous?.name };
      },
      async withLock(lineage, fn) {
        f.locks.push(lineage);
        return fn();
      },
      canary: f.canaryVerdict
        ? async (lineage, challenger) => {
            f.canaries.push(`${lineage}/${challenger}`);
            return f.canaryVerdict;
          }
        : undefined,
      async capacityProblem(lineage) {
        const served = new Set([...f.deployments.values()].filter((d) => d.champion).map((d) => d.model.name));
        return served.has(lineage) || served.size < f.maxServed ? undefined : `SERVED_MODELS_LIMIT: ${served.size} models are served`;
      },
    };
    return {
      runs: {
        async open(r) {
          if (!f.runs.has(r.runId)) {
            const now = new Date().toISOString();
            f.runs.set(r.runId, { ...r, phase: 'queued', phases: [{ phase: 'queued', at: now }], createdAt: now, updatedAt: now } as RunRecord);
          }
          return f.runs.get(r.runId)!;
        },
        async get(id) {
          return f.runs.get(id);
        },
        async update(id, patch) {
          const cur = f.runs.get(id)!;
          const next = { ...cur, ...patch } as RunRecord;
          if (patch.phase && !cur.phases.some((p) => p.phase === patch.phase))
            next.phases = [...cur.phases, { phase: patch.phase, at: new Date().toISOString() }];
          f.runs.set(id, next);
          return next;
        },
      },
      datasets: {
        async getVersion(name, v) {
          return f.datasets.get(`${name}/${v}`)?.info;
        },
        async latestRegistered(name) {
          return [...f.datasets.values()]
            .filter((d) => d.info.name === name)
            .map((d) => d.info.version)
            .pop();
        },
        async openSnapshot(name, v) {
          return Readable.from([f.datasets.get(`${name}/${v}`)!.csv]);
        },
      },
      splits,
      models: {
        async register(name, info, artifacts) {
          const existing = [...f.models.values()].find((m) => m.name === name && m.lineage.runId === info.lineage.runId);
          if (existing) return existing;
          const version = [...f.models.values()].filter((m) => m.name === name).length + 1;
          const now = new Date().toISOString();
          const m = {
            name,
            version,
            status: 'registered' as const,
            ...info,
            artifactPrefix: `models/${name}/v${version}/`,
            createdAt: now,
            updatedAt: now,
            artifacts,
            pipeline: artifacts['pipeline.json'] === undefined ? undefined : JSON.parse(String(artifacts['pipeline.json'])),
          };
          f.models.set(`${name}/${version}`, m);
          return m;
        },
        async update(name, version, patch) {
          Object.assign(f.models.get(`${name}/${version}`)!, patch);
        },
        async readPipeline(name, version) {
          return f.models.get(`${name}/${version}`)!.pipeline as never;
        },
        async readOnnx(name, version) {
          return f.models.get(`${name}/${version}`)!.artifacts['model.onnx'] as Uint8Array;
        },
        async writeReport(name, version, file, content) {
          f.reports.set(`${name}/${version}/${file}`, content);
        },
      },
      automl,
      deployer: {
        async deploy(spec) {
          const d = f.deployments.get(spec.name);
          if (d && d.status === 'running') return d;
          const rec = { name: spec.name, scoringUri: `http://127.0.0.1:1/${spec.name}/score`, model: spec.model, champion: false, status: 'running' as const };
          f.deployments.set(spec.name, rec);
          return rec;
        },
        async route(name) {
          return { url: `http://127.0.0.1:1/${name}/score`, headers: { authorization: `Bearer key-of-${name}` } };
        },
        async retire(name) {
          const d = f.deployments.get(name);
          if (d && !d.champion) d.status = 'retired';
        },
      },
      champions,
      load: {
        async run(opts) {
          f.loads.push({ url: opts.url, headers: opts.headers });
          return { ...f.figures, report: `ab report for ${opts.url}` };
        },
      },
      telemetry: {
        enabled: true,
        event: (name) => void f.telemetry.push(name),
        metric: () => undefined,
        dependency: () => undefined,
        flush: async () => undefined,
      },
      events: {
        async publish(type, subject) {
          f.events.push({ type, subject });
        },
      },
      proxy: async (model) => ({ url: `http://127.0.0.1:7071/api/models/${model}/score`, headers: { 'x-functions-key': 'function-key' } }),
    };
  }
}
