import type { ContainerClient } from '@azure/storage-blob';
import type { AutoMLJobStatus } from '../types';
import { JOB_OUTPUT_FILES, type AutoMLJobOutput, type AutoMLJobResult, type AutoMLJobSpec, type AutoMLProvider } from '../provider';
import { autoMLJobBody } from './body';
import { AzureMLClient, credentialFor } from './client';
import { AzureMLError, classify, toAzureMLError } from './errors';
import { learnerOf } from './mapping';
import { MlflowClient, metricOf, tagOf } from './mlflow';
import { assetName, jobNameFor } from './names';
import { bestChild, collectOutputs, FinishedJob, mlflowModelUri } from './outputs';
import type { AzureMLDeps, AzureMLSettings } from './settings';
import { uploadTrainingData } from './upload';

/** The parts of a job resource (GA api-version) the provider reads. */
interface JobResource {
  id: string;
  name: string;
  systemData?: { createdAt?: string };
  properties: {
    status?: string;
    experimentName?: string;
    tags?: Record<string, string>;
    taskDetails?: { taskType?: string; targetColumnName?: string; primaryMetric?: string; limitSettings?: { timeout?: string } };
  };
}

const QUEUED = new Set(['NotStarted', 'Starting', 'Provisioning', 'Preparing', 'Queued', 'Scheduled']);
const AZURE_TO_METRIC: Record<string, string> = {
  AUCWeighted: 'AUC_weighted',
  Accuracy: 'accuracy',
  NormMacroRecall: 'norm_macro_recall',
  AveragePrecisionScoreWeighted: 'average_precision_score_weighted',
  NormalizedRootMeanSquaredError: 'normalized_root_mean_squared_error',
  R2Score: 'r2_score',
  SpearmanCorrelation: 'spearman_correlation',
};

function seconds(iso?: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(iso ?? '');
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : undefined;
}

/**
 * AutoML on Azure Machine Learning: uploads the run's training split to the workspace's default
 * datastore as an mltable data asset, submits an AutoML job named after the run (so a replayed
 * submit finds its job), reports progress from the job and its MLflow child runs, and on completion
 * downloads the best child's ONNX model into the same output layout the local provider leaves. All
 * state lives in Azure ML: a restarted host polls the same job.
 */
export class AzureMLAutoMLProvider implements AutoMLProvider {
  readonly name = 'azureml';
  readonly client: AzureMLClient;
  private readonly mlflow: MlflowClient;

  constructor(
    readonly settings: AzureMLSettings,
    private readonly registry: ContainerClient,
    private readonly deps: AzureMLDeps = {},
  ) {
    this.client = new AzureMLClient(settings, credentialFor(settings, deps), deps);
    this.mlflow = new MlflowClient(this.client);
  }

  /** Folder (registry container) where a completed job's outputs are collected, in the local provider's layout. */
  outputPrefix(jobId: string): string {
    return `automl/azureml/${jobId}/`;
  }

