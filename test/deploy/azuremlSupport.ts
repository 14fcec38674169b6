/**
 * The Azure ML target wired to the emulator for tests: Azurite (a process), the emulator in process
 * (HTTPS, its self-signed CA trusted in process), a deployment store and the registry container on
 * Azurite, model blobs written from the ONNX test fixture, and a load loop that counts answers.
 */
import * as fs from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { onnx } from 'onnx-proto';
import { createAzureMLDeploymentTarget, AzureMLDeploymentTarget, AzureMLTargetSettings } from '../../src/deploy/azureml';
import type { LroProgress } from '../../src/deploy/azureml/arm';
import { DeploymentStore } from '../../src/deploy/store';
import type { ModelSource } from '../../src/deploy/target';
import { EmulatorStack, fakeCredential, startEmulatorStack } from '../emulators/azureml/support';
import { SAMPLE_ROWS } from './fixtures/model';

export const SCORE_BODY = JSON.stringify({ data: SAMPLE_ROWS });

export interface TargetStack {
  stack: EmulatorStack;
  store: DeploymentStore;
  settings: AzureMLTargetSettings;
  progress: (LroProgress & { deployment?: string })[];
  newTarget(overrides?: Partial<AzureMLTargetSettings>): AzureMLDeploymentTarget;
  /** Uploads an ONNX model to registry/models/{name}/v{version}/model.onnx. */
  putModel(name: string, version: number, bytes: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

export async function startTargetStack(emulator: Parameters<typeof startEmulatorStack>[0] = {}): Promise<TargetStack> {
  const stack = await startEmulatorStack({ lroDelayMs: 100, retryAfterSeconds: 0, ...emulator });
  const conn = stack.azurite.connectionString;
  const blobs = BlobServiceClient.fromConnectionString(conn);
  const registry = blobs.getContainerClient('registry');
  await registry.createIfNotExists();
  const store = new DeploymentStore(conn);
  const ca = fs.readFileSync(stack.emulator.caFile);
  const progress: (LroProgress & { deployment?: string })[] = [];
  const targets: AzureMLDeploymentTarget[] = [];
  const s = stack.emulator.settings;
  const settings: AzureMLTargetSettings = {
    subscriptionId: s.subscriptionId,
    resourceGroup: s.resourceGroup,
    workspace: s.workspace,
    instanceType: 'Standard_DS3_v2',
    instanceCount: 2,
    canarySharePercent: 10,
    canaryDurationMs: 1000,
    mirrorSharePercent: 0,
    drainMs: 0,
    lroPollMs: 40,
    armEndpoint: stack.emulator.url,
    armScope: 'https://management.azure.com/.default',
    datastore: 'workspaceblobstore',
    // The emulated datastore is key-based on Azurite, as the AutoML provider reaches it too.
    datastoreAuth: 'key',
    datastoreBlobEndpoint: /BlobEndpoint=([^;]+)/.exec(conn)![1].replace(/\/+$/, ''),
    credential: fakeCredential(),
  };
  const loadModel = async (src: ModelSource) => {
    if ('file' in src) return fs.promises.readFile(src.file);
    return blobs
      .getContainerClient(src.container ?? 'registry')
      .getBlobClient(src.blob)
      .downloadToBuffer();
  };
  return {
    stack,
    store,
    settings,
    progress,
    newTarget: (overrides = {}) => {
      const t = createAzureMLDeploymentTarget(
        { ...settings, ...overrides },
        {
          store,
          loadModel,
          progress: (p) => progress.push(p),
          tlsCa: ca,
        },
      );
      targets.push(t);
      return t;
    },
    putModel: async (name, version, bytes) => {
      await registry.getBlockBlobClient(`models/${name}/v${version}/model.onnx`).uploadData(Buffer.from(bytes));
    },
    stop: async () => {
      for (const t of targets) await t.close();
      await stack.stop();
    },
  };
}

/** The model with one input renamed: it refuses requests the original accepts (a broken challenger). */
export function renameInput(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  for (const i of m.graph!.input!) if (i.name === from) i.name = to;
  for (const n of m.graph!.node!) n.input = n.input!.map((x) => (x === from ? to : x));
  return onnx.ModelProto.encode(m).finish();
}

export interface LoadResult {
  total: number;
  byStatus: Record<number, number>;
  servedBy: Record<string, number>;
  failures: string[];
}

/** `concurrency` workers scoring in a loop until stop() is called. */
export function loadLoop(score: () => Promise<{ status: number; servedBy?: string }>, concurrency = 4): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { total: 0, byStatus: {}, servedBy: {}, failures: [] };
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const a = await score();
        result.total++;
        result.byStatus[a.status] = (result.byStatus[a.status] ?? 0) + 1;
        if (a.servedBy) result.servedBy[a.servedBy] = (result.servedBy[a.servedBy] ?? 0) + 1;
      } catch (err) {
        result.total++;
        result.failures.push((err as Error).message);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}
