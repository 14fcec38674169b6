import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { readCsvRows } from '../../datasets/csv';
import type { AutoMLJobSpec } from '../provider';
import type { AzureMLClient } from './client';
import { datastoreContainer } from './datastore';
import { AzureMLError } from './errors';
import { assetName, assetVersion } from './names';

export const DEFAULT_DATASTORE = 'workspaceblobstore';

export interface UploadedData {
  /** The data asset version's ARM id and `azureml:name:version` reference. */
  assetId: string;
  assetRef: string;
  name: string;
  version: string;
  dataUri: string;
  sha256: string;
  task: 'classification' | 'regression';
}

/** The MLTable file of a folder holding one headed CSV. */
export function mltableFor(file: string): string {
  return [
    'paths:',
    `  - file: ./${file}`,
    'transformations:',
    '  - read_delimited:',
    "      delimiter: ','",
    '      encoding: utf8',
    '      header: all_files_same_headers',
    '',
  ].join('\n');
}

/** Classification or regression from the target column, with the engine's rule (numeric with > 10 values, or fractional = regression). */
async function inferTask(csv: Buffer, target: string): Promise<'classification' | 'regression'> {
  let idx = -1;
  let numeric = true;
  let integer = true;
  const distinct = new Set<string>();
  for await (const row of readCsvRows(Readable.from([csv]))) {
    if (idx < 0) {
      idx = row.indexOf(target);
      if (idx < 0) throw new AzureMLError('INVALID_DATA', `the training split has no column "${target}"`);
      continue;
    }
    const v = (row[idx] ?? '').trim();
    if (!v) continue;
    const n = Number(v);
    if (!Number.isFinite(n)) numeric = false;
    else if (!Number.isInteger(n)) integer = false;
    if (distinct.size <= 10) distinct.add(v);
  }
  return numeric && (!integer || distinct.size > 10) ? 'regression' : 'classification';
}

/**
 * Puts the run's training split in the workspace's default datastore (folder with train.csv and an
 * MLTable file) and creates a data asset version of type mltable, tagged with the dataset's name,
 * version and sha256. Every step is idempotent for (run, attempt): same paths, same version.
 */
export async function uploadTrainingData(client: AzureMLClient, registry: ContainerClient, spec: AutoMLJobSpec): Promise<UploadedData> {
  const s = client.settings;
  let csv: Buffer;
  try {
    csv = await registry.getBlobClient(spec.trainBlob).downloadToBuffer();
  } catch (err) {
    throw new AzureMLError('INVALID_DATA', `the training split ${spec.trainBlob} cannot be read: ${(err as Error).message}`);
  }
  const task = spec.options.task ? (spec.options.task === 'regression' ? 'regression' : 'classification') : await inferTask(csv, spec.target);
  const sha256 = createHash('sha256').update(csv).digest('hex');
  const dataset = spec.dataset?.name ?? 'dataset';
  const name = assetName('mlops-train', dataset);
  const version = assetVersion(spec.runId, spec.attempt);
  const folder = `mlops/${name}/${version}/`;
  const { container } = await datastoreContainer(client, DEFAULT_DATASTORE);
  await container.getBlockBlobClient(`${folder}train.csv`).uploadData(csv, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
  const mltable = mltableFor('train.csv');
  await container.getBlockBlobClient(`${folder}MLTable`).uploadData(Buffer.from(mltable), { blobHTTPHeaders: { blobContentType: 'text/yaml' } });
  const dataUri = `azureml://datastores/${DEFAULT_DATASTORE}/paths/${folder}`;
  const tags: Record<string, string> = { 'mlops.runId': spec.runId, 'mlops.attempt': String(spec.attempt), 'mlops.splitSha256': sha256 };
  if (spec.dataset) {
    tags['mlops.dataset'] = spec.dataset.name;
    tags['mlops.datasetVersion'] = String(spec.dataset.version);
    tags['mlops.datasetSha256'] = spec.dataset.sha256;
  }
  const v = await client.sdk.dataVersions.createOrUpdate(s.resourceGroup, s.workspace, name, version, {
    properties: { dataType: 'mltable', dataUri, referencedUris: [`${dataUri}train.csv`], description: `Training split of run ${spec.runId}`, tags },
  });
  return {
    assetId: v.id ?? `${client.workspacePath}/data/${name}/versions/${version}`,
    assetRef: `azureml:${name}:${version}`,
    name,
    version,
    dataUri,
    sha256,
    task,
  };
}
