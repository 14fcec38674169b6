import type { ArmResource } from '../core/resource';
import type { StateStore } from '../core/state';
import type { TrainerRunner } from './runner';
import type { TrainingPlan } from './plan';
import type { TrainerInput, TrainerOutputs } from './files';

export type JobStatus = 'NotStarted' | 'Queued' | 'Preparing' | 'Running' | 'Finalizing' | 'CancelRequested' | 'Completed' | 'Failed' | 'Canceled';

export const TERMINAL: readonly JobStatus[] = ['Completed', 'Failed', 'Canceled'];

/**
 * An injected outcome for matching jobs (tests): fail at a phase, hold Running for a while, or leave
 * the outputs Azure's own AutoML leaves (outputs: 'azure', see TrainerInput.outputs).
 */
export interface JobOutcomeRule {
  /** Regular expression (source) on the job name. */
  job: string;
  fail?: { at?: 'Preparing' | 'Running'; code: string; message: string; innerCode?: string };
  holdRunningMs?: number;
  outputs?: TrainerOutputs;
}

export interface JobRecord {
  name: string;
  resource: ArmResource;
  status: JobStatus;
  plan: TrainingPlan;
  experimentId: string;
  dataContainer: string;
  dataFolder: string;
  createdAt: number;
  /** When the current status began (ms). */
  since: number;
  startedAt?: number;
  endedAt?: number;
  error?: { code: string; message: string; innerError?: { code: string } };
  outcome?: JobOutcomeRule;
}

export const JOBS = 'jobs';

export interface LifecycleDeps {
  state: StateStore;
  runner: TrainerRunner;
  phaseMs: number;
  /** Built per job when training starts. */
  trainerInput(job: JobRecord): TrainerInput;
}

/**
 * Moves a job along NotStarted -> Queued -> Preparing -> Running -> Finalizing -> Completed as time
 * passes (phaseMs per step), with the trainer deciding when Running ends and how. Called on every read
 * and by a ticker, so status changes whether or not anyone polls. Idempotent.
 */
export function advance(job: JobRecord, deps: LifecycleDeps): JobRecord {
  const now = Date.now();
  const set = (status: JobStatus, patch: Partial<JobRecord> = {}) => {
    job = { ...job, ...patch, status, since: now };
    deps.state.put(JOBS, job.name, job);
  };
  for (let guard = 0; guard < 6; guard++) {
    const due = now - job.since >= deps.phaseMs;
    const fail = job.outcome?.fail;
    switch (job.status) {
      case 'NotStarted':
        if (!due) return job;
        set('Queued');
        break;
      case 'Queued':
        if (!due) return job;
        set('Preparing');
        break;
      case 'Preparing':
        if (!due) return job;
        if (fail && (fail.at ?? 'Preparing') === 'Preparing') {
          set('Failed', { endedAt: now, error: { code: fail.code, message: fail.message, innerError: fail.innerCode ? { code: fail.innerCode } : undefined } });
          return job;
        }
        deps.runner.start(deps.trainerInput(job));
        set('Running', { startedAt: now });
        return job;
      case 'Running': {
        const result = deps.runner.result(job.name);
        if (!result) {
          // A trainer lost with the previous emulator process: start it again.
          if (!deps.runner.running(job.name)) deps.runner.start(deps.trainerInput(job));
          return job;
        }
        if (job.outcome?.holdRunningMs && now - (job.startedAt ?? now) < job.outcome.holdRunningMs) return job;
        if (fail?.at === 'Running') {
          set('Failed', { endedAt: now, error: { code: fail.code, message: fail.message, innerError: fail.innerCode ? { code: fail.innerCode } : undefined } });
          return job;
        }
        if (result.status === 'Failed') {
          set('Failed', { endedAt: now, error: result.error });
          return job;
        }
        set('Finalizing');
        break;
      }
      case 'Finalizing':
        if (!due) return job;
        set('Completed', { endedAt: now });
        return job;
      default:
        return job;
    }
  }
  return job;
}
