/** What an AutoML run may be asked for, and what a job reports while it runs (plain JSON). */

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
