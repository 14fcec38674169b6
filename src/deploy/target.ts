/**
 * The deployment-target seam: where a registered model becomes a keyed scoring endpoint. Local now
 * (LocalDeploymentTarget: one Node process per deployment); an Azure ML online-endpoint target later.
 */
import { InputSchema, SchemaHints } from '../contract/schema';
import { DeploymentKeys } from './keys';

/** Where the model bytes come from: a local file, or a blob (default container `registry`). */
export type ModelSource = { file: string } | { blob: string; container?: string };

export interface DeploymentSpec {
  /** Deployment name: letters, digits and dashes, starting with a letter or digit, at most 63 characters. */
  name: string;
  modelName: string;
  modelVersion: string | number;
  /** Default: blob `registry/models/{modelName}/v{modelVersion}/model.onnx`. */
  model?: ModelSource;
  /** Dataset profile facts for the input schema and the swagger (examples, categories, ranges). */
  hints?: SchemaHints;
}

export type DeploymentStatus = 'starting' | 'running' | 'draining' | 'retired' | 'failed';

/** A deployment as operators see it: never carries its keys (see DeploymentTarget.keys). */
export interface Deployment {
  name: string;
  modelName: string;
  modelVersion: string;
  status: DeploymentStatus;
  /** Scoring base URL (POST {url}/score); '' when not running. */
  url: string;
  port: number;
  pid: number;
  champion: boolean;
  createdAt: string;
  updatedAt: string;
  target: string;
  schema: InputSchema;
  model: ModelSource;
  error?: string;
}

export interface RetireOptions {
  /** How long new traffic may still arrive after the route moved away (ms). Default: the target's drainMs. */
  drainMs?: number;
  /** Allow retiring the champion (the scoring route then has no model: 503). */
  force?: boolean;
}

export interface DeploymentTarget {
  deploy(spec: DeploymentSpec): Promise<Deployment>;
  /** Drains (stops taking traffic, lets in-flight requests finish), stops the endpoint, marks it retired. */
  retire(name: string, opts?: RetireOptions): Promise<void>;
  list(): Promise<Deployment[]>;
  get(name: string): Promise<Deployment | undefined>;
  /** Brings back every deployment whose record says it should run (host start). */
  restore(): Promise<Deployment[]>;
  /** The deployment's keys (server side only: for the proxy, the benchmark, an operator's CLI). */
  keys(name: string): Promise<DeploymentKeys>;
  /** Replaces the primary or the secondary key; the other one keeps working. Returns both keys. */
  regenerateKey(name: string, which: 'primary' | 'secondary'): Promise<DeploymentKeys>;
  /** Host stop: stops the endpoint processes this target runs, keeping their records for restore(). */
  close(): Promise<void>;
}

export class DeployError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

export const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

export function defaultModelSource(modelName: string, modelVersion: string | number): ModelSource {
  return { blob: `models/${modelName}/v${modelVersion}/model.onnx`, container: 'registry' };
}
