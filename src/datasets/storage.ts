/**
 * Storage clients for the dataset functions, from a Functions-style connection setting:
 * - a connection string in `{SETTING}` (Azurite locally, `UseDevelopmentStorage=true` included), or
 * - an identity-based connection, as Azure Functions defines it: `{SETTING}__accountName` (or
 *   `{SETTING}__blobServiceUri` + `{SETTING}__tableServiceUri`), with `{SETTING}__credential=managedidentity`
 *   and optional `{SETTING}__clientId` (a user-assigned identity); otherwise DefaultAzureCredential.
 * infra/ deploys the second form (no keys), so both must work.
 */
import { accountFromConnectionString, accountFromEnv, StorageAccount, StorageSettingsError } from '../storage/account';
import { DatasetSettingsError } from './errors';

/** The dataset functions' storage: a storage account (see src/storage/account.ts). */
export type DatasetStorage = StorageAccount;

export function storageFromConnectionString(conn: string): DatasetStorage {
  return accountFromConnectionString(conn);
}

export function storageFromEnv(env: NodeJS.ProcessEnv, setting = 'AzureWebJobsStorage'): DatasetStorage {
  try {
    return accountFromEnv(env, setting);
  } catch (err) {
    if (err instanceof StorageSettingsError) throw new DatasetSettingsError(err.message);
    throw err;
  }
}
