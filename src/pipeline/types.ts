/** Inputs and outputs of the trainDeployBenchmark orchestration and its activities (all plain JSON). */

export interface AutoMLOverrides {
  budgetSeconds?: number;
  primaryMetric?: string;
  task?: 'binary' | 'multiclass' | 'regression';
  maxTrials?: number;
  cvFolds?: number;
  seed?: number;
  allowedLearners?: string[];
  blockedLearners?: string[];
}

export interface RunInput {
  runId: string;
  dataset: string;
  datasetVersion: number;
  trigger: 'blob' | 'api';
  automl: AutoMLOverrides;
  /** Read from settings by the starter, so replays see the same values. */
  settings: {
    testFraction: number;
    pollSeconds: number;
    /** Challenger promoted when its test metric >= champion's - tolerance. */
    promotionTolerance: number;
    /** SLO: the benchmark's p95 (ms) must stay under this. */
    maxP95Ms: number;
    benchRequests: number;
    benchConcurrency: number;
    /** How many times a lost AutoML worker is restarted before the run fails. */
    maxAutoMLResubmits: number;
  };
}

export interface PrepareOutput {
  target: string;
  datasetSha256: string;
  trainBlob: string;
  testBlob: string;
  train: number;
  test: number;
}

export interface AutoMLJobRef {
  jobId: string;
}

export interface AutoMLJobStatus {
  state: 'queued' | 'running' | 'completed' | 'failed';
  trials: number;
  bestScore?: number;
  bestLearner?: string;
  primaryMetric?: string;
  elapsedSeconds: number;
  /** failed only: a lost worker can be resubmitted; a data or config error cannot. */
  retryable?: boolean;
  error?: { code: string; message: string };
}

export interface RegisteredModelRef {
  name: string;
  version: number;
  primaryMetric: string;
  cvScore: number;
}

export interface DeploymentRef {
  name: string;
  scoringUri: string;
}

export interface BenchmarkFigures {
  requests: number;
  concurrency: number;
  requestsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface Decision {
  promoted: boolean;
  reason: string;
  challenger: { model: string; version: number; testScore: number };
  champion?: { model: string; version: number; testScore: number; deployment: string };
  metric: string;
  tolerance: number;
  sloP95Ms: number;
  p95Ms: number;
}

export interface RunSummary {
  runId: string;
  model: RegisteredModelRef;
  deployment: DeploymentRef;
  benchmark: { direct: BenchmarkFigures; proxy?: BenchmarkFigures };
  decision: Decision;
}
