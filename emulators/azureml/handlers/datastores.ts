import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import { ArmResource, childId, page, PROVIDER, systemData, WorkspaceParams } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';
import { parseConnectionString } from '../core/storage';

export const DEFAULT_DATASTORE = 'workspaceblobstore';
export const ARTIFACT_DATASTORE = 'workspaceartifactstore';

/**
 * The workspace's two blob datastores on the emulator's storage account (Azurite): the default
 * `workspaceblobstore` (uploads, data assets) and `workspaceartifactstore` (run outputs), with
 * account-key credentials (listSecrets returns the key, as the service does for key-based datastores).
 * Their containers are created at start so clients need no setup.
 */
export const datastoresPlugin: EmulatorPlugin = {
  name: 'datastores',
  async register(ctx) {
    const account = parseConnectionString(ctx.settings.storage.connectionString);
    const containers: Record<string, string> = {
      [DEFAULT_DATASTORE]: ctx.settings.storage.container,
      [ARTIFACT_DATASTORE]: ctx.settings.storage.artifactsContainer ?? 'azureml',
    };
    const cred = new StorageSharedKeyCredential(account.accountName, account.accountKey);
    for (const c of Object.values(containers)) await new ContainerClient(`${account.blobEndpoint}/${c}`, cred).createIfNotExists();
    const created = systemData();
    const resource = (p: WorkspaceParams, name: string): ArmResource => ({
      id: childId(p, 'datastores', name),
      name,
      type: `${PROVIDER}/workspaces/datastores`,
      systemData: created,
      properties: {
        datastoreType: 'AzureBlob',
        accountName: account.accountName,
        containerName: containers[name],
        endpoint: 'core.windows.net',
        protocol: 'https',
        serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
        credentials: { credentialsType: 'AccountKey' },
        isDefault: name === DEFAULT_DATASTORE,
        description: name === DEFAULT_DATASTORE ? 'Default blob datastore' : 'Run artifacts',
        tags: {},
        properties: {},
      },
    });
    const params = (req: { params: Record<string, string> }) => req.params as unknown as WorkspaceParams;
    const known = (name: string) => Object.keys(containers).find((n) => n === name.toLowerCase());
    ctx.router.add('GET', `${WORKSPACE_PATH}/datastores`, (req) => {
      ctx.requireWorkspace(req);
      return json(200, page(Object.keys(containers).map((n) => resource(params(req), n))));
    });
    ctx.router.add('GET', `${WORKSPACE_PATH}/datastores/{name}`, (req) => {
      ctx.requireWorkspace(req);
      const n = known(req.params.name);
      if (!n) throw ctx.errors.notFound('datastore', req.params.name);
      return json(200, resource(params(req), n));
    });
    ctx.router.add('POST', `${WORKSPACE_PATH}/datastores/{name}/listSecrets`, (req) => {
      ctx.requireWorkspace(req);
      if (!known(req.params.name)) throw ctx.errors.notFound('datastore', req.params.name);
      return json(200, { secretsType: 'AccountKey', key: account.accountKey });
    });
  },
};
