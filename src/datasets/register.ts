/**
 * Registration of one uploaded blob: read it once as a stream (hash, parse, validate, profile, and
 * stage the bytes), then claim a version and move the staged bytes into the immutable snapshot with a
 * server-side copy. The outcome is always recorded: registered, rejected (final, with a stable code),
 * or a duplicate of an existing version (same bytes).
 *
 * Only infrastructure failures throw (storage down, ...): the trigger may retry those, and a retry
 * converges on the same version thanks to the content hash.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DomainEvent, EventPublisher, noopPublisher } from '../events/eventgrid';
import { Analysis, analyzeDataset } from './analyze';
import { DatasetRejection } from './errors';
import { INVALID_NAME_PARTITION, blobNameRejection, datasetNameFromBlob } from './names';
import { ClaimResult, DatasetRegistry, DatasetVersion, NewVersion, snapshotPrefix } from './registry';
import { compareSchemas, DatasetSchema, describeDrift, SchemaDrift } from './schema';
import { DatasetSettings } from './settings';
import { BLOCK, copyOnce, IN_FLIGHT, SnapshotConflictError, uploadSecondPass, writeOnce } from './snapshot';
import { DatasetStorage, storageFromConnectionString } from './storage';

export type RegistrationOutcome = 'registered' | 'rejected' | 'duplicate';

export interface RegistrationResult {
  outcome: RegistrationOutcome;
  /**
   * The version recorded (new, or the existing one for a duplicate). When outcome is 'registered'
   * the caller starts training for it: this is the hook for the orchestration starter
   * (instance id `train-{name}-v{version}`), which then records the run with registry.setRunId.
   */
  dataset: DatasetVersion;
  /** Milliseconds spent in each phase (for logs and the bench). */
  timings: Record<string, number>;
  /**
   * Set when the Event Grid publish failed. The registration stands (and training may start); the
   * caller should then fail the invocation so the trigger retries: the retry finds the version with
   * eventPublished false and publishes again, with the same event id.
   */
  eventError?: Error;
}

export interface RegisterInput {
  /** Blob name inside the drop container, e.g. `bank.csv`. */
  blobName: string;
  /**
   * Optional, from the trigger (Properties.ETag / ContentLength): recorded for a blob whose name cannot
   * be addressed, which registration never reads. Addressable blobs are read for their own properties.
   */
  etag?: string;
  bytes?: number;
}

export interface RegisterDeps {
  /** A connection string, or `storage` (e.g. storageFromEnv for identity-based connections). */
  connectionString?: string;
  storage?: DatasetStorage;
  settings: DatasetSettings;
  events?: EventPublisher;
  log?: (level: 'info' | 'warn', message: string) => void;
}

const STAGING_PREFIX = 'staging/datasets/';

function findTarget(metadata: Record<string, string> | undefined, fallback: string): string {
  for (const [k, v] of Object.entries(metadata ?? {})) if (k.toLowerCase() === 'target' && v.trim() !== '') return v.trim();
  return fallback;
}

