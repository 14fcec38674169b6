/**
 * The read side of the registry as HTTP-shaped results ({status, body}); functions/datasets.ts only
 * maps them onto the Functions response. No Functions types here.
 */
import { isValidDatasetName, INVALID_NAME_PARTITION } from './names';
import { DatasetRegistry, DatasetVersion } from './registry';

export interface ApiResult {
  status: number;
  body: unknown;
}

const error = (status: number, code: string, message: string): ApiResult => ({ status, body: { error: { code, message } } });

/** The summary shown in lists: what a user needs to know whether a version is usable and why not. */
export function versionSummary(v: DatasetVersion) {
  return {
    name: v.name,
    version: v.version,
    status: v.status,
    rows: v.rows,
    columns: v.columns,
    target: v.target,
    task: v.task,
    sha256: v.sha256,
    bytes: v.bytes,
    classBalance: v.classBalance,
    hasDrift: v.drift?.hasDrift ?? false,
    reason: v.reason,
    blobName: v.source.blobName,
    runId: v.runId,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}

/** Storage failures on the read side are 503s with a code, never 500s. */
async function guarded(fn: () => Promise<ApiResult>): Promise<ApiResult> {
  try {
    return await fn();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    const code = (err as { code?: string }).code;
    return error(503, 'STORAGE_UNAVAILABLE', `the dataset registry could not be read (${status ?? code ?? 'no response'}); try again`);
  }
}

/** GET /api/datasets: the latest version of each dataset, with its status. */
export function listDatasets(registry: DatasetRegistry): Promise<ApiResult> {
  return guarded(async () => {
    const all = await registry.latest();
    return {
      status: 200,
      body: {
        datasets: all.map((d) => ({ ...versionSummary(d.latest), latestRegistered: d.latestRegistered, versions: d.versions })),
      },
    };
  });
}

function checkName(name: string): ApiResult | undefined {
  if (name !== INVALID_NAME_PARTITION && !isValidDatasetName(name)) {
    return error(400, 'INVALID_NAME', `"${name.slice(0, 80)}" is not a dataset name (letters, digits, '.', '_', '-')`);
  }
  return undefined;
}

/** GET /api/datasets/{name}: every version, oldest first. */
export function getDataset(registry: DatasetRegistry, name: string): Promise<ApiResult> {
  const bad = checkName(name);
  if (bad) return Promise.resolve(bad);
  return guarded(async () => {
    const versions = await registry.versions(name);
    if (versions.length === 0) return error(404, 'DATASET_NOT_FOUND', `no dataset named "${name}"`);
    const registered = versions.filter((v) => v.status === 'registered');
    return {
      status: 200,
      body: {
        name,
        latestVersion: versions[versions.length - 1].version,
        latestRegistered: registered.length ? registered[registered.length - 1].version : null,
        versions: versions.map(versionSummary),
      },
    };
  });
}

/** GET /api/datasets/{name}/versions/{v}: the version with its profile, schema and drift. */
export function getDatasetVersion(registry: DatasetRegistry, name: string, versionText: string): Promise<ApiResult> {
  const bad = checkName(name);
  if (bad) return Promise.resolve(bad);
  const version = /^v?\d{1,6}$/.test(versionText) ? Number(versionText.replace(/^v/, '')) : NaN;
  if (!Number.isSafeInteger(version) || version < 1) {
    return Promise.resolve(error(400, 'INVALID_VERSION', `"${versionText.slice(0, 20)}" is not a version number (1, 2, ... or v1, v2, ...)`));
  }
  return guarded(async () => {
    const got = await registry.get(name, version);
    if (!got) return error(404, 'VERSION_NOT_FOUND', `dataset "${name}" has no version ${version}`);
    const v = got.version;
    let profile: unknown = null;
    let schema: unknown = v.schema;
    if (v.snapshot) {
      profile = await registry.readJson(v.snapshot.profile);
      schema = await registry.readJson(v.snapshot.schema);
    }
    return {
      status: 200,
      body: {
        ...versionSummary(v),
        schema,
        drift: v.drift,
        profile,
        snapshot: v.snapshot,
        source: { container: v.source.container, blobName: v.source.blobName, etag: v.source.etag },
      },
    };
  });
}

/** The durable orchestration instance a registered version starts: one run per version, by construction. */
export function trainingInstanceId(name: string, version: number): string {
  return `train-${name}-v${version}`;
}
