import * as path from 'node:path';
import { jobDir, readJsonFile, TrainerProgress, TrainerResult, TrialRecord, childRunId } from '../automl/files';
import type { JobRecord } from '../automl/lifecycle';
import { json } from '../core/http';
import type { EmuResponse } from '../core/http';
import type { EmulatorContext, EmulatorPlugin } from '../core/plugin';
import { EXPERIMENTS, jobRecord, JOBS } from './jobs';
import { ARTIFACT_DATASTORE } from './datastores';

const WS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}';

interface MlflowRun {
  info: Record<string, unknown>;
  data: {
    metrics: { key: string; value: number; timestamp: number; step: number }[];
    params: { key: string; value: string }[];
    tags: { key: string; value: string }[];
  };
}

const mlflowError = (status: number, code: string, message: string): EmuResponse => ({ status, body: { error_code: code, message } });

const RUN_STATUS: Record<string, string> = {
  NotStarted: 'SCHEDULED',
  Queued: 'SCHEDULED',
  Preparing: 'SCHEDULED',
  Running: 'RUNNING',
  Finalizing: 'RUNNING',
  CancelRequested: 'RUNNING',
  Completed: 'FINISHED',
  Failed: 'FAILED',
  Canceled: 'KILLED',
};

const tags = (t: Record<string, string>) => Object.entries(t).map(([key, value]) => ({ key, value }));
const artifactUri = (runId: string) => `azureml://datastores/${ARTIFACT_DATASTORE}/paths/ExperimentRun/dcid.${runId}/`;

/** The runs of one job: the parent (named like the job) and one child per finished trial. */
function runsOf(ctx: EmulatorContext, job: JobRecord): MlflowRun[] {
  const dir = jobDir(ctx.workDir, job.name);
  const result = readJsonFile<TrainerResult>(path.join(dir, 'result.json'));
  const progress = readJsonFile<TrainerProgress>(path.join(dir, 'progress.json'));
  const done = result?.status === 'Completed' ? result : undefined;
  const trials: TrialRecord[] = done ? done.trials : (progress?.trials ?? []);
  const start = job.startedAt ?? job.createdAt;
  const metric = job.plan.primaryMetric;
  const parentTags: Record<string, string> = {
    'mlflow.runName': String(job.resource.properties.displayName ?? job.name),
    'mlflow.user': 'emulator-user',
    task_type: job.plan.taskType.toLowerCase(),
    primary_metric: metric,
  };
  // The service names the best child only once the job has completed.
  if (done && job.status === 'Completed') parentTags.automl_best_child_run_id = childRunId(job.name, done.bestTrial);
  const parent: MlflowRun = {
    info: {
      run_id: job.name,
      run_uuid: job.name,
      run_name: parentTags['mlflow.runName'],
      experiment_id: job.experimentId,
      user_id: 'emulator-user',
      status: RUN_STATUS[job.status] ?? 'RUNNING',
      start_time: start,
      ...(job.endedAt ? { end_time: job.endedAt } : {}),
      artifact_uri: artifactUri(job.name),
      lifecycle_stage: 'active',
    },
    data: {
      metrics: done && job.status === 'Completed' ? [{ key: metric, value: done.bestScore, timestamp: job.endedAt ?? Date.now(), step: 0 }] : [],
      params: [],
      tags: tags(parentTags),
    },
  };
  const children = trials.map((t): MlflowRun => {
    const id = childRunId(job.name, t.trial);
    const metrics = t.metrics ?? { [metric]: t.score };
    const ts = Date.parse(t.endedAt);
    return {
      info: {
        run_id: id,
        run_uuid: id,
        run_name: id,
        experiment_id: job.experimentId,
        user_id: 'emulator-user',
        status: t.status === 'ok' ? 'FINISHED' : 'FAILED',
        start_time: ts - Math.round(t.fitSeconds * 1000),
        end_time: ts,
        artifact_uri: artifactUri(id),
        lifecycle_stage: 'active',
      },
      data: {
        metrics: Object.entries(metrics)
          .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
          .map(([key, value]) => ({ key, value, timestamp: ts, step: 0 })),
        params: [],
        tags: tags({
          'mlflow.parentRunId': job.name,
          'mlflow.rootRunId': job.name,
          'mlflow.runName': id,
          run_algorithm: t.algorithm,
          iteration: String(t.trial),
          run_preprocessor: 'Auto',
        }),
      },
    };
  });
  return [parent, ...children];
}

