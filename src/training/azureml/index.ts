export { AzureMLAutoMLProvider, createAzureMLAutoMLProvider } from './provider';
export { readAzureMLSettings, AZUREML_API_VERSION } from './settings';
export type { AzureMLSettings, AzureMLDeps } from './settings';
export { AzureMLError } from './errors';
export type { AzureMLErrorCode } from './errors';
export { jobNameFor } from './names';
