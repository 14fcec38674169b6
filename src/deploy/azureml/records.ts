/**
 * How an Azure ML deployment is recorded in the project's deployment table. Azure ML is the truth for
 * what exists and how it is provisioned; the record keeps what Azure ML does not (project name, model,
 * input schema, hints) and is written BEFORE each Azure change, so restore() can finish or undo it.
 * `instanceId` holds the Azure ML coordinates as JSON; keys are never stored (listKeys is the source).
 */
import type { DeploymentRecord } from '../store';
import type { DeploymentStatus } from '../target';

export interface AzureCoordinates {
  lineage: string;
  endpoint: string;
  deployment: string;
  modelId?: string;
}

export function coordinatesOf(rec: Pick<DeploymentRecord, 'instanceId' | 'name'>): AzureCoordinates | undefined {
  try {
    const c = JSON.parse(rec.instanceId) as Partial<AzureCoordinates>;
    if (typeof c.lineage === 'string' && typeof c.endpoint === 'string' && typeof c.deployment === 'string') return c as AzureCoordinates;
  } catch {
    /* a record of another target */
  }
  return undefined;
}

export const instanceIdOf = (c: AzureCoordinates): string => JSON.stringify(c);

/** The project status of a deployment from its Azure ML provisioning state (undefined: it does not exist). */
export function statusFrom(recorded: DeploymentStatus, provisioningState: string | undefined): DeploymentStatus {
  if (recorded === 'retired') return 'retired';
  if (provisioningState === undefined)
    return recorded === 'draining' ? 'retired' : recorded === 'failed' ? 'failed' : recorded === 'starting' ? 'starting' : 'failed';
  switch (provisioningState) {
    case 'Succeeded':
      return recorded === 'draining' ? 'draining' : 'running';
    case 'Creating':
      return 'starting';
    // Updating and Scaling deployments keep serving.
    case 'Updating':
    case 'Scaling':
      return recorded === 'starting' ? 'starting' : recorded;
    case 'Deleting':
      return 'draining';
    case 'Failed':
    case 'Canceled':
      return 'failed';
    default:
      return recorded;
  }
}

/** The deployment with the largest live share (ties broken by name); undefined when none has traffic. */
export function championOf(traffic: Record<string, number>): string | undefined {
  let best: string | undefined;
  for (const [name, pct] of Object.entries(traffic)) {
    if (!(pct > 0)) continue;
    if (best === undefined || pct > traffic[best] || (pct === traffic[best] && name < best)) best = name;
  }
  return best;
}
