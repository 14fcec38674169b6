import type { AutoMLJobStatus, AutoMLOverrides } from './types';

/** What an AutoML job trains on and how. Data lives in the app's `registry` container. */
export interface AutoMLJobSpec {
  runId: string;
  /** Resubmission counter: each attempt is its own job. */
  attempt: number;
  /** Blob name in the registry container of the training CSV (the run's train split). */
  trainBlob: string;
  target: string;
  options: AutoMLOverrides;
  /** The dataset version the split comes from (lineage: Azure ML tags its data asset with it). */
  dataset?: { name: string; version: number; sha256: string };
}

/** The files a finished job leaves in its output folder (registry container). */
export const JOB_OUTPUT_FILES = ['model.onnx', 'pipeline.json', 'leaderboard.json', 'metrics.json', 'guardrails.json', 'model-card.md', 'result.json'] as const;

/** result.json of a finished job. */
export interface AutoMLJobResult {
  task: string;
  target: string;
  classes: string[];
  primaryMetric: string;
  cvScore: number;
  bestLearner: string;
  trials: number;
  elapsedSeconds: number;
  leaderboardTop: { rank: number; learner: string; score: number; fitSeconds?: number }[];
}

/** What a finished job hands to the model registry. */
export interface AutoMLJobOutput {
  result: AutoMLJobResult;
  /**
   * model.onnx (bytes), pipeline.json, leaderboard.json, metrics.json, guardrails.json, model-card.md.
   * pipeline.json is absent when the model was not trained by the project's engine (Azure's own AutoML):
   * model.onnx is then the model adapted to the endpoint contract, evaluated through ONNX.
   */
  artifacts: Record<Exclude<(typeof JOB_OUTPUT_FILES)[number], 'pipeline.json'>, Uint8Array | string> & { 'pipeline.json'?: Uint8Array | string };
  /** Where the job ran, for the model's lineage (e.g. `azureml`: the Azure ML job, data asset and model version). */
  lineage?: Record<string, unknown>;
}

/**
 * Where AutoML runs: the local engine in a worker process, or an Azure ML AutoML job. The orchestration
 * submits, then polls on durable timers, so neither a long job nor a host restart holds an activity open.
 */
export interface AutoMLProvider {
  readonly name: string;
  /** Idempotent for (runId, attempt): submitting twice returns the same job. */
  submit(spec: AutoMLJobSpec): Promise<{ jobId: string }>;
  status(jobId: string): Promise<AutoMLJobStatus>;
  /** A completed job's outputs: its result and the model artifacts to register (the provider owns their layout). */
  result(jobId: string): Promise<AutoMLJobOutput>;
  cancel(jobId: string): Promise<void>;
}
