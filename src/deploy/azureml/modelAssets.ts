/**
 * The Azure ML model version a deployment is created from. A model the AutoML provider registered in
 * Azure ML comes as its ARM id; a model known only to the project's registry is registered here: its
 * ONNX file plus an MLmodel descriptor (onnx + python_function flavors, so an MLflow no-code deployment
 * can serve it) are uploaded to the workspace datastore, then a model version of type mlflow_model
 * points at that folder. Registration is idempotent: an existing version of the same name is reused.
 */
import type { AzureBlobDatastore } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { DeployError } from '../target';
import { Arm, toDeployError } from './arm';

/** Where a datastore keeps its files (from datastores.get). */
export interface DatastoreInfo {
  name: string;
  accountName: string;
  containerName: string;
  /** Storage suffix, e.g. core.windows.net. */
  endpoint: string;
  protocol: string;
}

export type DatastoreContainerFactory = (ds: DatastoreInfo) => ContainerClient | Promise<ContainerClient>;

const blobUrl = (ds: DatastoreInfo, endpoint?: string) =>
  `${endpoint ?? `${ds.protocol || 'https'}://${ds.accountName}.blob.${ds.endpoint || 'core.windows.net'}`}/${ds.containerName}`;

/** The account's blob endpoint (or `endpoint`), authenticated with the target's credential (identity). */
export function credentialContainer(credential: TokenCredential, endpoint?: string): DatastoreContainerFactory {
  return (ds) => new ContainerClient(blobUrl(ds, endpoint), credential);
}

/** A key-based datastore (the emulator's): the account key from datastores.listSecrets. */
export function keyContainer(arm: Arm, endpoint?: string): DatastoreContainerFactory {
  return async (ds) => {
    const secrets = (await arm.sdk.datastores.listSecrets(arm.rg, arm.ws, ds.name)) as { key?: string };
    if (!secrets.key) throw new DeployError(502, 'DATASTORE_UNSUPPORTED', `datastore '${ds.name}' returned no account key`);
    return new ContainerClient(blobUrl(ds, endpoint), new StorageSharedKeyCredential(ds.accountName, secrets.key));
  };
}

export const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;

export function assetName(modelName: string): string {
  const n = modelName
    .replace(/[^a-zA-Z0-9\-_]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 255);
  return n || 'model';
}

/** The MLmodel descriptor of an ONNX model (flavors as MLflow writes them). */
export function mlmodelFile(modelName: string, version: string): string {
  return [
    'artifact_path: model',
    'flavors:',
    '  onnx:',
    '    code: null',
    '    data: model.onnx',
    '    onnx_version: 1.17.0',
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    '    data: model.onnx',
    '    env:',
    '      conda: conda.yaml',
    '    loader_module: mlflow.onnx',
    '    python_version: 3.10.14',
    'mlflow_version: 2.16.0',
    `metadata:`,
    `  mlops_model: ${JSON.stringify(modelName)}`,
    `  mlops_version: ${JSON.stringify(version)}`,
    '',
  ].join('\n');
}

const CONDA = [
  'channels:',
  '- conda-forge',
  'dependencies:',
  '- python=3.10.14',
  '- pip',
  '- pip:',
  '  - mlflow==2.16.0',
  '  - onnx==1.17.0',
  '  - onnxruntime==1.19.2',
  'name: mlflow-env',
  '',
].join('\n');

export class ModelAssets {
  private datastoreInfo?: Promise<DatastoreInfo>;

  constructor(
    private readonly arm: Arm,
    private readonly datastore: string,
    private readonly containerFor: DatastoreContainerFactory,
  ) {}

  private info(): Promise<DatastoreInfo> {
    return (this.datastoreInfo ??= this.arm.sdk.datastores
      .get(this.arm.rg, this.arm.ws, this.datastore)
      .then((d) => {
        const p = d.properties as AzureBlobDatastore;
        if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
          throw new DeployError(400, 'DATASTORE_UNSUPPORTED', `datastore '${this.datastore}' is not an Azure Blob datastore`);
        }
        return {
          name: this.datastore,
          accountName: p.accountName,
          containerName: p.containerName,
          endpoint: p.endpoint ?? 'core.windows.net',
          protocol: p.protocol ?? 'https',
        };
      })
      .catch((err) => {
        this.datastoreInfo = undefined;
        throw toDeployError(err, `read datastore ${this.datastore}`);
      }));
  }

  /** The ARM id of model version `name`/`version`, registering it from `onnx` when it does not exist. */
  async ensure(modelName: string, version: string, onnx: Uint8Array, description?: string): Promise<string> {
    const name = assetName(modelName);
    try {
      const existing = await this.arm.sdk.modelVersions.get(this.arm.rg, this.arm.ws, name, version);
      if (existing.id) return existing.id;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw toDeployError(err, `read model ${name} v${version}`);
    }
    const ds = await this.info();
    const folder = `mlops-models/${name}/${version}`;
    try {
      const container = await this.containerFor(ds);
      await container
        .getBlockBlobClient(`${folder}/model.onnx`)
        .uploadData(Buffer.from(onnx), { blobHTTPHeaders: { blobContentType: 'application/octet-stream' } });
      await container
        .getBlockBlobClient(`${folder}/MLmodel`)
        .uploadData(Buffer.from(mlmodelFile(modelName, version)), { blobHTTPHeaders: { blobContentType: 'text/yaml' } });
      await container.getBlockBlobClient(`${folder}/conda.yaml`).uploadData(Buffer.from(CONDA), { blobHTTPHeaders: { blobContentType: 'text/yaml' } });
    } catch (err) {
      throw toDeployError(err, `upload model ${name} v${version} to datastore ${ds.name}`, 'MODEL_UPLOAD_FAILED');
    }
    try {
      const created = await this.arm.sdk.modelVersions.createOrUpdate(this.arm.rg, this.arm.ws, name, version, {
        properties: {
          modelType: 'mlflow_model',
          modelUri: `azureml://datastores/${ds.name}/paths/${folder}/`,
          description: description?.slice(0, 500),
          tags: { [`mlops-model`]: modelName.slice(0, 256), 'mlops-version': version },
        },
      });
      if (!created.id) throw new DeployError(502, 'AZUREML_REQUEST_FAILED', `model ${name} v${version} was registered without an id`);
      return created.id;
    } catch (err) {
      throw toDeployError(err, `register model ${name} v${version}`);
    }
  }
}
