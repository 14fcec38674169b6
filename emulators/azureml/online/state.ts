/**
 * The online plugin's records (collections `online.endpoints`, `online.deployments`) and how they are
 * served. An endpoint reads as Updating while one of its deployments is being created, changed or
 * deleted (the service behaves so: that is what makes "Cannot create a deployment ... because it is in
 * Updating provisioning state" happen).
 */
import type { EmulatorContext } from '../core/plugin';
import { childId, PROVIDER, SystemData, WorkspaceParams } from '../core/resource';

export const ENDPOINTS = 'online.endpoints';
export const DEPLOYMENTS = 'online.deployments';

export type ProvisioningState = 'Creating' | 'Updating' | 'Scaling' | 'Deleting' | 'Succeeded' | 'Failed' | 'Canceled';

export interface EndpointRecord {
  name: string;
  location: string;
  tags: Record<string, string>;
  identity: { type: string; principalId?: string; tenantId?: string };
  kind: string;
  systemData: SystemData;
  authMode: string;
  description: string | null;
  properties: Record<string, string>;
  publicNetworkAccess: string;
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  provisioningState: ProvisioningState;
  keys: { primaryKey: string; secondaryKey: string };
  /** AMLToken tokens issued by getToken (newest last). */
  tokens: { token: string; expiresAt: number }[];
  /** Deployment operations under way (their operation ids): the endpoint reads Updating meanwhile. */
  busy: string[];
}

export interface DeploymentRecord {
  endpoint: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  kind: string;
  sku: { name: string; tier?: string; capacity: number };
  systemData: SystemData;
  properties: Record<string, unknown> & { model: string; instanceType: string; provisioningState: ProvisioningState };
}

export const depKey = (endpoint: string, deployment: string) => `${endpoint}/${deployment}`;

export function wsParams(ctx: EmulatorContext): WorkspaceParams {
  const s = ctx.settings;
  return { subscriptionId: s.subscriptionId, resourceGroupName: s.resourceGroup, workspaceName: s.workspace };
}

/** The state an endpoint is served with. */
export function endpointState(ep: EndpointRecord): ProvisioningState {
  return ep.provisioningState === 'Succeeded' && ep.busy.length ? 'Updating' : ep.provisioningState;
}

export function endpointBody(ctx: EmulatorContext, ep: EndpointRecord): Record<string, unknown> {
  const origin = ctx.origin();
  return {
    id: childId(wsParams(ctx), 'onlineEndpoints', ep.name),
    name: ep.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints`,
    location: ep.location,
    tags: ep.tags,
    identity: ep.identity,
    kind: ep.kind,
    systemData: ep.systemData,
    properties: {
      authMode: ep.authMode,
      description: ep.description,
      properties: ep.properties,
      keys: null,
      scoringUri: `${origin}/online/${ep.name}/score`,
      swaggerUri: `${origin}/online/${ep.name}/swagger.json`,
      traffic: ep.traffic,
      mirrorTraffic: ep.mirrorTraffic,
      publicNetworkAccess: ep.publicNetworkAccess,
      compute: null,
      provisioningState: endpointState(ep),
    },
  };
}

export function deploymentBody(ctx: EmulatorContext, d: DeploymentRecord): Record<string, unknown> {
  return {
    id: childId(wsParams(ctx), 'onlineEndpoints', d.endpoint, 'deployments', d.name),
    name: d.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
    location: d.location,
    tags: d.tags,
    kind: d.kind,
    sku: d.sku,
    systemData: d.systemData,
    properties: d.properties,
  };
}
