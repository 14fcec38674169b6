import * as fs from 'node:fs';
import * as path from 'node:path';

/** One child run (trial) of an AutoML job, as the trainer reports it. */
export interface TrialRecord {
  trial: number;
  learner: string;
  algorithm: string;
  score: number;
  status: 'ok' | 'failed';
  fitSeconds: number;
  metrics?: Record<string, number>;
  endedAt: string;
}

/** progress.json, rewritten by the trainer as trials finish. */
export interface TrainerProgress {
  phase: string;
  startedAt: string;
  updatedAt: string;
  trials: TrialRecord[];
  bestScore?: number;
}

/** result.json, written once when the trainer ends. */
export type TrainerResult =
  | {
      status: 'Completed';
      task: string;
      primaryMetric: string;
      bestTrial: number;
      bestScore: number;
      trials: TrialRecord[];
      outputsPrefix: string;
      endedAt: string;
    }
  | { status: 'Failed'; error: { code: string; message: string; innerError?: { code: string } }; endedAt: string };

/**
 * What the best child leaves: 'engine' = the engine's ONNX model and outputs/engine/ (pipeline.json,
 * metrics, card); 'azure' = as Azure's own AutoML, the model in Azure's ONNX conventions and no engine files.
 */
export type TrainerOutputs = 'engine' | 'azure';

/** What the emulator hands its trainer (job.json in the job's folder). */
export interface TrainerInput {
  jobName: string;
  connectionString: string;
  dataContainer: string;
  dataFolder: string;
  artifactsContainer: string;
  plan: import('./plan').TrainingPlan;
  /** Trainer threads for the engine (the emulator keeps it small). */
  workers: number;
  /** Default 'engine'. */
  outputs?: TrainerOutputs;
}

export const jobDir = (workDir: string, job: string) => path.join(workDir, 'jobs', job.toLowerCase());

export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Atomic write (temp file + rename): readers never see half a file. */
export function writeJsonFile(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

/** Child run ids are `<job>_<trial>`, as AutoML names them. */
export const childRunId = (job: string, trial: number) => `${job}_${trial}`;
