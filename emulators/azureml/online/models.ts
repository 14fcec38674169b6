/**
 * From a deployment's `model` to the ONNX bytes its endpoint process serves. The model version is read
 * through the emulator's own ARM route (the assets plugin's public surface, not its state), then its
 * modelUri is resolved on the workspace's storage:
 *  - azureml://datastores/{workspaceblobstore|workspaceartifactstore}/paths/{folder}/ -> that datastore's container
 *  - azureml://jobs/{job}/outputs/artifacts/{folder}/   -> the artifact store, ExperimentRun/dcid.{job}/{folder}
 * In the folder, the MLmodel onnx flavor's `data` file, else model.onnx, else the only *.onnx file.
 */
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { EmulatorContext } from '../core/plugin';
import { parseConnectionString } from '../core/storage';
import type { EmuRequest } from '../core/http';

export interface ResolvedModel {
  /** The model version's ARM id. */
  id: string;
  name: string;
  version: string;
  modelUri: string;
  onnx: Uint8Array;
  /** Where the bytes were read (container/blob), for the storage-initializer log. */
  source: string;
}

const ARM_MODEL = /\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/?]+)$/i;
const SHORT_MODEL = /^azureml:([^:/]+):([^:/]+)$/;

/** Model name and version from an ARM id or `azureml:name:version`; undefined when it is neither. */
export function parseModelRef(model: string): { name: string; version: string } | undefined {
  const a = ARM_MODEL.exec(model);
  if (a) return { name: decodeURIComponent(a[2]), version: decodeURIComponent(a[3]) };
  const s = SHORT_MODEL.exec(model);
  if (s) return { name: s[1], version: s[2] };
  return undefined;
}

function containers(ctx: EmulatorContext): { data: ContainerClient; artifacts: ContainerClient } {
  const acc = parseConnectionString(ctx.settings.storage.connectionString);
  const cred = new StorageSharedKeyCredential(acc.accountName, acc.accountKey);
  return {
    data: new ContainerClient(`${acc.blobEndpoint}/${ctx.settings.storage.container}`, cred),
    artifacts: new ContainerClient(`${acc.blobEndpoint}/${ctx.settings.storage.artifactsContainer ?? 'azureml'}`, cred),
  };
}

/** The model version resource, through the route GET .../models/{name}/versions/{version}. */
export async function readModelVersion(
  ctx: EmulatorContext,
  req: EmuRequest,
  ref: { name: string; version: string },
): Promise<{ id: string; properties: { modelUri?: string | null } } | undefined> {
  const s = ctx.settings;
  const path = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}/models/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(ref.version)}`;
  try {
    const { route, params } = ctx.router.match('GET', path);
    const res = await route.handler({ ...req, method: 'GET', path, params, body: undefined, rawBody: Buffer.alloc(0) });
    return res.status === 200 ? (res.body as { id: string; properties: { modelUri?: string | null } }) : undefined;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}

function locate(ctx: EmulatorContext, modelUri: string): { container: ContainerClient; prefix: string } | undefined {
  const c = containers(ctx);
  const ds = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(modelUri);
  if (ds && ds[1].toLowerCase() === 'workspaceblobstore') return { container: c.data, prefix: ds[2] };
  if (ds && ds[1].toLowerCase() === 'workspaceartifactstore') return { container: c.artifacts, prefix: ds[2] };
  const job = /^azureml:\/\/jobs\/([^/]+)\/outputs\/artifacts\/(.*)$/i.exec(modelUri);
  if (job) return { container: c.artifacts, prefix: `ExperimentRun/dcid.${job[1]}/${job[2]}` };
  return undefined;
}

/** The ONNX file of a model folder (or the file itself when the URI names one). */
export async function readOnnx(ctx: EmulatorContext, modelUri: string): Promise<{ bytes: Uint8Array; source: string }> {
  const loc = locate(ctx, modelUri);
  if (!loc) throw new Error(`model URI '${modelUri}' is not an azureml://datastores/... or azureml://jobs/... URI`);
  const { container } = loc;
  if (/\.onnx$/i.test(loc.prefix)) {
    return { bytes: await container.getBlobClient(loc.prefix).downloadToBuffer(), source: `${container.containerName}/${loc.prefix}` };
  }
  const prefix = loc.prefix.replace(/\/?$/, '/');
  const names: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix })) names.push(b.name);
  let file: string | undefined;
  if (names.includes(`${prefix}MLmodel`)) {
    const text = (await container.getBlobClient(`${prefix}MLmodel`).downloadToBuffer()).toString('utf8');
    const m = /^\s{2}onnx:\s*\n(?:\s{4}.*\n)*?\s{4}data:\s*(\S+)/m.exec(text);
    if (m && names.includes(`${prefix}${m[1]}`)) file = `${prefix}${m[1]}`;
  }
  file ??= names.find((n) => n === `${prefix}model.onnx`);
  const onnx = names.filter((n) => /\.onnx$/i.test(n));
  file ??= onnx.length === 1 ? onnx[0] : undefined;
  if (!file) throw new Error(`no ONNX model file under '${modelUri}' (found ${names.length} file(s))`);
  return { bytes: await container.getBlobClient(file).downloadToBuffer(), source: `${container.containerName}/${file}` };
}
