/**
 * What the pipeline's activities need from the rest of the system, as narrow typed ports. The
 * composition root (src/app/root.ts) plugs the stores, the AutoML provider, the deployment target and
 * the champion module in; unit tests plug in-memory fakes (test/pipeline/fakes.ts). No activity sees
 * a container, a blob path or a table key: each store owns its layout.
 */
import type { FittedPipeline } from '../automl/pipeline';
import type { ModelArtifacts, ModelLineage, ModelVersion } from '../models/registry';
import type { Telemetry } from '../telemetry';
import type { AutoMLProvider } from '../training/provider';
import type { RunRecord } from './runs';
import type { SplitStore } from './splits';
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
}

export interface DatasetCatalog {
  getVersion(name: string, version: number): Promise<DatasetVersionInfo | undefined>;
  latestRegistered(name: string): Promise<number | undefined>;
  /** The immutable snapshot of a registered version (the dataset registry owns where it is). */
  openSnapshot(name: string, version: number): Promise<NodeJS.ReadableStream>;
}

export interface RunLog {
  open(run: Pick<RunRecord, 'runId' | 'dataset' | 'datasetVersion' | 'trigger' | 'options'>): Promise<RunRecord>;
  get(runId: string): Promise<RunRecord | undefined>;
  update(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'phases'>>, note?: string): Promise<RunRecord>;
}

export interface ModelStore {
  register(
    name: string,
    info: { learner: string; task: string; primaryMetric: string; cvScore: number; lineage: ModelLineage },
    artifacts: ModelArtifacts,
  ): Promise<ModelVersion>;
  update(name: string, version: number, patch: Partial<Pick<ModelVersion, 'status' | 'testScore' | 'decision'>>): Promise<void>;
  /** The version's pipeline.json, or undefined when it has none (a model trained by Azure's own AutoML). */
  readPipeline<T = FittedPipeline>(name: string, version: number): Promise<T | undefined>;
  /** The version's model.onnx (the endpoint contract), for held-out evaluation of a model without pipeline.json. */
  readOnnx(name: string, version: number): Promise<Uint8Array>;
  writeReport(name: string, version: number, file: 'benchmark.txt' | 'benchmark.json', content: string): Promise<void>;
}

export interface DeploymentInfo {
  name: string;
  scoringUri: string;
  model: { name: string; version: number };
  champion: boolean;
}

export interface Deployer {
  /** Idempotent by name: deploying a running name returns it. The model comes from the model registry. */
  deploy(spec: { name: string; model: { name: string; version: number } }): Promise<DeploymentInfo>;
  /**
   * How to call one deployment directly: its scoring URL and the headers that authenticate and pin
   * the request to it (a Bearer key, `azureml-model-deployment`). Server-side use only: never logged
   * or returned by the API.
   */
  route(name: string): Promise<{ url: string; headers: Record<string, string> }>;
  /** Retires a deployment unless it is a champion; idempotent. */
  retire(name: string): Promise<void>;
}

/** The champion module, per model lineage (src/deploy/champion.ts). */
export interface Champions {
  champion(lineage: string): Promise<DeploymentInfo | undefined>;
  /** Makes the deployment its lineage's champion; the previous one is drained, then retired. */
  promote(deployment: string): Promise<{ previous?: string }>;
  withLock<T>(lineage: string, fn: () => Promise<T>): Promise<T>;
  /** Why the lineage may not get a first champion (served-models limit), or undefined. */
  capacityProblem(lineage: string): Promise<string | undefined>;
  /**
   * The target's canary stage, where it has one (Azure ML: a share of live or mirrored traffic to the
   * challenger, compared with the champion's answers); undefined when none is configured.
   */
  canary?(lineage: string, challenger: string, probeBody: string): Promise<CanaryVerdict | undefined>;
}

export interface CanaryVerdict {
  passed: boolean;
  reason: string;
  figures?: Record<string, unknown>;
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

/** The proxy route of a model to benchmark too (URL + a function key), when the host exposes one. */
export type ProxyRoute = (model: string) => Promise<{ url: string; headers: Record<string, string> } | undefined>;

export interface PipelineDeps {
  runs: RunLog;
  datasets: DatasetCatalog;
  splits: SplitStore;
  models: ModelStore;
  automl: AutoMLProvider;
  deployer: Deployer;
  champions: Champions;
  load: LoadRunner;
  telemetry: Telemetry;
  events: EventSink;
  proxy?: ProxyRoute;
}
