/**
 * Azure ML names derived from the project's names. Endpoint names are DNS labels in the scoring URI
 * ({endpoint}.{region}.inference.ml.azure.com) and must be unique in the region, so they carry a short
 * hash of the workspace and the lineage; deployment names follow the same 3-32 character rule.
 */
import { createHash } from 'node:crypto';

/** Azure ML's rule for endpoint and deployment names: a letter first, letters/digits/dashes, 3-32 long, no dash last. */
export const AZUREML_ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

const shortHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 6);

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `{slug}-{hash}`: at most 32 characters, starting with a letter, unique per (scope, text). */
function hashedName(text: string, scope: string): string {
  let base = slug(text);
  if (!/^[a-z]/.test(base)) base = `m-${base}`.replace(/-+$/, '');
  const suffix = `-${shortHash(`${scope}\u0000${text}`)}`;
  return base.slice(0, 32 - suffix.length).replace(/-+$/, '') + suffix;
}

export interface WorkspaceScope {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

/** The managed online endpoint of a model lineage (dataset name): stable for a workspace. */
export function endpointNameFor(lineage: string, ws: WorkspaceScope): string {
  return hashedName(lineage, `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspace}`.toLowerCase());
}

/** The Azure ML deployment name of a project deployment name: itself (lower-cased) when valid, else hashed. */
export function azureDeploymentName(name: string): string {
  if (AZUREML_ENDPOINT_NAME.test(name)) return name.toLowerCase();
  return hashedName(name, 'deployment');
}
