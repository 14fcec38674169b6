import { TableClient } from '@azure/data-tables';
import { ContainerClient } from '@azure/storage-blob';
import { containerClient, ensureContainer, ensureTable, isConflict, tableClient, versionRowKey } from '../storage/clients';

export type ModelStatus = 'registering' | 'registered' | 'champion' | 'retired' | 'rejected';

export interface ModelLineage {
  dataset: string;
  datasetVersion: number;
  datasetSha256: string;
  runId: string;
}

export interface ModelVersion {
  name: string;
  version: number;
  status: ModelStatus;
  learner: string;
  task: string;
  primaryMetric: string;
  /** Cross-validated primary metric from AutoML. */
  cvScore: number;
  /** Primary metric on the run's held-out split (set when the run decides). */
  testScore?: number;
  lineage: ModelLineage;
  /** Blob folder holding the artifacts: registry/models/{name}/v{n}/ */
  artifactPrefix: string;
  createdAt: string;
  updatedAt: string;
  decision?: string;
}

/** Artifacts written once (immutable) into the model's folder. */
export interface ModelArtifacts {
  'model.onnx': Uint8Array;
  /** The engine's FittedPipeline; absent for a model trained by Azure's own AutoML (ONNX only). */
  'pipeline.json'?: string;
  'leaderboard.json': string;
  'metrics.json': string;
  'guardrails.json'?: string;
  'model-card.md': string;
  [file: string]: Uint8Array | string | undefined;
}

interface ModelEntity {
  partitionKey: string;
  rowKey: string;
  version: number;
  status: ModelStatus;
  learner: string;
  task: string;
  primaryMetric: string;
  cvScore: number;
  testScore?: number;
  dataset: string;
  datasetVersion: number;
  datasetSha256: string;
  runId: string;
  artifactPrefix: string;
  createdAt: string;
  updatedAt: string;
  decision?: string;
}

export const MODELS_TABLE = 'models';
export const REGISTRY_CONTAINER = 'registry';

/**
 * The model registry: one Table entity per model version (partition = model name) and an immutable
 * artifact folder per version in the `registry` container. Version numbers come from conditional
 * inserts, so two concurrent registrations never share a version.
 */
export class ModelRegistry {
  private readonly table: TableClient;
  private readonly blobs: ContainerClient;

  constructor(connectionString: string, container = REGISTRY_CONTAINER) {
    this.table = tableClient(connectionString, MODELS_TABLE);
    this.blobs = containerClient(connectionString, container);
  }

  /** Where a version's ONNX model is kept (blob name in the registry container), for deployment targets. */
  modelBlob(name: string, version: number): { blob: string; container: string } {
    return { blob: `models/${name}/v${version}/model.onnx`, container: this.blobs.containerName };
  }

