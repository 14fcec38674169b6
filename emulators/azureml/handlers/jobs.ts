import { randomUUID } from 'node:crypto';
import { advance, JobOutcomeRule, JobRecord, JOBS, LifecycleDeps, TERMINAL } from '../automl/lifecycle';
import { parseDatastoreUri } from '../automl/mltable';
import { planFromJob } from '../automl/plan';
import { TrainerRunner } from '../automl/runner';
import type { TrainerOutputs } from '../automl/files';
import { ArmError } from '../core/errors';
import { json } from '../core/http';
import type { EmuRequest } from '../core/http';
import type { EmulatorContext, EmulatorPlugin } from '../core/plugin';
import { ArmResource, childId, page, PROVIDER, systemData, workspaceId, WorkspaceParams } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';
import { dataVersion } from './assets';
import { computeNames } from './computes';
import { DEFAULT_DATASTORE } from './datastores';
import { mlflowTrackingUri } from './workspaces';

export interface JobsOptions {
  /** Time per lifecycle step (NotStarted -> Queued -> Preparing -> Running, Finalizing -> Completed). */
  phaseMs?: number;
  /** Engine worker threads per trainer (default 1: the emulator shares the machine with its clients). */
  workers?: number;
  /**
   * What the best child leaves (default 'engine'): the engine's ONNX model plus outputs/engine/ (its
   * pipeline.json, metrics, card), or 'azure': what Azure's own AutoML leaves, the model converted to
   * Azure's ONNX conventions (automl/azureOnnx.ts) and no outputs/engine/. A job outcome rule may set it per job.
   */
  outputs?: TrainerOutputs;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
export const EXPERIMENTS = 'jobs.experiments';
const OUTCOMES = 'jobs.outcomes';

/** The experiment id for a name (created on first use), as MLflow and the job both report it. */
export function experimentId(ctx: EmulatorContext, name: string): string {
  return ctx.state.get<{ id: string }>(EXPERIMENTS, name)?.id ?? ctx.state.put(EXPERIMENTS, name, { id: randomUUID(), name }).id;
}

/** Resolves a job's trainingData uri to a folder of the default datastore, or the service's 400. */
function resolveTrainingData(ctx: EmulatorContext, uri: string): string {
  let m = /^azureml:([a-zA-Z0-9][a-zA-Z0-9\-_.]*):([^/:]+)$/.exec(uri);
  if (!m) {
    const arm = /\/data\/([^/]+)\/versions\/([^/]+)$/i.exec(uri);
    if (arm && /^(azureml:)?\/subscriptions\//i.test(uri)) m = arm;
  }
  let dataUri = uri;
  if (m) {
    const v = dataVersion(ctx, m[1], m[2]);
    if (!v)
      throw new ArmError(400, 'UserError', `Data asset ${m[1]}:${m[2]} does not exist in workspace '${ctx.settings.workspace}'.`, {
        target: 'trainingData',
        details: [{ code: 'DataNotFound', message: `data ${m[1]}:${m[2]} not found` }],
      });
    if (v.properties.dataType !== 'mltable')
      throw new ArmError(400, 'UserError', `AutoML training data must be an mltable data asset; ${m[1]}:${m[2]} is ${String(v.properties.dataType)}.`, {
        target: 'trainingData',
      });
    dataUri = String(v.properties.dataUri);
  }
  const ds = parseDatastoreUri(dataUri);
  if (!ds || ds.datastore.toLowerCase() !== DEFAULT_DATASTORE) {
    throw new ArmError(400, 'UserError', `Training data '${uri}' must be a data asset or an azureml://datastores/${DEFAULT_DATASTORE}/paths/ folder.`, {
      target: 'trainingData',
    });
  }
  return ds.path;
}

function checkCompute(ctx: EmulatorContext, props: Record<string, unknown>): void {
  const id = props.computeId;
  if (id === undefined || id === null) return; // serverless
  if (typeof id !== 'string') throw ctx.errors.validation('computeId must be a string', 'computeId');
  const name = id.split('/').pop()!;
  if (!computeNames(ctx.settings.plugins.computes).some((n) => n.toLowerCase() === name.toLowerCase())) {
    throw new ArmError(400, 'UserError', `Compute '${name}' was not found in workspace '${ctx.settings.workspace}'.`, {
      target: 'computeId',
      details: [{ code: 'ComputeNotFound', message: `compute ${name} not found` }],
    });
  }
}

/** The job resource as served: what was sent, plus status and services. */
function view(ctx: EmulatorContext, req: EmuRequest, job: JobRecord): ArmResource {
  const wsId = workspaceId(req.params as unknown as WorkspaceParams);
  return {
    ...job.resource,
    properties: {
      ...job.resource.properties,
      status: job.status,
      services: {
        Tracking: { jobServiceType: 'Tracking', endpoint: mlflowTrackingUri(req.origin, wsId), status: null },
        Studio: { jobServiceType: 'Studio', endpoint: `${req.origin}/studio/runs/${job.name}`, status: null },
      },
    },
  };
}

/** Jobs: create (AutoML only), get, list, cancel (LRO), with a lifecycle that really trains. */
export const jobsPlugin: EmulatorPlugin = {
  name: 'jobs',
  register(ctx) {
    const opts = (ctx.settings.plugins.jobs ?? {}) as JobsOptions;
    const runner = new TrainerRunner(ctx.workDir);
    const storage = ctx.settings.storage;
    const deps: LifecycleDeps = {
      state: ctx.state,
      runner,
      phaseMs: opts.phaseMs ?? 300,
      trainerInput: (job) => ({
        jobName: job.name,
        connectionString: storage.connectionString,
        dataContainer: job.dataContainer,
        dataFolder: job.dataFolder,
        artifactsContainer: storage.artifactsContainer ?? 'azureml',
        plan: job.plan,
        workers: opts.workers ?? 1,
        outputs: job.outcome?.outputs ?? opts.outputs ?? 'engine',
      }),
    };
    const get = (name: string) => {
      const j = ctx.state.get<JobRecord>(JOBS, name);
      return j ? advance(j, deps) : undefined;
    };
    const ticker = setInterval(() => {
      for (const j of ctx.state.list<JobRecord>(JOBS)) if (!TERMINAL.includes(j.status)) advance(j, deps);
    }, 100);
    ticker.unref();
    ctx.onStop(() => {
      clearInterval(ticker);
      runner.stopAll();
    });

    ctx.lro.define('jobs.cancel', (op) => {
      const { name } = op.payload as { name: string };
      const j = ctx.state.get<JobRecord>(JOBS, name);
      if (!j || TERMINAL.includes(j.status)) return;
      runner.stop(name);
      ctx.state.put(JOBS, name, { ...j, status: 'Canceled', since: Date.now(), endedAt: Date.now() });
    });

    ctx.router.add('PUT', `${WORKSPACE_PATH}/jobs/{id}`, (req) => {
      ctx.requireWorkspace(req);
      const name = req.params.id;
      if (!NAME.test(name)) throw ctx.errors.validation(`job name '${name}' must match ${NAME.source}`, 'id');
      const body = req.body as { properties?: Record<string, unknown> } | undefined;
      const props = body?.properties;
      if (!props || typeof props !== 'object') throw ctx.errors.validation('properties is required', 'properties');
      if (props.jobType !== 'AutoML')
        throw ctx.errors.validation(`jobType '${String(props.jobType)}' is not supported by this emulator (AutoML)`, 'properties.jobType');
      const existing = get(name);
      if (existing) {
        // A job's definition is immutable; resubmitting the same name returns the job as it is.
        if (JSON.stringify(existing.resource.properties.taskDetails) !== JSON.stringify(props.taskDetails)) {
          throw ctx.errors.badRequest(
            'UserError',
            `A job named '${name}' already exists with a different definition; only tags, properties and description can change.`,
            'properties.taskDetails',
          );
        }
        return json(200, view(ctx, req, existing));
      }
      const plan = planFromJob(props);
      checkCompute(ctx, props);
      const folder = resolveTrainingData(ctx, plan.trainingDataUri);
      const experimentName = typeof props.experimentName === 'string' && props.experimentName ? props.experimentName : 'Default';
      const outcome = ctx.state.list<JobOutcomeRule>(OUTCOMES).find((r) => new RegExp(r.job, 'i').test(name));
      const now = Date.now();
      const job: JobRecord = {
        name,
        resource: {
          id: childId(req.params as unknown as WorkspaceParams, 'jobs', name),
          name,
          type: `${PROVIDER}/workspaces/jobs`,
          systemData: systemData(),
          properties: {
            ...props,
            experimentName,
            displayName: props.displayName ?? name,
            isArchived: props.isArchived ?? false,
            properties: props.properties ?? {},
            tags: props.tags ?? {},
          },
        },
        status: 'NotStarted',
        plan,
        experimentId: experimentId(ctx, experimentName),
        dataContainer: storage.container,
        dataFolder: folder,
        createdAt: now,
        since: now,
        outcome,
      };
      ctx.state.put(JOBS, name, job);
      return json(201, view(ctx, req, job));
    });

    ctx.router.add('GET', `${WORKSPACE_PATH}/jobs/{id}`, (req) => {
      ctx.requireWorkspace(req);
      const j = get(req.params.id);
      if (!j) throw ctx.errors.notFound('job', req.params.id);
      return json(200, view(ctx, req, j));
    });

    ctx.router.add('GET', `${WORKSPACE_PATH}/jobs`, (req) => {
      ctx.requireWorkspace(req);
      return json(200, page(ctx.state.list<JobRecord>(JOBS).map((j) => view(ctx, req, advance(j, deps)))));
    });

    ctx.router.add('POST', `${WORKSPACE_PATH}/jobs/{id}/cancel`, (req) => {
      ctx.requireWorkspace(req);
      const j = get(req.params.id);
      if (!j) throw ctx.errors.notFound('job', req.params.id);
      if (!TERMINAL.includes(j.status)) ctx.state.put(JOBS, j.name, { ...j, status: 'CancelRequested', since: Date.now() });
      const op = ctx.lro.begin('jobs.cancel', { name: j.name });
      return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
    });

    // Control route: injected outcomes for jobs created later (quota errors, long runs).
    ctx.router.add(
      'POST',
      '/_emulator/jobs/outcomes',
      (req) => {
        const rule = req.body as JobOutcomeRule;
        if (!rule || typeof rule.job !== 'string') throw ctx.errors.validation('an outcome needs job (regex)', 'job');
        if (rule.outputs !== undefined && rule.outputs !== 'engine' && rule.outputs !== 'azure') {
          throw ctx.errors.validation("outputs is 'engine' or 'azure'", 'outputs');
        }
        ctx.state.put(OUTCOMES, `${rule.job}#${ctx.state.list(OUTCOMES).length}`, rule);
        return json(201, rule);
      },
      { auth: 'none' },
    );
    ctx.router.add(
      'DELETE',
      '/_emulator/jobs/outcomes',
      () => {
        clearOutcomes(ctx);
        return { status: 204 };
      },
      { auth: 'none' },
    );
  },
};

function clearOutcomes(ctx: EmulatorContext): void {
  const all = ctx.state.list<JobOutcomeRule>(OUTCOMES);
  all.forEach((r, i) => ctx.state.delete(OUTCOMES, `${r.job}#${i}`));
}

/** A job record for other plugins (MLflow reads runs from it). */
export function jobRecord(ctx: EmulatorContext, name: string): JobRecord | undefined {
  return ctx.state.get<JobRecord>(JOBS, name);
}
export { JOBS };