  /** The collected outputs of a completed job, with its Azure ML lineage (job, data asset, model version). */
  async result(jobId: string): Promise<AutoMLJobOutput> {
    const prefix = this.outputPrefix(jobId);
    const read = (f: string) => this.registry.getBlobClient(prefix + f).downloadToBuffer();
    const artifacts = {} as AutoMLJobOutput['artifacts'];
    for (const f of JOB_OUTPUT_FILES) {
      // No pipeline.json when Azure's own AutoML trained the model (collectOutputs adapted its ONNX).
      if (f === 'pipeline.json') {
        const p = await read(f).catch((err: { statusCode?: number }) => {
          if (err.statusCode === 404) return undefined;
          throw err;
        });
        if (p) artifacts[f] = p.toString('utf8');
        continue;
      }
      artifacts[f] = f === 'model.onnx' ? await read(f) : (await read(f)).toString('utf8');
    }
    const azureml = await read('azureml.json').then(
      (b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>,
      () => undefined,
    );
    return { result: JSON.parse(artifacts['result.json'] as string) as AutoMLJobResult, artifacts, lineage: azureml ? { azureml } : undefined };
  }

  private async getJob(name: string): Promise<JobResource | undefined> {
    try {
      return (await this.client.call<JobResource>('GET', this.client.armUrl(`/jobs/${encodeURIComponent(name)}`))).body;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toAzureMLError(err, `reading job ${name}`);
    }
  }

  async submit(spec: AutoMLJobSpec): Promise<{ jobId: string }> {
    const name = jobNameFor(spec.runId, spec.attempt);
    if (await this.getJob(name)) return { jobId: name };
    // A resubmission replaces the previous attempt: do not let it keep a cluster busy.
    if (spec.attempt > 0) await this.cancel(jobNameFor(spec.runId, spec.attempt - 1)).catch(() => undefined);
    const s = this.settings;
    if (s.compute) {
      try {
        await this.client.sdk.computeOperations.get(s.resourceGroup, s.workspace, s.compute);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404)
          throw new AzureMLError('COMPUTE_NOT_FOUND', `compute '${s.compute}' (AZUREML_COMPUTE) does not exist in workspace ${s.workspace}`);
        throw toAzureMLError(err, `reading compute ${s.compute}`);
      }
    }
    try {
      const data = await uploadTrainingData(this.client, this.registry, spec);
      const body = autoMLJobBody(spec, data, s, this.client.workspacePath);
      await this.client.call('PUT', this.client.armUrl(`/jobs/${encodeURIComponent(name)}`), body);
      this.deps.log?.('info', `submitted Azure ML AutoML job ${name} on ${s.compute ?? `serverless ${s.instanceType}`}`);
      return { jobId: name };
    } catch (err) {
      throw toAzureMLError(err, `submitting job ${name}`);
    }
  }

