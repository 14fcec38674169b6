/**
 * ARM routes of online deployments: PUT (201/200 + Azure-AsyncOperation; the operation resolves the
 * model, starts the project's endpoint process and fails with the container's logs when it does not
 * come up), PATCH (tags/sku only, 202 + Location), GET, list, DELETE (202 + Location), getLogs, skus.
 * While any of these runs the endpoint reads Updating, and a deployment create is then refused with
 * "Cannot create a deployment in endpoint X because it is in Updating provisioning state."
 */
import { json } from '../core/http';
import type { EmulatorContext } from '../core/plugin';
import { page, systemData } from '../core/resource';
import type { OperationRecord } from '../core/lro';
import { busyConflict, deploymentsOf, ENDPOINT_PATH, requireEndpoint } from './endpoints';
import { parseModelRef, readModelVersion, readOnnx } from './models';
import type { Runtime } from './runtime';
import { DEPLOYMENTS, DeploymentRecord, deploymentBody, depKey, EndpointRecord, ENDPOINTS, endpointState } from './state';
import { checkName, deploymentInput } from './validate';

const DEPLOYMENT_PATH = `${ENDPOINT_PATH}/deployments/{deploymentName}`;

/** Marks the endpoint busy with an operation (it reads Updating) or frees it. */
function setBusy(ctx: EmulatorContext, endpoint: string, opId: string, busy: boolean): void {
  if (!ctx.state.get(ENDPOINTS, endpoint)) return;
  ctx.state.update<EndpointRecord>(ENDPOINTS, endpoint, (ep) => ({ ...ep!, busy: busy ? [...ep!.busy, opId] : ep!.busy.filter((id) => id !== opId) }));
}

function setState(ctx: EmulatorContext, key: string, provisioningState: DeploymentRecord['properties']['provisioningState']): void {
  if (!ctx.state.get(DEPLOYMENTS, key)) return;
  ctx.state.update<DeploymentRecord>(DEPLOYMENTS, key, (d) => ({
    ...d!,
    systemData: systemData(d!.systemData),
    properties: { ...d!.properties, provisioningState },
  }));
}

