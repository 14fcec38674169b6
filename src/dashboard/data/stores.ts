/**
 * What the dashboard reads, as narrow views of the app's stores (the composition root passes the real
 * ones; nothing here builds a store or speaks HTTP).
 */
import type { DatasetRegistry } from '../../datasets/registry';
import type { Deployment } from '../../deploy/target';
import type { ModelRegistry } from '../../models/registry';
import type { RunStore } from '../../pipeline/runs';

export interface DashboardStores {
  datasets: Pick<DatasetRegistry, 'versions' | 'readJson'>;
  models: Pick<ModelRegistry, 'list' | 'get' | 'readArtifact'>;
  runs: Pick<RunStore, 'list' | 'get'>;
  deployments: { list(): Promise<Deployment[]> };
}

/** Reads a JSON artifact, or undefined when it is absent or unreadable (older versions lack some). */
export async function optionalJson<T>(read: () => Promise<Buffer>): Promise<T | undefined> {
  try {
    return JSON.parse((await read()).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function optionalText(read: () => Promise<Buffer>): Promise<string | undefined> {
  try {
    return (await read()).toString('utf8');
  } catch {
    return undefined;
  }
}
