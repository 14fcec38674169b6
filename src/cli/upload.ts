/**
 * `mlops upload FILE [--name NAME] [--target COLUMN] [--wait]`: drops a CSV into the datasets
 * container of the target stack's storage, the act that starts everything; --wait follows the
 * registration and names the training run it started (exit 1 when the upload is rejected).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandFailed, defineCommand, EXIT, UsageError } from './_command';
import { client, settings } from './_remote';
import { STORAGE_OPTIONS, storageErrorMessage, storageFor } from './_storage';
import { summaryOf } from './_catalog';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const main = defineCommand(
  {
    name: 'upload',
    summary: summaryOf('upload'),
    positionals: [{ name: 'FILE', help: 'the CSV file (or give --file)' }],
    options: [
      { name: 'file', kind: 'string', short: 'f', value: 'FILE', help: 'the CSV file' },
      { name: 'name', kind: 'string', value: 'NAME', help: 'dataset name = blob name without .csv (default: the file name)' },
      {
        name: 'target',
        kind: 'string',
        value: 'COLUMN',
        help: "the column to predict, stored as blob metadata `target` (default: the app's DEFAULT_TARGET_COLUMN, y)",
      },
      { name: 'container', kind: 'string', value: 'NAME', help: 'the drop-zone container (default DATASETS_CONTAINER or datasets)' },
      { name: 'wait', kind: 'boolean', help: 'wait for the registration and print its outcome and training run' },
      ...STORAGE_OPTIONS,
    ],
    remote: true,
    json: true,
    details:
      "Storage: the local stack's (Azurite) by default; for a stack in Azure give --account-url (identity) or\n" +
      '--connection-string: with a remote --url and neither, nothing is uploaded (exit 2).',
  },
  async ({ opts, args, print }) => {
    const file = (opts.file as string | undefined) ?? args.FILE;
    if (!file) throw new UsageError('FILE is required (mlops upload data.csv)');
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
    const name = (opts.name as string | undefined) ?? path.basename(file).replace(/\.[^.]*$/, '');
    if (!NAME.test(name)) throw new UsageError(`"${name}" is not a valid dataset name (letters, digits, . _ -; at most 63; pass --name)`);
    const containerName = (opts.container as string | undefined) ?? settings().DATASETS_CONTAINER ?? 'datasets';
    const storage = await storageFor(opts);
    const bytes = fs.readFileSync(file);
    const blobName = `${name}.csv`;
    try {
      const container = storage.service.getContainerClient(containerName);
      await container.createIfNotExists();
      await container.getBlockBlobClient(blobName).uploadData(bytes, {
        blobHTTPHeaders: { blobContentType: 'text/csv' },
        metadata: opts.target ? { target: String(opts.target) } : undefined,
      });
    } catch (err) {
      throw new CommandFailed('UPLOAD_FAILED', `cannot upload to ${storage.description}: ${storageErrorMessage(err)}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const uploaded = { dataset: name, blob: `${containerName}/${blobName}`, bytes: bytes.length, sha256, target: opts.target ?? null };
    if (!opts.wait) {
      print(uploaded, () => `uploaded ${bytes.length} bytes to ${containerName}/${blobName} (${storage.description})`);
      return EXIT.OK;
    }
    if (!opts.json) process.stdout.write(`uploaded ${bytes.length} bytes to ${containerName}/${blobName}; waiting for the registration...\n`);
    const api = await client(opts);
    let registeredAt: number | undefined;
    for (let i = 0; i < 240; i++) {
      const r = await api.request('GET', `/api/datasets/${encodeURIComponent(name)}`);
      if (r.status === 401) throw new CommandFailed('UNAUTHORIZED', 'the key is missing or wrong (set MLOPS_KEY or pass --key)');
      const v = r.status === 200 ? r.body.versions?.find((x: any) => x.sha256 === sha256) : undefined;
      if (v?.status === 'rejected') {
        print({ ...uploaded, registration: v }, () => `rejected: ${v.reason?.code}: ${v.reason?.message}`);
        return EXIT.FAILED;
      }
      // The same invocation names the training run right after the registration (TRAIN_ON_UPLOAD);
      // with training on upload turned off there is none: not waited for past 5 s.
      if (v?.status === 'registered') registeredAt ??= Date.now();
      if (v?.status === 'registered' && (v.runId || Date.now() - registeredAt! > 5000)) {
        print(
          { ...uploaded, registration: v },
          () =>
            `registered ${name} v${v.version}: ${v.rows} rows, ${v.columns} columns, target ${v.target}` +
            (v.runId ? `\ntraining run ${v.runId}: mlops logs ${v.runId} --follow` : ''),
        );
        return EXIT.OK;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new CommandFailed('NOT_REGISTERED', 'not registered within 120 s; see `mlops datasets` and the host log');
  },
);
