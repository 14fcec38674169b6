import { randomUUID } from 'node:crypto';
import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import { PROVIDER, systemData, workspaceId } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';

export const WORKSPACES = 'workspaces';

/** The tracking URI the workspace advertises; MLflow REST lives under it (see handlers/mlflow.ts). */
export function mlflowTrackingUri(origin: string, wsId: string): string {
  return `azureml://${origin.replace(/^https:\/\//, '')}/mlflow/v1.0${wsId}`;
}

/**
 * The one workspace the emulator hosts (named by its settings), GET only: enough for clients to read
 * its identity, storage account and mlFlowTrackingUri.
 */
export const workspacesPlugin: EmulatorPlugin = {
  name: 'workspaces',
  register(ctx) {
    const s = ctx.settings;
    const id = workspaceId({ subscriptionId: s.subscriptionId, resourceGroupName: s.resourceGroup, workspaceName: s.workspace });
    const rgId = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}`;
    // Identity of the workspace is stable across restarts (kept in state).
    const seed =
      ctx.state.get<{ workspaceId: string; principalId: string; createdAt: ReturnType<typeof systemData> }>(WORKSPACES, id) ??
      ctx.state.put(WORKSPACES, id, { workspaceId: randomUUID(), principalId: randomUUID(), createdAt: systemData() });
    ctx.router.add('GET', WORKSPACE_PATH, (req) => {
      ctx.requireWorkspace(req);
      return json(200, {
        id,
        name: s.workspace,
        type: `${PROVIDER}/workspaces`,
        location: s.region,
        kind: 'Default',
        tags: {},
        sku: { name: 'Basic', tier: 'Basic' },
        identity: { type: 'SystemAssigned', principalId: seed.principalId, tenantId: '00000000-0000-0000-0000-000000000001' },
        systemData: seed.createdAt,
        properties: {
          workspaceId: seed.workspaceId,
          friendlyName: s.workspace,
          description: 'Local Azure Machine Learning emulator workspace',
          storageAccount: `${rgId}/providers/Microsoft.Storage/storageAccounts/emulatorstorage`,
          keyVault: `${rgId}/providers/Microsoft.KeyVault/vaults/emulatorkv`,
          applicationInsights: `${rgId}/providers/Microsoft.insights/components/emulatorai`,
          containerRegistry: `${rgId}/providers/Microsoft.ContainerRegistry/registries/emulatoracr`,
          discoveryUrl: `${req.origin}/discovery`,
          mlFlowTrackingUri: mlflowTrackingUri(req.origin, id),
          provisioningState: 'Succeeded',
          publicNetworkAccess: 'Enabled',
          hbiWorkspace: false,
          v1LegacyMode: false,
          storageHnsEnabled: false,
        },
      });
    });
  },
};
