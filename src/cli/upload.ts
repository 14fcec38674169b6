/**
 * `mlops upload --file data.csv [--name NAME] [--target y] [--wait]`: drops a CSV into the `datasets`
 * container (the storage of the local stack, or STORAGE_CONNECTION_STRING), the act that starts everything;
 * --wait follows registration and prints the training run it started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { UsageError } from './_args';
import { localStorageConnection } from './_remote';
import { remoteCommand } from './_simple';

export const main = remoteCommand(
  'upload',
  'Upload a CSV to the datasets container (registers a dataset version and starts training).',
  [
    { name: 'file', kind: 'string', help: 'the CSV file', required: true },
    { name: 'name', kind: 'string', help: 'dataset name (default: the file name without extension)' },
    { name: 'target', kind: 'string', help: 'target column, stored as blob metadata (default: DEFAULT_TARGET_COLUMN or y)' },
    { name: 'wait', kind: 'boolean', help: 'wait for the registration and print its outcome' },
  ],
  async (api, opts) => {
    const file = opts.file as string;
    if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const name = (opts.name as string) ?? path.basename(file).replace(/\.[^.]*$/, '');
    const conn = process.env.STORAGE_CONNECTION_STRING ?? localStorageConnection();
    const container = BlobServiceClient.fromConnectionString(conn).getContainerClient('datasets');
    await container.createIfNotExists();
    const bytes = fs.readFileSync(file);
    await container.getBlockBlobClient(`${name}.csv`).uploadData(bytes, {
      blobHTTPHeaders: { blobContentType: 'text/csv' },
      metadata: opts.target ? { target: String(opts.target) } : undefined,
    });
    process.stdout.write(`uploaded ${bytes.length} bytes to datasets/${name}.csv\n`);
    if (!opts.wait) return 0;
    const sha = createHash('sha256').update(bytes).digest('hex');
    for (let i = 0; i < 240; i++) {
      const r = await api.request('GET', `/api/datasets/${encodeURIComponent(name)}`);
      const v = r.status === 200 ? r.body.versions?.find((x: any) => x.sha256 === sha) : undefined;
      if (v?.status === 'rejected') {
        process.stdout.write(`rejected: ${v.reason.code}: ${v.reason.message}\n`);
        return 1;
      }
      if (v?.status === 'registered' && (v.runId || i > 20)) {
        process.stdout.write(`registered ${name} v${v.version}: ${v.rows} rows, ${v.columns} columns${v.runId ? `; training run ${v.runId} (mlops run ${v.runId} --watch)` : ''}\n`);
        return 0;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    process.stdout.write('not registered yet; check `mlops datasets`\n');
    return 1;
  },
);