export function registerDeployments(ctx: EmulatorContext, runtime: Runtime): void {
  /** Resolves the model and (re)starts the process; the old process of an update stops once the new one is ready. */
  const provision = async (key: string): Promise<void> => {
    const d = ctx.state.get<DeploymentRecord>(DEPLOYMENTS, key)!;
    const ref = parseModelRef(d.properties.model)!;
    const storageLog = `${key}#storage`;
    let model;
    try {
      runtime.log(storageLog, `Downloading model ${ref.name}:${ref.version}`);
      const mv = await readModelVersion(
        ctx,
        { method: 'GET', path: '', query: new URLSearchParams(), headers: {}, rawBody: Buffer.alloc(0), body: undefined, params: {}, origin: ctx.origin() },
        ref,
      );
      if (!mv?.properties.modelUri) throw new Error(`model ${ref.name}:${ref.version} has no modelUri`);
      model = await readOnnx(ctx, mv.properties.modelUri);
      runtime.log(storageLog, `Downloaded ${model.bytes.length} bytes from ${model.source}`);
    } catch (err) {
      runtime.log(storageLog, `Model download failed: ${(err as Error).message}`);
      runtime.log(key, `Model download failed: ${(err as Error).message}`);
      throw ctx.errors.badRequest('ResourceNotReady', `Deployment ${d.name} could not download its model: ${(err as Error).message}`);
    }
    const previous = runtime.get(key);
    try {
      await runtime.start(key, {
        name: d.name,
        modelName: ref.name,
        modelVersion: ref.version,
        model: { base64: Buffer.from(model.bytes).toString('base64') },
        instanceId: key,
      });
    } catch (err) {
      throw ctx.errors.badRequest(
        'ResourceNotReady',
        `User container has crashed or terminated: ${(err as Error).message}. Please see the deployment logs (getLogs).`,
      );
    }
    if (previous && previous !== runtime.get(key) && previous.child.exitCode === null) previous.child.kill('SIGTERM');
  };

  ctx.lro.define('online.deployment.put', async (op: OperationRecord) => {
    const { key, endpoint } = op.payload as { key: string; endpoint: string };
    try {
      await provision(key);
      setState(ctx, key, 'Succeeded');
    } catch (err) {
      setState(ctx, key, 'Failed');
      throw err;
    } finally {
      setBusy(ctx, endpoint, op.id, false);
    }
  });
  ctx.lro.define('online.deployment.patch', (op) => {
    const { key, endpoint, tags, capacity } = op.payload as { key: string; endpoint: string; tags?: Record<string, string>; capacity?: number };
    ctx.state.update<DeploymentRecord>(DEPLOYMENTS, key, (d) => ({
      ...d!,
      tags: tags ?? d!.tags,
      sku: capacity ? { ...d!.sku, capacity } : d!.sku,
      properties: { ...d!.properties, provisioningState: 'Succeeded' },
    }));
    setBusy(ctx, endpoint, op.id, false);
  });
  ctx.lro.define('online.deployment.delete', async (op) => {
    const { key, endpoint } = op.payload as { key: string; endpoint: string };
    try {
      await runtime.stop(key);
      ctx.state.delete(DEPLOYMENTS, key);
    } finally {
      setBusy(ctx, endpoint, op.id, false);
    }
  });

  ctx.router.add('PUT', DEPLOYMENT_PATH, async (req) => {
    const ep = requireEndpoint(ctx, req);
    const name = req.params.deploymentName;
    checkName('deployment', name);
    const state = endpointState(ep);
    if (state !== 'Succeeded') throw busyConflict(ctx, `Cannot create a deployment in endpoint ${ep.name}`, ep, state);
    const key = depKey(ep.name, name);
    const existing = ctx.state.get<DeploymentRecord>(DEPLOYMENTS, key);
    const input = deploymentInput(req.body);
    const ref = parseModelRef(input.properties.model);
    if (!ref)
      throw ctx.errors.validation(
        `model '${input.properties.model}' is not a model version id (.../models/{name}/versions/{version} or azureml:name:version).`,
        'properties.model',
      );
    if (!(await readModelVersion(ctx, req, ref)))
      throw ctx.errors.validation(`Model ${ref.name}:${ref.version} was not found in the workspace.`, 'properties.model');
    const rec: DeploymentRecord = {
      endpoint: ep.name,
      name,
      ...input,
      systemData: systemData(existing?.systemData),
      properties: { ...input.properties, provisioningState: existing ? 'Updating' : 'Creating' },
    };
    ctx.state.put(DEPLOYMENTS, key, rec);
    const op = ctx.lro.begin('online.deployment.put', { key, endpoint: ep.name });
    setBusy(ctx, ep.name, op.id, true);
    return json(existing ? 200 : 201, deploymentBody(ctx, rec), ctx.lro.asyncOperationHeaders(req, op));
  });

  ctx.router.add('PATCH', DEPLOYMENT_PATH, (req) => {
    const ep = requireEndpoint(ctx, req);
    const key = depKey(ep.name, req.params.deploymentName);
    const d = ctx.state.get<DeploymentRecord>(DEPLOYMENTS, key);
    if (!d) throw ctx.errors.notFound('online deployment', req.params.deploymentName);
    const body = (req.body ?? {}) as { tags?: Record<string, string>; sku?: { capacity?: unknown }; properties?: unknown };
    if (body.properties !== undefined)
      throw ctx.errors.validation('PATCH of an online deployment accepts tags and sku only; change properties with PUT.', 'properties');
    const capacity = body.sku?.capacity;
    if (capacity !== undefined && (!Number.isInteger(capacity) || (capacity as number) < 1 || (capacity as number) > 20))
      throw ctx.errors.validation('sku.capacity must be an integer from 1 to 20.', 'sku.capacity');
    if (d.properties.provisioningState !== 'Succeeded')
      throw ctx.errors.conflict(`Deployment ${d.name} is in ${d.properties.provisioningState} provisioning state.`, d.name);
    setState(ctx, key, capacity !== undefined ? 'Scaling' : 'Updating');
    const op = ctx.lro.begin('online.deployment.patch', { key, endpoint: ep.name, tags: body.tags, capacity });
    setBusy(ctx, ep.name, op.id, true);
    return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
  });

  ctx.router.add('GET', DEPLOYMENT_PATH, (req) => {
    const ep = requireEndpoint(ctx, req);
    const d = ctx.state.get<DeploymentRecord>(DEPLOYMENTS, depKey(ep.name, req.params.deploymentName));
    if (!d) throw ctx.errors.notFound('online deployment', req.params.deploymentName);
    return json(200, deploymentBody(ctx, d));
  });

  ctx.router.add('GET', `${ENDPOINT_PATH}/deployments`, (req) => {
    const ep = requireEndpoint(ctx, req);
    return json(200, page(deploymentsOf(ctx, ep.name).map((d) => deploymentBody(ctx, d))));
  });

  ctx.router.add('DELETE', DEPLOYMENT_PATH, (req) => {
    const ep = requireEndpoint(ctx, req);
    const key = depKey(ep.name, req.params.deploymentName);
    const d = ctx.state.get<DeploymentRecord>(DEPLOYMENTS, key);
    if (!d) return { status: 204 };
    const live = Object.entries(ep.traffic).find(([k, v]) => k.toLowerCase() === d.name.toLowerCase() && v > 0);
    const mirrored = Object.entries(ep.mirrorTraffic).find(([k, v]) => k.toLowerCase() === d.name.toLowerCase() && v > 0);
    if (live || mirrored)
      throw ctx.errors.conflict(
        `Deployment ${d.name} receives ${live ? `${live[1]} % of the live` : `${mirrored![1]} % mirrored`} traffic; set it to 0 before deleting the deployment.`,
        d.name,
      );
    if (endpointState(ep) === 'Updating' && ep.busy.length === 0) throw busyConflict(ctx, `Cannot delete deployment ${d.name}`, ep);
    if (['Creating', 'Updating', 'Scaling', 'Deleting'].includes(d.properties.provisioningState)) {
      throw ctx.errors.conflict(`Cannot delete deployment ${d.name} because it is in ${d.properties.provisioningState} provisioning state.`, d.name);
    }
    setState(ctx, key, 'Deleting');
    const op = ctx.lro.begin('online.deployment.delete', { key, endpoint: ep.name });
    setBusy(ctx, ep.name, op.id, true);
    return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
  });

  ctx.router.add('POST', `${DEPLOYMENT_PATH}/getLogs`, (req) => {
    const ep = requireEndpoint(ctx, req);
    const key = depKey(ep.name, req.params.deploymentName);
    if (!ctx.state.get(DEPLOYMENTS, key)) throw ctx.errors.notFound('online deployment', req.params.deploymentName);
    const body = (req.body ?? {}) as { containerType?: unknown; tail?: unknown };
    if (body.containerType !== undefined && body.containerType !== 'StorageInitializer' && body.containerType !== 'InferenceServer') {
      throw ctx.errors.validation("containerType must be 'StorageInitializer' or 'InferenceServer'.", 'containerType');
    }
    const tail = Number.isInteger(body.tail) && (body.tail as number) > 0 ? Math.min(body.tail as number, 10000) : 5000;
    return json(200, { content: runtime.tail(body.containerType === 'StorageInitializer' ? `${key}#storage` : key, tail) });
  });

  ctx.router.add('GET', `${DEPLOYMENT_PATH}/skus`, (req) => {
    const ep = requireEndpoint(ctx, req);
    if (!ctx.state.get(DEPLOYMENTS, depKey(ep.name, req.params.deploymentName))) throw ctx.errors.notFound('online deployment', req.params.deploymentName);
    return json(
      200,
      page([
        {
          resourceType: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
          sku: { name: 'Default', tier: 'Standard' },
          capacity: { minimum: 1, maximum: 20, default: 1, scaleType: 'Manual' },
        },
      ]),
    );
  });
}

/** After an emulator restart: deployments that were serving serve again. */
export async function resumeDeployments(ctx: EmulatorContext, runtime: Runtime): Promise<void> {
  for (const d of ctx.state.list<DeploymentRecord>(DEPLOYMENTS)) {
    if (d.properties.provisioningState !== 'Succeeded') continue;
    const key = depKey(d.endpoint, d.name);
    const ref = parseModelRef(d.properties.model);
    try {
      const mv =
        ref &&
        (await readModelVersion(
          ctx,
          { method: 'GET', path: '', query: new URLSearchParams(), headers: {}, rawBody: Buffer.alloc(0), body: undefined, params: {}, origin: ctx.origin() },
          ref,
        ));
      if (!ref || !mv?.properties.modelUri) throw new Error('its model is gone');
      const model = await readOnnx(ctx, mv.properties.modelUri);
      await runtime.start(key, {
        name: d.name,
        modelName: ref.name,
        modelVersion: ref.version,
        model: { base64: Buffer.from(model.bytes).toString('base64') },
        instanceId: key,
      });
    } catch (err) {
      runtime.log(key, `restart after an emulator restart failed: ${(err as Error).message}`);
      setState(ctx, key, 'Failed');
    }
  }
}
