/** Inputs and outputs of the trainDeployBenchmark orchestration and its activities (all plain JSON). */
import type { AutoMLOverrides } from '../training/types';

export type { AutoMLJobStatus, AutoMLOverrides } from '../training/types';

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
  train: number;
  test: number;
}

export interface AutoMLJobRef {
  jobId: string;
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
  /** Latency distribution (equal-width bins, ms), for the dashboard; absent in runs recorded before it. */
  histogram?: { edgesMs: number[]; counts: number[] };
}

export interface Decision {
  promoted: boolean;
  reason: string;
  /** evaluatedBy: the held-out path, the version's pipeline.json or its ONNX model (no pipeline.json). */
  challenger: { model: string; version: number; testScore: number; evaluatedBy?: 'pipeline' | 'onnx' };
  champion?: { model: string; version: number; testScore: number; deployment: string; evaluatedBy?: 'pipeline' | 'onnx' };
  metric: string;
  tolerance: number;
  sloP95Ms: number;
  p95Ms: number;
  /** The canary stage's verdict and figures, when the target ran one. */
  canary?: { passed: boolean; reason: string; figures?: Record<string, unknown> };
}

export interface RunSummary {
  runId: string;
  model: RegisteredModelRef;
  deployment: DeploymentRef;
  benchmark: { direct: BenchmarkFigures; proxy?: BenchmarkFigures };
  decision: Decision;
}