export async function registerDataset(input: RegisterInput, deps: RegisterDeps): Promise<RegistrationResult> {
  const { settings } = deps;
  const events = deps.events ?? noopPublisher;
  const log = deps.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  let t0 = Date.now();
  const mark = (phase: string): void => {
    const now = Date.now();
    timings[phase] = now - t0;
    t0 = now;
  };

  const storage = deps.storage ?? (deps.connectionString ? storageFromConnectionString(deps.connectionString) : undefined);
  if (!storage) throw new Error('registerDataset needs a connectionString or storage');
  const drop = storage.blobService.getContainerClient(settings.datasetsContainer);
  const registry = new DatasetRegistry(storage, { table: settings.table, registryContainer: settings.registryContainer });
  // Token-authenticated storage cannot authorize an async copy's source: write the snapshot by a second read.
  const snapshotMode = storage.sharedKey ? settings.snapshotMode : 'two-pass';
  await registry.ensure();
  // The name is checked before any path is built from it: a name with `..` segments or backslashes
  // would address a blob outside the drop container. Such a blob is recorded, never read.
  const nameProblem = blobNameRejection(input.blobName);
  const unaddressable = nameProblem?.code === 'UNSAFE_NAME';
  const dropBlob = unaddressable ? undefined : drop.getBlobClient(input.blobName);
  const props = dropBlob
    ? await dropBlob.getProperties().catch((err) => sourceChanged(err, input.blobName))
    : { etag: input.etag ?? '', contentLength: input.bytes ?? 0, metadata: undefined as Record<string, string> | undefined };
  const etag = props.etag!;
  const target = findTarget(props.metadata, settings.defaultTarget);
  const source = { container: settings.datasetsContainer, blobName: input.blobName, etag };
  const base = {
    sha256: null,
    bytes: props.contentLength ?? 0,
    rows: null,
    columns: null,
    target,
    task: null,
    delimiter: null,
    classBalance: null,
    schema: null,
    drift: null,
    source,
    snapshot: null,
    runId: null,
    eventPublished: false,
  } satisfies Partial<NewVersion>;

  const name = datasetNameFromBlob(input.blobName);
  const reject = async (datasetName: string, rejection: DatasetRejection, extra: Partial<NewVersion> = {}): Promise<RegistrationResult> => {
    const claim = await registry.claim(datasetName, () => ({
      ...base,
      ...extra,
      name: datasetName,
      status: 'rejected',
      reason: {
        code: rejection.code,
        message: rejection.message,
        ...(rejection.line !== undefined ? { line: rejection.line } : {}),
        ...(rejection.column !== undefined ? { column: rejection.column } : {}),
        ...(rejection.columnName !== undefined ? { columnName: rejection.columnName } : {}),
      },
    }));
    mark('record');
    return finish(claim, 'rejected');
  };

  const finish = async (claim: ClaimResult, fresh: RegistrationOutcome): Promise<RegistrationResult> => {
    let dataset = claim.claimed ? claim.version : claim.existing;
    let etagNow = claim.etag;
    const outcome: RegistrationOutcome = claim.claimed ? fresh : 'duplicate';
    // Publish for fresh outcomes, and again for a duplicate whose event was never confirmed (a crash
    // or publish failure last time): the event id is deterministic, so consumers can drop repeats.
    let eventError: Error | undefined;
    if (events.enabled && !dataset.eventPublished && dataset.status !== 'registering') {
      try {
        await events.publish([eventFor(dataset)]);
        etagNow = await registry.update(dataset.name, dataset.version, { eventPublished: true }, '*');
        dataset = { ...dataset, eventPublished: true };
      } catch (err) {
        eventError = err as Error;
        log('warn', `dataset ${dataset.name} v${dataset.version}: event not published (retried with the next attempt): ${eventError.message}`);
      }
    }
    void etagNow;
    log(outcome === 'rejected' ? 'warn' : 'info', summary(outcome, dataset));
    return eventError ? { outcome, dataset, timings, eventError } : { outcome, dataset, timings };
  };

  if (!name || !dropBlob) {
    const problem = nameProblem ?? { code: 'INVALID_NAME' as const, message: `blob name "${input.blobName}" does not give a valid dataset name` };
    return reject(INVALID_NAME_PARTITION, new DatasetRejection(problem.code, problem.message));
  }
  if ((props.contentLength ?? 0) > settings.maxBytes) {
    return reject(name, new DatasetRejection('TOO_LARGE', `the file is ${props.contentLength} bytes, larger than ${settings.maxBytes} (DATASET_MAX_BYTES)`));
  }

  // Stage the bytes while they are analysed (stage-copy), so the blob is read exactly once.
  const staged = snapshotMode === 'stage-copy' ? registry.blobs.getBlockBlobClient(`${STAGING_PREFIX}${name}/${randomUUID()}.csv`) : undefined;
  let staging: { stream: PassThrough; done: Promise<unknown> } | undefined;
  if (staged) {
    const stream = new PassThrough({ highWaterMark: BLOCK });
    const done = staged.uploadStream(stream, BLOCK, IN_FLIGHT, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
    done.catch(() => undefined); // observed below; never an unhandled rejection
    staging = { stream, done };
  }
  const sink = staging
    ? async (chunk: Buffer): Promise<void> => {
        if (!staging!.stream.write(chunk)) await new Promise<void>((r) => staging!.stream.once('drain', r));
      }
    : undefined;

  let download: Awaited<ReturnType<typeof dropBlob.download>>;
  try {
    download = await dropBlob.download(0, undefined, { conditions: { ifMatch: etag } });
  } catch (err) {
    await abortStaging(staging, staged);
    return sourceChanged(err, input.blobName);
  }
  const body = download.readableStreamBody!;
  let analysis: Analysis;
  try {
    analysis = await analyzeDataset(body as AsyncIterable<Buffer>, { target, limits: settings, sink });
  } catch (err) {
    await abortStaging(staging, staged);
    throw err;
  }
  mark('read+analyze');

  if (!analysis.ok) {
    await abortStaging(staging, staged);
    return reject(name, analysis.rejection, { sha256: analysis.sha256 ?? null, bytes: analysis.bytes });
  }
  if (staging) {
    staging.stream.end();
    await staging.done;
    mark('stage');
  }

  const { profile, schema } = analysis;
  for (const w of analysis.warnings)
    log('warn', `dataset ${name}: ${w.code}: ${w.message}; registered anyway (DATASET_TRAINABILITY_POLICY=warn): training is expected to refuse it`);
  let drift: SchemaDrift | null = null;
  let claim: ClaimResult;
  try {
    claim = await registry.claim(name, async (previous) => {
      const prev = [...previous].reverse().find((v) => v.status === 'registered');
      // Wide schemas do not fit in the entity (64 KiB properties): then schema.json is the source.
      const prevSchema = prev ? (prev.schema ?? (prev.snapshot ? await registry.readJson<DatasetSchema>(prev.snapshot.schema) : null)) : null;
      drift = prev && prevSchema ? compareSchemas(prevSchema, schema, prev.version) : null;
      const draft: NewVersion = {
        ...base,
        name,
        status: 'registering',
        sha256: profile.sha256,
        bytes: profile.bytes,
        rows: profile.rows,
        columns: profile.columns,
        task: profile.target.task,
        delimiter: profile.delimiter,
        classBalance: profile.target.classes ?? null,
        schema,
        drift,
        reason: null,
      };
      if (drift?.hasDrift && settings.driftPolicy === 'reject') {
        draft.status = 'rejected';
        draft.reason = {
          code: 'SCHEMA_DRIFT',
          message: `schema changed against v${drift.againstVersion}: ${describeDrift(drift)} (DATASET_DRIFT_POLICY=reject)`,
        };
      }
      return draft;
    });
  } catch (err) {
    if (staged) await staged.deleteIfExists().catch(() => undefined);
    throw err;
  }
  mark('claim');

  const mine = claim.claimed ? claim.version : undefined;
  if (!mine || mine.status === 'rejected') {
    // Duplicate bytes, or a drift rejection: nothing to snapshot, unless the existing claim of the same
    // bytes was abandoned half-way (a crashed registration), which this one then completes.
    if (!claim.claimed && claim.existing.status === 'registering' && isStale(claim.existing)) {
      return complete(claim.existing, claim.etag);
    }
    if (staged) await staged.deleteIfExists().catch(() => undefined);
    return finish(claim, 'rejected');
  }
  return complete(mine, claim.etag);

  async function complete(version: DatasetVersion, etagClaim: string): Promise<RegistrationResult> {
    const prefix = snapshotPrefix(version.name, version.version);
    const dataPath = `${prefix}data.csv`;
    const data = registry.blobs.getBlockBlobClient(dataPath);
    const expected = { bytes: profile.bytes, sha256: profile.sha256 };
    try {
      if (staged) {
        await copyOnce(staged.url, data, dataPath, expected);
        await staged.deleteIfExists().catch(() => undefined);
      } else {
        await uploadSecondPass(drop, input.blobName, etag, data, dataPath, expected);
      }
      mark('snapshot');
      await writeOnce(registry.blobs, `${prefix}profile.json`, JSON.stringify({ name: version.name, version: version.version, ...profile }, null, 2));
      await writeOnce(registry.blobs, `${prefix}schema.json`, JSON.stringify(schema, null, 2));
    } catch (err) {
      if (!(err instanceof SnapshotConflictError)) throw err;
      // Another writer owns this version's snapshot path: the version must never point at it. It is
      // recorded as failed (the registry excludes it from content matching, so the same bytes register
      // as a new version next time), and the foreign blob is left for an operator to look at.
      if (staged) await staged.deleteIfExists().catch(() => undefined);
      const reason = { code: err.code, message: `${err.message}; the version is not registered (re-upload to register it as a new version)` } as const;
      const etagRejected = await registry.update(version.name, version.version, { status: 'rejected', reason }, etagClaim);
      log('warn', `dataset ${version.name} v${version.version}: ${reason.message}`);
      return finish({ claimed: true, version: { ...version, status: 'rejected', reason }, etag: etagRejected }, 'rejected');
    }
    const snapshot = {
      container: settings.registryContainer,
      data: `${prefix}data.csv`,
      profile: `${prefix}profile.json`,
      schema: `${prefix}schema.json`,
    };
    let etagDone: string;
    try {
      // The analysis fields are rewritten too: identical for a fresh claim, and they complete an abandoned one.
      const analysisFields = {
        rows: profile.rows,
        columns: profile.columns,
        task: profile.target.task,
        delimiter: profile.delimiter,
        classBalance: profile.target.classes ?? null,
        schema,
      };
      etagDone = await registry.update(version.name, version.version, { status: 'registered', snapshot, ...analysisFields }, etagClaim);
    } catch (err) {
      // 412: someone else completed the same claim meanwhile; theirs stands (same bytes, same result).
      if ((err as { statusCode?: number }).statusCode !== 412) throw err;
      const now = await registry.get(version.name, version.version);
      return finish({ claimed: false, existing: now!.version, etag: now!.etag }, 'registered');
    }
    mark('record');
    const registered: DatasetVersion = {
      ...version,
      status: 'registered',
      snapshot,
      rows: profile.rows,
      columns: profile.columns,
      task: profile.target.task,
      delimiter: profile.delimiter,
      classBalance: profile.target.classes ?? null,
      schema,
    };
    if (drift?.hasDrift) log('warn', `dataset ${version.name} v${version.version}: schema drift against v${drift.againstVersion}: ${describeDrift(drift)}`);
    return finish({ claimed: true, version: registered, etag: etagDone }, 'registered');
  }
}

/**
 * The drop blob was deleted or overwritten after the trigger fired: nothing to register for this
 * version of it (an overwrite triggers again with its new ETag). Not a rejection, not a retry.
 */
export class SourceChangedError extends Error {
  readonly code = 'SOURCE_CHANGED';
  constructor(message: string) {
    super(message);
    this.name = 'SourceChangedError';
  }
}

function sourceChanged(err: unknown, blobName: string): never {
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 404) throw new SourceChangedError(`blob ${blobName} no longer exists`);
  if (status === 412) throw new SourceChangedError(`blob ${blobName} was overwritten while being registered; its new content is registered by its own trigger`);
  throw err;
}

