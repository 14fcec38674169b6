import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import { ArmResource, childId, page, PROVIDER, systemData, WorkspaceParams } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';
import { parseConnectionString } from '../core/storage';

export const DEFAULT_DATASTORE = 'workspaceblobstore';

/**
 * The workspace's default blob datastore, pointing at the emulator's storage container (Azurite), with
 * account-key credentials (listSecrets returns the key, as the service does for key-based datastores).
 * The container is created at start so uploads need no setup.
 */
export const datastoresPlugin: EmulatorPlugin = {
  name: 'datastores',
  async register(ctx) {
    const account = parseConnectionString(ctx.settings.storage.connectionString);
    const container = ctx.settings.storage.container;
    await new ContainerClient(`${account.blobEndpoint}/${container}`, new StorageSharedKeyCredential(account.accountName, account.accountKey)).createIfNotExists();
    const created = systemData();
    const resource = (p: WorkspaceParams): ArmResource => ({
      id: childId(p, 'datastores', DEFAULT_DATASTORE),
      name: DEFAULT_DATASTORE,
      type: `${PROVIDER}/workspaces/datastores`,
      systemData: created,
      properties: {
        datastoreType: 'AzureBlob',
        accountName: account.accountName,
        containerName: container,
        endpoint: 'core.windows.net',
        protocol: 'https',
        serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
        credentials: { credentialsType: 'AccountKey' },
        isDefault: true,
        description: 'Default blob datastore (emulated on local storage)',
        properties: {},
      },
    });
    const params = (req: { params: Record<string, string> }) => req.params as unknown as WorkspaceParams;
    ctx.router.add('GET', `${WORKSPACE_PATH}/datastores`, (req) => {
      ctx.requireWorkspace(req);
      return json(200, page([resource(params(req))]));
    });
    ctx.router.add('GET', `${WORKSPACE_PATH}/datastores/{name}`, (req) => {
      ctx.requireWorkspace(req);
      if (req.params.name.toLowerCase() !== DEFAULT_DATASTORE) throw ctx.errors.notFound('datastore', req.params.name);
      return json(200, resource(params(req)));
    });
    ctx.router.add('POST', `${WORKSPACE_PATH}/datastores/{name}/listSecrets`, (req) => {
      ctx.requireWorkspace(req);
      if (req.params.name.toLowerCase() !== DEFAULT_DATASTORE) throw ctx.errors.notFound('datastore', req.params.name);
      return json(200, { secretsType: 'AccountKey', key: account.accountKey });
    });
  },
};
