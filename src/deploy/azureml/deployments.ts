/**
 * Online deployments through the SDK (its serializer carries every deployment field we send; the
 * tests assert the bodies the emulator received): created at 0 % traffic from a registered model
 * version, deleted as long-running operations, logs read with getLogs.
 */
import type { OnlineDeployment } from '@azure/arm-machinelearning';
import { Arm, ArmError, ProgressSink, toDeployError } from './arm';
import { retryWhileBusy } from './endpoints';

export const NAME_TAG = 'mlops-deployment';
export const MODEL_TAG = 'mlops-model';

export interface DeploymentCreate {
  endpoint: string;
  deployment: string;
  /** Model version ARM id (or azureml:name:version). */
  modelId: string;
  instanceType: string;
  instanceCount: number;
  location: string;
  tags: Record<string, string>;
  description?: string;
}

export interface DeploymentState {
  name: string;
  provisioningState: string;
  model?: string;
  tags: Record<string, string>;
}

export class Deployments {
  constructor(
    private readonly arm: Arm,
    private readonly pauseMs: number,
    private readonly busyAttempts = 60,
  ) {}

  /** Creates (or replaces) a deployment and waits until it is provisioned. Throws on Failed. */
  async create(spec: DeploymentCreate, progress?: ProgressSink): Promise<void> {
    const body: OnlineDeployment = {
      location: spec.location,
      tags: spec.tags,
      kind: 'Managed',
      sku: { name: 'Default', capacity: spec.instanceCount },
      properties: {
        endpointComputeType: 'Managed',
        description: spec.description,
        model: spec.modelId,
        instanceType: spec.instanceType,
        scaleSettings: { scaleType: 'Default' },
        requestSettings: { requestTimeout: 'PT30S', maxConcurrentRequestsPerInstance: 4 },
        livenessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 },
        readinessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 },
        appInsightsEnabled: true,
      },
    };
    const what = `create deployment ${spec.endpoint}/${spec.deployment}`;
    try {
      // "Cannot create a deployment in endpoint X because it is in Updating provisioning state": wait, retry.
      const poller = await retryWhileBusy(
        () =>
          this.arm.sdk.onlineDeployments.beginCreateOrUpdate(this.arm.rg, this.arm.ws, spec.endpoint, spec.deployment, body, {
            updateIntervalInMs: this.pauseMs,
          }),
        this.pauseMs,
        this.busyAttempts,
        (attempt) => progress?.({ operation: what, resource: spec.deployment, status: `endpoint busy (attempt ${attempt})` }),
      );
      poller.onProgress((s) => progress?.({ operation: what, resource: spec.deployment, status: s.isCompleted ? 'Succeeded' : 'InProgress' }));
      await poller.pollUntilDone();
    } catch (err) {
      throw toDeployError(err, what);
    }
  }

  async get(endpoint: string, deployment: string): Promise<DeploymentState | undefined> {
    try {
      const d = await this.arm.sdk.onlineDeployments.get(this.arm.rg, this.arm.ws, endpoint, deployment);
      return { name: d.name ?? deployment, provisioningState: d.properties.provisioningState ?? 'Unknown', model: d.properties.model, tags: d.tags ?? {} };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toDeployError(err, `read deployment ${endpoint}/${deployment}`);
    }
  }

  async list(endpoint: string): Promise<DeploymentState[]> {
    const out: DeploymentState[] = [];
    try {
      for await (const d of this.arm.sdk.onlineDeployments.list(this.arm.rg, this.arm.ws, endpoint)) {
        out.push({ name: d.name ?? '', provisioningState: d.properties.provisioningState ?? 'Unknown', model: d.properties.model, tags: d.tags ?? {} });
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return [];
      throw toDeployError(err, `list deployments of ${endpoint}`);
    }
    return out;
  }

  /** Deletes a deployment and waits; a deployment already gone is fine. */
  async delete(endpoint: string, deployment: string, progress?: ProgressSink): Promise<void> {
    const what = `delete deployment ${endpoint}/${deployment}`;
    try {
      const poller = await retryWhileBusy(
        () => this.arm.sdk.onlineDeployments.beginDelete(this.arm.rg, this.arm.ws, endpoint, deployment, { updateIntervalInMs: this.pauseMs }),
        this.pauseMs,
        this.busyAttempts,
      );
      poller.onProgress((s) => progress?.({ operation: what, resource: deployment, status: s.isCompleted ? 'Succeeded' : 'InProgress' }));
      await poller.pollUntilDone();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404 || (err instanceof ArmError && err.status === 404)) return;
      throw toDeployError(err, what);
    }
  }

  /** The deployment's container logs (last `tail` lines); '' when there are none or they cannot be read. */
  async logs(endpoint: string, deployment: string, tail = 200): Promise<string> {
    try {
      const r = await this.arm.sdk.onlineDeployments.getLogs(this.arm.rg, this.arm.ws, endpoint, deployment, { containerType: 'InferenceServer', tail });
      return r.content ?? '';
    } catch {
      return '';
    }
  }
}