  async status(jobId: string): Promise<AutoMLJobStatus> {
    const job = await this.getJob(jobId);
    const createdAt = job?.systemData?.createdAt ? Date.parse(job.systemData.createdAt) : Date.now();
    const elapsedSeconds = Math.max(0, Math.round((Date.now() - createdAt) / 100) / 10);
    if (!job)
      return {
        state: 'failed',
        trials: 0,
        elapsedSeconds: 0,
        retryable: true,
        error: { code: 'JOB_NOT_FOUND', message: `Azure ML job ${jobId} does not exist` },
      };
    const td = job.properties.taskDetails ?? {};
    const primaryMetric = AZURE_TO_METRIC[td.primaryMetric ?? ''] ?? td.primaryMetric;
    const st = job.properties.status ?? 'Unknown';
    const base: AutoMLJobStatus = { state: QUEUED.has(st) ? 'queued' : 'running', trials: 0, elapsedSeconds, primaryMetric };
    if (QUEUED.has(st)) return base;
    if (st === 'Canceled' || st === 'CancelRequested')
      return { ...base, state: 'failed', retryable: false, error: { code: 'CANCELED', message: `Azure ML job ${jobId} was canceled` } };
    if (st === 'Failed') {
      const e = await this.mlflow.runError(jobId);
      const { code, retryable } = classify(e ?? {});
      return { ...base, state: 'failed', retryable, error: { code, message: e?.message ?? `Azure ML job ${jobId} failed` } };
    }
    let finished: FinishedJob;
    try {
      finished = await this.finishedJob(job);
    } catch (err) {
      throw toAzureMLError(err, `reading the runs of job ${jobId}`);
    }
    const task = finished.task;
    const scored = finished.children.filter((c) => metricOf(c, finished.primaryMetric) !== undefined);
    const best = bestChild(finished);
    const progress: AutoMLJobStatus = {
      ...base,
      trials: scored.length,
      ...(best ? { bestScore: metricOf(best, finished.primaryMetric), bestLearner: learnerOf(tagOf(best, 'run_algorithm') ?? 'unknown', task) } : {}),
    };
    if (st !== 'Completed') {
      const limit = seconds(td.limitSettings?.timeout);
      if (limit !== undefined && elapsedSeconds > limit + this.settings.timeoutGraceSeconds) {
        await this.cancel(jobId).catch(() => undefined);
        return {
          ...progress,
          state: 'failed',
          retryable: false,
          error: {
            code: 'TIMEOUT',
            message: `Azure ML job ${jobId} ran ${Math.round(elapsedSeconds)} s, past its timeout of ${limit} s plus ${this.settings.timeoutGraceSeconds} s`,
          },
        };
      }
      return progress;
    }
    // Completed: the outputs are collected once (result.json written last marks them complete).
    const prefix = this.outputPrefix(jobId);
    try {
      const done = JSON.parse((await this.registry.getBlobClient(prefix + 'result.json').downloadToBuffer()).toString('utf8')) as AutoMLJobResult;
      return { ...progress, state: 'completed', trials: done.trials, bestScore: done.cvScore, bestLearner: done.bestLearner };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (!best)
      return {
        ...progress,
        state: 'failed',
        retryable: false,
        error: { code: 'MODEL_NOT_READABLE', message: `job ${jobId} completed without a finished child run` },
      };
    try {
      const lineage = await this.registerModelVersion(finished, best);
      const result = await collectOutputs(this.client, this.registry, prefix, finished, best, lineage);
      return { ...progress, state: 'completed', trials: result.trials, bestScore: result.cvScore, bestLearner: result.bestLearner };
    } catch (err) {
      const e = toAzureMLError(err, `collecting the outputs of job ${jobId}`);
      if (e.retryable) throw e;
      return { ...progress, state: 'failed', retryable: false, error: { code: e.code, message: e.detail } };
    }
  }

  private async finishedJob(job: JobResource): Promise<FinishedJob> {
    const td = job.properties.taskDetails ?? {};
    const task = td.taskType === 'Regression' ? 'regression' : 'classification';
    const primaryMetric = AZURE_TO_METRIC[td.primaryMetric ?? ''] ?? (task === 'regression' ? 'normalized_root_mean_squared_error' : 'AUC_weighted');
    const parent = await this.mlflow.getRun(job.name);
    const exp = parent?.info.experiment_id ?? (await this.mlflow.experimentId(job.properties.experimentName ?? this.settings.experimentName));
    const children = exp ? await this.mlflow.children(exp, job.name) : [];
    return {
      name: job.name,
      armId: job.id,
      task,
      target: td.targetColumnName ?? '',
      primaryMetric,
      dataAsset: job.properties.tags?.['mlops.dataAsset'] ?? '',
      parent: parent ?? { info: { run_id: job.name, status: 'RUNNING' }, data: {} },
      children,
    };
  }

  /** Registers the best child's MLflow model as a workspace model version (what online deployments reference). */
  private async registerModelVersion(job: FinishedJob, best: { info: { run_id: string } }): Promise<Record<string, string>> {
    const s = this.settings;
    const asset = /^azureml:mlops-train-(.+):([^:]+)$/.exec(job.dataAsset);
    const name = assetName('mlops', asset?.[1] ?? job.name);
    const version = asset?.[2] ?? job.name;
    const mv = await this.client.sdk.modelVersions.createOrUpdate(s.resourceGroup, s.workspace, name, version, {
      properties: {
        modelType: 'mlflow_model',
        modelUri: mlflowModelUri(best as never),
        jobName: job.name,
        description: `Best model of AutoML job ${job.name}`,
        tags: { 'mlops.job': job.name, 'mlops.bestChildRunId': best.info.run_id, 'mlops.dataAsset': job.dataAsset },
      },
    });
    return { modelVersion: mv.id ?? `${this.client.workspacePath}/models/${name}/versions/${version}` };
  }

  async cancel(jobId: string): Promise<void> {
    const s = this.settings;
    try {
      await this.client.sdk.jobs.beginCancelAndWait(s.resourceGroup, s.workspace, jobId, { updateIntervalInMs: 500 });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      throw toAzureMLError(err, `canceling job ${jobId}`);
    }
  }

  /** Nothing runs in this process: jobs run in Azure ML. */
  async stopAll(): Promise<void> {}
}

/** The provider from typed settings; `registry` is the app's registry container (outputs land there). */
export function createAzureMLAutoMLProvider(settings: AzureMLSettings, deps: AzureMLDeps & { registry: ContainerClient }): AzureMLAutoMLProvider {
  const { registry, ...rest } = deps;
  return new AzureMLAutoMLProvider(settings, registry, rest);
}