  /**
   * The fitted pipeline (pipeline.json) of a version, for held-out evaluation; undefined when the version
   * has none (a model trained by Azure's own AutoML, registered with its adapted ONNX only).
   */
  async readPipeline<T>(name: string, version: number): Promise<T | undefined> {
    try {
      return JSON.parse((await this.blobs.getBlobClient(`models/${name}/v${version}/pipeline.json`).downloadToBuffer()).toString('utf8')) as T;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** The ONNX model (model.onnx, in the endpoint contract) of a version. */
  async readOnnx(name: string, version: number): Promise<Uint8Array> {
    return this.blobs.getBlobClient(`models/${name}/v${version}/model.onnx`).downloadToBuffer();
  }

  /** Writes a report beside a version's artifacts (benchmark.txt/json); replaced when written again. */
  async writeReport(name: string, version: number, file: 'benchmark.txt' | 'benchmark.json', content: string): Promise<void> {
    await this.blobs.getBlockBlobClient(`models/${name}/v${version}/${file}`).upload(content, Buffer.byteLength(content), {
      blobHTTPHeaders: { blobContentType: contentTypeOf(file) },
    });
  }

  /**
   * Registers a new version. Idempotent per run: registering again for the same runId returns the
   * version already registered (an activity may run twice after a crash).
   */
  async register(
    name: string,
    info: { learner: string; task: string; primaryMetric: string; cvScore: number; lineage: ModelLineage },
    artifacts: ModelArtifacts,
  ): Promise<ModelVersion> {
    await ensureTable(this.table);
    await ensureContainer(this.blobs);
    let claimed = (await this.list(name)).find((m) => m.lineage.runId === info.lineage.runId);
    if (claimed && claimed.status !== 'registering') return claimed;
    // Claim a version number with a conditional insert first, then write the artifacts, then mark the
    // row registered: a concurrent registration can never write into another's folder, and a crash
    // between the steps is resumed by the next attempt of the same run.
    for (let attempt = 0; !claimed && attempt < 20; attempt++) {
      const version = (await this.latestVersion(name)) + 1;
      const now = new Date().toISOString();
      const entity: ModelEntity = {
        partitionKey: name,
        rowKey: versionRowKey(version),
        version,
        status: 'registering',
        learner: info.learner,
        task: info.task,
        primaryMetric: info.primaryMetric,
        cvScore: info.cvScore,
        dataset: info.lineage.dataset,
        datasetVersion: info.lineage.datasetVersion,
        datasetSha256: info.lineage.datasetSha256,
        runId: info.lineage.runId,
        artifactPrefix: `models/${name}/v${version}/`,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.table.createEntity(entity);
        claimed = toModel(entity);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    if (!claimed) throw new Error(`could not allocate a version for model ${name}`);
    for (const [file, content] of Object.entries(artifacts)) {
      if (content === undefined) continue;
      const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      await this.blobs.getBlockBlobClient(claimed.artifactPrefix + file).uploadData(buf, {
        blobHTTPHeaders: { blobContentType: contentTypeOf(file) },
      });
    }
    await this.update(name, claimed.version, { status: 'registered' });
    return { ...claimed, status: 'registered' };
  }

  async latestVersion(name: string): Promise<number> {
    let max = 0;
    for (const m of await this.list(name)) max = Math.max(max, m.version);
    return max;
  }

  async list(name?: string): Promise<ModelVersion[]> {
    await ensureTable(this.table);
    const filter = name ? `PartitionKey eq '${name.replace(/'/g, "''")}'` : undefined;
    const out: ModelVersion[] = [];
    for await (const e of this.table.listEntities<ModelEntity>({ queryOptions: { filter } })) out.push(toModel(e));
    return out.sort((a, b) => (a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1));
  }

  async get(name: string, version: number): Promise<ModelVersion | undefined> {
    await ensureTable(this.table);
    try {
      return toModel(await this.table.getEntity<ModelEntity>(name, versionRowKey(version)));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async update(name: string, version: number, patch: Partial<Pick<ModelVersion, 'status' | 'testScore' | 'decision'>>): Promise<void> {
    await this.table.updateEntity({ partitionKey: name, rowKey: versionRowKey(version), ...patch, updatedAt: new Date().toISOString() }, 'Merge');
  }

  async readArtifact(model: Pick<ModelVersion, 'artifactPrefix'>, file: string): Promise<Buffer> {
    return this.blobs.getBlobClient(model.artifactPrefix + file).downloadToBuffer();
  }

  artifactUrl(model: Pick<ModelVersion, 'artifactPrefix'>, file: string): string {
    return this.blobs.getBlobClient(model.artifactPrefix + file).url;
  }
}

function toModel(e: ModelEntity): ModelVersion {
  return {
    name: e.partitionKey,
    version: e.version,
    status: e.status,
    learner: e.learner,
    task: e.task,
    primaryMetric: e.primaryMetric,
    cvScore: e.cvScore,
    testScore: e.testScore ?? undefined,
    lineage: { dataset: e.dataset, datasetVersion: e.datasetVersion, datasetSha256: e.datasetSha256, runId: e.runId },
    artifactPrefix: e.artifactPrefix,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    decision: e.decision ?? undefined,
  };
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.json')) return 'application/json';
  if (file.endsWith('.md')) return 'text/markdown; charset=utf-8';
  if (file.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
