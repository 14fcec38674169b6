/**
 * What the pipeline's activities need from the rest of the system, as narrow interfaces. The adapters
 * (src/pipeline/wiring.ts) plug the dataset registry, the deployment target and the load runner in;
 * tests can plug fakes of the cloud parts only.
 */
import type { BenchmarkFigures } from './types';

export interface DatasetVersionInfo {
  name: string;
  version: number;
  status: 'registered' | 'rejected';
  sha256: string;
  target: string;
  rows: number;
  /** Row count per target value (classification); absent for a regression target. */
  classCounts?: Record<string, number>;
  /** Blob name of the immutable snapshot in the registry container. */
  snapshotBlob: string;
  /** Input schema columns (all but the target) with an example value, for docs and validation. */
  columns?: { name: string; type: string; example?: string | number; values?: string[]; min?: number; max?: number }[];
}

export interface DatasetCatalog {
  getVersion(name: string, version: number): Promise<DatasetVersionInfo | undefined>;
}

export interface DeploymentInfo {
  name: string;
  scoringUri: string;
  model: { name: string; version: number };
  champion: boolean;
}

export interface Deployer {
  /** Idempotent by name: deploying an existing name returns it. */
  deploy(spec: { name: string; model: { name: string; version: number }; modelBlob: string; profile?: unknown }): Promise<DeploymentInfo>;
  /** Bearer key of a deployment (server-side use only; never logged or returned by the API). */
  key(name: string): Promise<string>;
  champion(): Promise<DeploymentInfo | undefined>;
  /** Atomically makes `name` the champion; the previous champion is drained, then retired. */
  promote(name: string): Promise<{ previous?: string }>;
  retire(name: string): Promise<void>;
}

export interface LoadRunner {
  run(opts: {
    url: string;
    headers: Record<string, string>;
    body: string;
    requests: number;
    concurrency: number;
  }): Promise<BenchmarkFigures & { report: string }>;
}

export interface EventSink {
  publish(type: string, subject: string, data: Record<string, unknown>): Promise<void>;
}
