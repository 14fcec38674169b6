/**
 * What GET /api/health reports: storage reachable (a real call), versions, registered functions.
 * Runs inside the app (in the embedded host and in Azure alike); never reports secrets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { TriggerHealth } from './provider';
import { resolveConnectionString, statusOf } from './storage';
import { hasStorageSetting } from '../storage/account';
import { appStorageConnection, storageAccount } from '../storage/clients';

export interface HealthReport {
  status: 'Healthy' | 'Unhealthy';
  storage: { reachable: boolean; latencyMs: number; error?: { code: string; message: string } };
  versions: { node: string; azureFunctions: string | null; app: string | null; host: string | null };
  functions: { name: string; trigger: string }[] | null;
  /**
   * The host's trigger listeners (blob container scans ...) where the host reports them (the embedded
   * host; null in Azure, whose host has its own health). A listener that fails makes the report Unhealthy:
   * uploads would silently wait otherwise.
   */
  triggers: TriggerHealth[] | null;
}

function readVersion(file: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function coreApi():
  { hostVersion?: string; getRegisteredFunctions?: () => { name: string; trigger: string }[]; getTriggerHealth?: () => TriggerHealth[] } | undefined {
  try {
    // Provided by the host at run time (the embedded host and Azure's Node worker), not by npm.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@azure/functions-core');
  } catch {
    return undefined;
  }
}

/**
 * `connection`: a connection string, or undefined to use the app's storage setting, connection string
 * or identity-based (`AzureWebJobsStorage__accountName`, as on Flex Consumption).
 */
export async function checkStorage(connection: string | undefined, timeoutMs = 5000, env: NodeJS.ProcessEnv = process.env): Promise<HealthReport['storage']> {
  const started = Date.now();
  try {
    const client =
      !connection && hasStorageSetting(env, 'AzureWebJobsStorage')
        ? storageAccount(appStorageConnection(env)).blobService
        : BlobServiceClient.fromConnectionString(resolveConnectionString(connection));
    await client.getProperties({ abortSignal: AbortSignal.timeout(timeoutMs) });
    return { reachable: true, latencyMs: Date.now() - started };
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string };
    const code = e.code ?? (statusOf(err) ? `HTTP_${statusOf(err)}` : e.name === 'AbortError' ? 'TIMEOUT' : 'UNREACHABLE');
    // Only the first line: SDK messages can be long, and never include the connection string.
    const message = String(e.message ?? err)
      .split('\n')[0]
      .slice(0, 200);
    return { reachable: false, latencyMs: Date.now() - started, error: { code: `STORAGE_${code}`.toUpperCase(), message } };
  }
}

export async function checkHealth(env: NodeJS.ProcessEnv = process.env, appDir = process.cwd()): Promise<HealthReport> {
  const storage = await checkStorage(env.AzureWebJobsStorage || undefined, 5000, env);
  let azureFunctions: string | null;
  try {
    azureFunctions = readVersion(require.resolve('@azure/functions/package.json'));
  } catch {
    azureFunctions = null;
  }
  const core = coreApi();
  const functions = typeof core?.getRegisteredFunctions === 'function' ? core.getRegisteredFunctions() : null;
  const triggers = typeof core?.getTriggerHealth === 'function' ? core.getTriggerHealth() : null;
  const triggersOk = (triggers ?? []).every((t) => t.state !== 'failing' && t.state !== 'partial');
  return {
    status: storage.reachable && triggersOk ? 'Healthy' : 'Unhealthy',
    storage,
    versions: {
      node: process.version,
      azureFunctions,
      app: readVersion(path.join(appDir, 'package.json')),
      host: core?.hostVersion ?? null,
    },
    functions,
    triggers,
  };
}