/** A 'registering' claim nobody has touched for 5 minutes: its registration died. */
function isStale(v: DatasetVersion): boolean {
  return Date.now() - Date.parse(v.updatedAt) > 5 * 60 * 1000;
}

async function abortStaging(
  staging: { stream: PassThrough; done: Promise<unknown> } | undefined,
  staged: { deleteIfExists(): Promise<unknown> } | undefined,
): Promise<void> {
  if (!staging) return;
  staging.stream.destroy(new Error('registration rejected: staging aborted'));
  await staging.done.catch(() => undefined);
  await staged?.deleteIfExists().catch(() => undefined);
}

function eventFor(v: DatasetVersion): DomainEvent {
  const registered = v.status === 'registered';
  return {
    type: registered ? 'Mlops.DatasetRegistered' : 'Mlops.DatasetRejected',
    subject: `datasets/${v.name}/versions/${v.version}`,
    id: `dataset-${v.name}-v${v.version}-${v.status}`,
    data: {
      name: v.name,
      version: v.version,
      status: v.status,
      sha256: v.sha256,
      bytes: v.bytes,
      rows: v.rows,
      columns: v.columns,
      target: v.target,
      task: v.task,
      classBalance: v.classBalance?.slice(0, 20) ?? null,
      hasDrift: v.drift?.hasDrift ?? false,
      reason: v.reason,
      source: { container: v.source.container, blobName: v.source.blobName },
      snapshot: v.snapshot,
    },
  };
}

function summary(outcome: RegistrationOutcome, v: DatasetVersion): string {
  if (v.status === 'rejected')
    return `dataset ${v.name} v${v.version} ${outcome === 'duplicate' ? '(duplicate) ' : ''}rejected: ${v.reason?.code}: ${v.reason?.message}`;
  return `dataset ${v.name} v${v.version} ${outcome}: ${v.rows} rows, ${v.columns} columns, sha256 ${v.sha256?.slice(0, 12)}`;
}
