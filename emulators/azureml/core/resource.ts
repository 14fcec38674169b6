/** ARM resource envelopes: `{id, name, type, systemData, properties}`. */
export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
}

export interface ArmResource<P = Record<string, unknown>> {
  id: string;
  name: string;
  type: string;
  systemData: SystemData;
  properties: P;
  [extra: string]: unknown;
}

export interface WorkspaceParams {
  subscriptionId: string;
  resourceGroupName: string;
  workspaceName: string;
}

export const PROVIDER = 'Microsoft.MachineLearningServices';

export function workspaceId(p: WorkspaceParams): string {
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/${PROVIDER}/workspaces/${p.workspaceName}`;
}

/** The id of a resource under a workspace: childId(p, 'jobs', 'x') or childId(p, 'models', 'm', 'versions', '1'). */
export function childId(p: WorkspaceParams, ...segments: string[]): string {
  return `${workspaceId(p)}/${segments.join('/')}`;
}

export function systemData(previous?: SystemData, by = 'emulator-user'): SystemData {
  const now = new Date().toISOString();
  return {
    createdAt: previous?.createdAt ?? now,
    createdBy: previous?.createdBy ?? by,
    createdByType: previous?.createdByType ?? 'User',
    lastModifiedAt: now,
    lastModifiedBy: by,
    lastModifiedByType: 'User',
  };
}

/** A list page: `{value, nextLink}` (nextLink omitted when there is no next page). */
export function page<T>(items: T[], nextLink?: string): { value: T[]; nextLink?: string } {
  return nextLink ? { value: items, nextLink } : { value: items };
}
