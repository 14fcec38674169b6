/**
 * The dataset page's data: every version (status, rows, drift, rejection reason with line/column) and
 * the profile of each registered version (types, missing counts, numeric moments, top values).
 */
import type { DatasetProfile } from '../../datasets/profile';
import type { DatasetVersion } from '../../datasets/registry';
import { versionSummary } from '../../datasets/api';
import type { DashboardStores } from './stores';

export interface DatasetView {
  name: string;
  versions: (ReturnType<typeof versionSummary> & { drift: DatasetVersion['drift']; profile: DatasetProfile | null })[];
}

export async function datasetView(stores: DashboardStores, name: string): Promise<DatasetView | undefined> {
  const versions = await stores.datasets.versions(name);
  if (!versions.length) return undefined;
  const out = await Promise.all(
    versions.map(async (v) => {
      let profile: DatasetProfile | null = null;
      if (v.snapshot) {
        try {
          profile = await stores.datasets.readJson<DatasetProfile>(v.snapshot.profile);
        } catch {
          profile = null; // a snapshot being written or removed: the version still shows
        }
      }
      return { ...versionSummary(v), drift: v.drift, profile };
    }),
  );
  return { name, versions: out };
}