function findRun(ctx: EmulatorContext, runId: string): MlflowRun | undefined {
  const m = /^(.*)_(\d+)$/.exec(runId);
  const job = jobRecord(ctx, runId) ?? (m ? jobRecord(ctx, m[1]) : undefined);
  return job ? runsOf(ctx, job).find((r) => r.info.run_id === runId) : undefined;
}

/** `tags.mlflow.parentRunId = 'x'` (MLflow's search syntax, also with backquotes/double quotes) -> 'x'. */
function parentFilter(filter: string | undefined): string | undefined | null {
  if (!filter || !filter.trim()) return undefined;
  const m = /^\s*tags\.(?:`mlflow\.parentRunId`|"mlflow\.parentRunId"|mlflow\.parentRunId)\s*=\s*'([^']*)'\s*$/.exec(filter);
  return m ? m[1] : null;
}

/**
 * The MLflow REST API at the workspace's tracking URI (runs/get, runs/search, experiments), with the
 * AutoML conventions the provider relies on: the parent run named like the job, tag
 * automl_best_child_run_id once completed, child runs tagged mlflow.parentRunId with their metrics.
 * Also run history's run details (GET .../runs/{id}) for a failed job's error.
 */
export const mlflowPlugin: EmulatorPlugin = {
  name: 'mlflow',
  register(ctx) {
    const open = { auth: 'arm' as const, apiVersion: false };
    for (const v of ['v1.0', 'v2.0']) {
      const base = `/mlflow/${v}${WS}/api/2.0/mlflow`;
      ctx.router.add(
        'GET',
        `${base}/runs/get`,
        (req) => {
          ctx.requireWorkspace(req);
          const id = req.query.get('run_id') ?? req.query.get('run_uuid');
          if (!id) return mlflowError(400, 'INVALID_PARAMETER_VALUE', 'run_id is required');
          const run = findRun(ctx, id);
          return run ? json(200, { run }) : mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${id}' not found.`);
        },
        open,
      );
      ctx.router.add(
        'POST',
        `${base}/runs/search`,
        (req) => {
          ctx.requireWorkspace(req);
          const body = (req.body ?? {}) as { experiment_ids?: string[]; filter?: string; max_results?: number; page_token?: string };
          const parent = parentFilter(body.filter);
          if (parent === null)
            return mlflowError(400, 'INVALID_PARAMETER_VALUE', `filter '${body.filter}' is not supported by this emulator (tags.mlflow.parentRunId = '<id>')`);
          const exps = new Set(body.experiment_ids ?? []);
          let runs = ctx.state
            .list<JobRecord>(JOBS)
            .filter((j) => !exps.size || exps.has(j.experimentId))
            .flatMap((j) => runsOf(ctx, j));
          if (parent !== undefined) runs = runs.filter((r) => r.data.tags.some((t) => t.key === 'mlflow.parentRunId' && t.value === parent));
          const max = Math.min(Math.max(1, body.max_results ?? 1000), 50000);
          const offset = Number(body.page_token ?? 0) || 0;
          const slice = runs.slice(offset, offset + max);
          return json(200, offset + max < runs.length ? { runs: slice, next_page_token: String(offset + max) } : { runs: slice });
        },
        open,
      );
      ctx.router.add(
        'GET',
        `${base}/experiments/get-by-name`,
        (req) => {
          ctx.requireWorkspace(req);
          const name = req.query.get('experiment_name') ?? '';
          const e = ctx.state.get<{ id: string; name: string }>(EXPERIMENTS, name);
          if (!e) return mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `Experiment '${name}' does not exist.`);
          return json(200, { experiment: { experiment_id: e.id, name: e.name, artifact_location: '', lifecycle_stage: 'active', tags: [] } });
        },
        open,
      );
    }
    ctx.router.add(
      'GET',
      `/history/v1.0${WS}/runs/{runId}`,
      (req) => {
        ctx.requireWorkspace(req);
        const job = jobRecord(ctx, req.params.runId);
        if (!job) throw ctx.errors.notFound('run', req.params.runId);
        return json(200, {
          runId: job.name,
          status: job.status,
          experimentId: job.experimentId,
          startTimeUtc: job.startedAt ? new Date(job.startedAt).toISOString() : null,
          endTimeUtc: job.endedAt ? new Date(job.endedAt).toISOString() : null,
          ...(job.error ? { error: { error: job.error } } : {}),
        });
      },
      open,
    );
  },
};
