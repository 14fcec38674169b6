import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { AutoMLJobRef, AutoMLJobStatus, Decision, DeploymentRef, PrepareOutput, RegisteredModelRef, RunInput, RunSummary } from './types';

export const ORCHESTRATION = 'trainDeployBenchmark';

/**
 * The external event an operator raises to cancel a run (POST /api/runs/{id}/cancel). Until the run
 * decides, the run stops at its next step and runs its clean-up (the AutoML job cancelled, the
 * challenger deployment retired, never the champion) and ends Failed with RUN_CANCELLED. Once it
 * decides, the event is ignored: a promotion being carried out finishes as recorded.
 */
export const CANCEL_EVENT = 'cancel';

export const Activities = {
  prepare: 'prepareData',
  submit: 'submitAutoML',
  poll: 'pollAutoML',
  register: 'registerModel',
  deploy: 'deployModel',
  benchmark: 'benchmarkDeployment',
  decide: 'decidePromotion',
  fail: 'failRun',
} as const;

/** Transient failures (storage hiccups, a busy port) retry with backoff; the host schedules retries. */
function retryOptions(): df.RetryOptions {
  const r = new df.RetryOptions(2000, 3);
  r.backoffCoefficient = 2;
  r.maxRetryIntervalInMilliseconds = 15000;
  return r;
}

/**
 * The training pipeline: prepare a stratified hold-out split, run AutoML as a submitted job polled on
 * durable timers (progress goes to custom status), register the best model, deploy it, benchmark it,
 * then promote it or keep the champion. Any failure ends the run Failed with the challenger retired
 * and the champion untouched. Deterministic: every value that varies comes from input or activities.
 */
export function* trainDeployBenchmark(ctx: OrchestrationContext): Generator<df.Task, RunSummary, any> {
  const input = ctx.df.getInput() as RunInput;
  const retry = retryOptions();
  const started = ctx.df.currentUtcDateTime.getTime();
  const status = (s: Record<string, unknown>) =>
    ctx.df.setCustomStatus({
      runId: input.runId,
      dataset: input.dataset,
      datasetVersion: input.datasetVersion,
      elapsedSeconds: Math.round((ctx.df.currentUtcDateTime.getTime() - started) / 1000),
      ...s,
    });

  // One listener for the whole run (a second one would not see an event the first already took).
  const cancelled = ctx.df.waitForExternalEvent(CANCEL_EVENT);
  const cancelError = () => {
    const reason = (cancelled.result as { reason?: unknown } | undefined)?.reason;
    return new Error(`RUN_CANCELLED: cancelled by an operator${typeof reason === 'string' && reason ? `: ${reason.slice(0, 200)}` : ''}`);
  };
  /**
   * A step that a cancel can interrupt. An activity already started runs to its end first (its result
   * or error is dropped, but `late` gets its result), so the clean-up sees whatever it did, such as a
   * job it submitted or a deployment it created; a timer is simply abandoned.
   */
  function* step(task: df.Task, opts: { settle: boolean; late?: (value: any) => void }): Generator<df.Task, any, any> {
    // Cancelled already: the step is not started (a task is scheduled only when yielded).
    if (cancelled.isCompleted) throw cancelError();
    const first = yield ctx.df.Task.any([task, cancelled]);
    if (first === cancelled) {
      if (opts.settle) {
        try {
          opts.late?.(yield task);
        } catch {
          // the run is cancelled; this step's own failure does not matter any more
        }
      }
      throw cancelError();
    }
    return yield task;
  }
  const activity = (name: string, arg: unknown, late?: (value: any) => void) => step(ctx.df.callActivityWithRetry(name, retry, arg), { settle: true, late });

  let deployment: DeploymentRef | undefined;
  let model: RegisteredModelRef | undefined;
  let job: AutoMLJobRef | undefined;
  try {
    status({ phase: 'prepare' });
    const prep: PrepareOutput = yield* activity(Activities.prepare, input);

    status({ phase: 'automl', trials: 0 });
    job = (yield* activity(Activities.submit, { input, prep, attempt: 0 }, (j) => (job = j))) as AutoMLJobRef;
    let resubmits = 0;
    // Long budgets poll less often (history stays small); a job that outlives its budget by far is
    // stuck, whatever its heartbeat says.
    const budget = input.automl.budgetSeconds ?? 60;
    const interval = Math.min(Math.max(input.settings.pollSeconds, budget / 60), 15);
    let deadline = ctx.df.currentUtcDateTime.getTime() + (budget * 1.5 + 120) * 1000;
    for (;;) {
      if (ctx.df.currentUtcDateTime.getTime() > deadline) {
        throw new Error(`AUTOML_TIMEOUT: the AutoML job did not finish within its budget of ${budget} s plus grace`);
      }
      const fireAt = new Date(ctx.df.currentUtcDateTime.getTime() + interval * 1000);
      yield* step(ctx.df.createTimer(fireAt), { settle: false });
      const st: AutoMLJobStatus = yield* activity(Activities.poll, { runId: input.runId, jobId: job.jobId });
      status({
        phase: 'automl',
        trials: st.trials,
        bestScore: st.bestScore,
        bestLearner: st.bestLearner,
        primaryMetric: st.primaryMetric,
        automlElapsedSeconds: st.elapsedSeconds,
      });
      if (st.state === 'completed') break;
      if (st.state === 'failed') {
        if (st.retryable && resubmits < input.settings.maxAutoMLResubmits) {
          resubmits++;
          job = (yield* activity(Activities.submit, { input, prep, attempt: resubmits }, (j) => (job = j))) as AutoMLJobRef;
          deadline = ctx.df.currentUtcDateTime.getTime() + (budget * 1.5 + 120) * 1000;
          continue;
        }
        throw new Error(`${st.error?.code ?? 'AUTOML_FAILED'}: ${st.error?.message ?? 'AutoML job failed'}`);
      }
    }

    status({ phase: 'register' });
    model = (yield* activity(Activities.register, { input, prep, jobId: job.jobId }, (m) => (model = m))) as RegisteredModelRef;

    status({ phase: 'deploy', model });
    deployment = (yield* activity(Activities.deploy, { input, model }, (d) => (deployment = d))) as DeploymentRef;

    status({ phase: 'benchmark', model, deployment: deployment.name });
    const benchmark: RunSummary['benchmark'] = yield* activity(Activities.benchmark, { input, prep, model, deployment });
    // The last point a cancel stops the run: from here it decides, and a decision is carried out.
    if (cancelled.isCompleted) throw cancelError();

    status({ phase: 'decide', model, deployment: deployment.name, p95Ms: benchmark.direct.p95Ms });
    const decision: Decision = yield ctx.df.callActivityWithRetry(Activities.decide, retry, {
      input,
      prep,
      model,
      deployment,
      benchmark,
    });

    status({ phase: 'completed', model, deployment: deployment.name, promoted: decision.promoted, reason: decision.reason });
    return { runId: input.runId, model, deployment, benchmark, decision };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status({ phase: 'failed', error: message });
    try {
      yield ctx.df.callActivityWithRetry(Activities.fail, retry, { input, deployment, model, jobId: job?.jobId, error: message });
    } catch {
      // The run fails with its own reason, not with the clean-up's.
    }
    throw err;
  }
}
