import { parseConnectionString } from './core/storage';

/**
 * The app settings that point the pipeline at this emulator (AUTOML_PROVIDER=azureml and the AZUREML_*
 * settings), for a host started beside it: what `npm start` would merge into the host's environment.
 * The token is any string: the emulator accepts every bearer token unless told otherwise.
 */
export function hostEnvFor(e: {
  url: string;
  caFile: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  storageConnectionString: string;
  compute?: string;
}): Record<string, string> {
  return {
    AUTOML_PROVIDER: 'azureml',
    AZUREML_SUBSCRIPTION_ID: e.subscriptionId,
    AZUREML_RESOURCE_GROUP: e.resourceGroup,
    AZUREML_WORKSPACE: e.workspace,
    AZUREML_COMPUTE: e.compute ?? 'cpu-cluster',
    AZUREML_ARM_ENDPOINT: e.url,
    AZUREML_EMULATOR_TOKEN: 'local-emulator',
    AZUREML_DATASTORE_AUTH: 'key',
    AZUREML_DATASTORE_BLOB_ENDPOINT: parseConnectionString(e.storageConnectionString).blobEndpoint,
    NODE_EXTRA_CA_CERTS: e.caFile,
  };
}
