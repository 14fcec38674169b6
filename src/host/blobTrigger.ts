/**
 * Blob triggers with the Storage extension's guarantees:
 * - scan: each watched container is listed every scan interval; for each blob whose ETag has no
 *   completed receipt, a receipt `azure-webjobs-hosts/blobreceipts/{hostId}/{functionId}/{etag}/{container}/{blob}`
 *   is created only if absent, leased, the blob is enqueued to `azure-webjobs-blobtrigger-{hostId}`,
 *   and the receipt is marked completed: one queue message per function + blob + ETag, across restarts;
 * - queue: messages are invoked (at least once); a failed invocation is retried until it was dequeued
 *   maxDequeueCount times (host.json extensions.queues.maxDequeueCount, default 5), then the message
 *   moves to `webjobs-blobtrigger-poison`;
 * - Event Grid: functions with `source: 'EventGrid'` are not scanned; BlobCreated events posted to
 *   /runtime/webhooks/blobs?functionName=Host.Functions.NAME (system key `blobs_extension`) are enqueued.
 */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { blobNameProblem, printableBlobName } from './blobName';
import { BlobPathPattern, matchBlobPath, parseBlobPath } from './blobPath';
import { HostError } from './coreApi';
import type { HostConfig } from './hostConfig';
import type { ConsoleLog } from './logger';
import type { HostServices, InvokeRequest, Provider, RegisteredFunction, RpcTypedData, TriggerHealth } from './provider';
import { numberSetting } from './settings';
import { resolveConnectionString, statusOf } from './storage';

export const HOSTS_CONTAINER = 'azure-webjobs-hosts';
export const POISON_QUEUE = 'webjobs-blobtrigger-poison';
export const blobTriggerQueueName = (hostId: string) => `azure-webjobs-blobtrigger-${hostId}`;

/** The Storage extension's queue message (BlobTriggerMessage). */
export interface BlobTriggerMessage {
  Type: 'BlobTrigger';
  FunctionId: string;
  BlobType: 'BlockBlob' | 'PageBlob' | 'AppendBlob';
  ContainerName: string;
  BlobName: string;
  ETag: string;
  /** Not in the extension's message: the size the listing or event reported (for names that cannot be addressed). */
  ContentLength?: number;
}

interface Watched {
  fn: RegisteredFunction;
  functionId: string;
  pattern: BlobPathPattern;
  container: ContainerClient;
  eventGrid: boolean;
  scan: ScanState;
}

/** What the last scan of one function's container did (reported by /api/health through the core API). */
export interface ScanState extends TriggerHealth {
  function: string;
  container: string;
  source: 'LogsAndContainerScan' | 'EventGrid';
  /** ok: the last scan listed the container and handled every blob; partial: some blobs failed; failing: the listing failed. */
  state: 'pending' | 'ok' | 'partial' | 'failing';
  lastScanAt: string | null;
  lastSuccessAt: string | null;
  /** Blobs that failed in the last scan (each is retried by the next scan). */
  failedBlobs: number;
  /** Blobs whose names cannot be used in a storage path (passed on by reference, never addressed). */
  unsafeNames: number;
  lastError: { code: string; message: string } | null;
}

export interface BlobTriggerOptions {
  hostId: string;
  scanIntervalMs: number;
  queuePollMs: number;
  maxDequeueCount: number;
  parallelism: number;
  /** Visibility delay before a failed message is retried (Queues extension default: 0). */
  retryDelayMs: number;
  /** How long a dequeued message stays invisible while its invocation runs (renewed). */
  visibilityMs: number;
}

const RECEIPT_LEASE_SECONDS = 30;

function encodeMessage(m: BlobTriggerMessage): string {
  return Buffer.from(JSON.stringify(m), 'utf8').toString('base64');
}

export function decodeMessage(text: string): BlobTriggerMessage | undefined {
  for (const candidate of [() => Buffer.from(text, 'base64').toString('utf8'), () => text]) {
    try {
      const m = JSON.parse(candidate());
      if (m && typeof m === 'object' && typeof m.FunctionId === 'string' && typeof m.BlobName === 'string' && typeof m.ContainerName === 'string') {
        return m as BlobTriggerMessage;
      }
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function metaGet(md: Record<string, string> | undefined, key: string): string | undefined {
  if (!md) return undefined;
  const k = Object.keys(md).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : md[k];
}

/** ETags as the service sends them in headers (quoted); listings return them bare on some servers. */
export function quoteEtag(etag: string): string {
  const bare = etag.replace(/^W\//, '').replace(/"/g, '');
  return `"${bare}"`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function blobTriggerOptions(settings: NodeJS.ProcessEnv, config: HostConfig, hostId: string): BlobTriggerOptions {
  const scanIntervalMs = numberSetting(settings.MLOPS_BLOB_SCAN_INTERVAL_MS, 2000, 'MLOPS_BLOB_SCAN_INTERVAL_MS');
  const queues = config.raw.extensions?.queues ?? {};
  let retryDelayMs = 0;
  if (typeof queues.visibilityTimeout === 'string') {
    const m = /^(\d+):(\d+):(\d+)$/.exec(queues.visibilityTimeout);
    if (m) retryDelayMs = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
  }
  return {
    hostId,
    scanIntervalMs: Math.max(50, scanIntervalMs),
    queuePollMs: Math.max(50, Math.min(1000, scanIntervalMs)),
    maxDequeueCount: config.blobs.maxDequeueCount,
    parallelism: config.blobs.maxDegreeOfParallelism,
    retryDelayMs,
    visibilityMs: 5 * 60 * 1000,
  };
}

export class BlobTriggerProvider implements Provider {
  readonly name = 'blobTrigger';
  readonly triggerTypes = ['blobTrigger'];
  private host!: HostServices;
  private watched: Watched[] = [];
  private queue!: QueueClient;
  private poison!: QueueClient;
  private receipts!: ContainerClient;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private running = new Set<Promise<void>>();
  /** functionId|container/blob -> ETag whose receipt is known completed (saves storage reads). */
  private completed = new Map<string, string>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly log: ConsoleLog,
    private readonly opts: BlobTriggerOptions,
  ) {}

  async start(host: HostServices): Promise<void> {
    this.host = host;
    const fns = host.functions.filter((f) => f.triggerType.toLowerCase() === 'blobtrigger');
    if (fns.length === 0) return;
    const hostStorage = host.storageConnectionString;
    this.queue = QueueServiceClient.fromConnectionString(hostStorage).getQueueClient(blobTriggerQueueName(this.opts.hostId));
    this.poison = QueueServiceClient.fromConnectionString(hostStorage).getQueueClient(POISON_QUEUE);
    this.receipts = BlobServiceClient.fromConnectionString(hostStorage).getContainerClient(HOSTS_CONTAINER);
    await this.queue.createIfNotExists();
    await this.poison.createIfNotExists();
    await this.receipts.createIfNotExists();
    for (const fn of fns) {
      try {
        const pattern = parseBlobPath(String(fn.trigger.path ?? ''));
        const conn = this.connectionFor(fn);
        const container = BlobServiceClient.fromConnectionString(conn).getContainerClient(pattern.container);
        const eventGrid = String(fn.trigger.source ?? '').toLowerCase() === 'eventgrid';
        const scan: ScanState = {
          function: fn.name,
          container: pattern.container,
          source: eventGrid ? 'EventGrid' : 'LogsAndContainerScan',
          state: eventGrid ? 'ok' : 'pending',
          lastScanAt: null,
          lastSuccessAt: null,
          failedBlobs: 0,
          unsafeNames: 0,
          lastError: null,
        };
        this.watched.push({ fn, functionId: `Host.Functions.${fn.name}`, pattern, container, eventGrid, scan });
      } catch (err) {
        // As the real host: a function whose binding cannot be set up is reported and does not run.
        this.log.line('error', 'Host.Blobs', `Function "${fn.name}" will not run: ${(err as Error).message}`);
      }
    }
    if (this.watched.some((w) => w.eventGrid)) {
      await host.getSystemKey('blobs_extension');
      host.addRuntimeRoute('/runtime/webhooks/blobs', 'system', (req, res, url) => this.handleEventGrid(req, res, url));
    }
    if (this.watched.some((w) => !w.eventGrid)) this.loops.push(this.scanLoop());
    this.loops.push(this.queueLoop());
    this.log.line(
      'information',
      'Host.Blobs',
      `Blob triggers: ${this.watched.map((w) => `${w.fn.name} (${w.eventGrid ? 'EventGrid' : 'scan'} ${w.pattern.container})`).join(', ')}; scan every ${this.opts.scanIntervalMs} ms.`,
    );
  }

  private connectionFor(fn: RegisteredFunction): string {
    const name = String(fn.trigger.connection ?? '') || 'AzureWebJobsStorage';
    const value = this.host.settings[name] ?? this.host.settings[`ConnectionStrings:${name}`];
    if (name === 'AzureWebJobsStorage') return this.host.storageConnectionString;
    if (!value) {
      const identity = this.host.settings[`${name}__blobServiceUri`] ?? this.host.settings[`${name}__serviceUri`];
      if (identity)
        throw new HostError(
          'HOST_IDENTITY_CONNECTION',
          `Connection "${name}" uses an identity (${name}__blobServiceUri): not supported locally; set a connection string.`,
        );
      throw new HostError('HOST_NO_CONNECTION', `Storage account connection string '${name}' does not exist. Make sure that it is a defined App Setting.`);
    }
    return resolveConnectionString(value);
  }

  /** Scan states, for health reports. */
  health(): ScanState[] {
    return this.watched.map((w) => ({ ...w.scan, lastError: w.scan.lastError ? { ...w.scan.lastError } : null }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.allSettled(this.loops);
    // In-flight invocations finish (the host waits for them); their messages are deleted as usual.
    await Promise.race([Promise.allSettled([...this.running]), sleep(10000)]);
  }

  private async sleepOrWake(ms: number): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  // ---- scan: container -> receipts -> queue ----

  private async scanLoop(): Promise<void> {
    while (!this.stopped) {
      for (const w of this.watched.filter((x) => !x.eventGrid)) {
        if (this.stopped) break;
        const at = new Date().toISOString();
        try {
          const { failed, unsafe, firstError } = await this.scanContainer(w);
          w.scan.lastScanAt = at;
          w.scan.failedBlobs = failed;
          w.scan.unsafeNames = unsafe;
          w.scan.state = failed > 0 ? 'partial' : 'ok';
          w.scan.lastError = firstError ?? null;
          if (failed === 0) w.scan.lastSuccessAt = at;
        } catch (err) {
          w.scan.lastScanAt = at;
          if (statusOf(err) === 404 && isContainerNotFound(err)) {
            // The watched container does not exist yet: nothing to trigger, and nothing wrong.
            w.scan.state = 'ok';
            w.scan.failedBlobs = 0;
            w.scan.lastError = null;
            w.scan.lastSuccessAt = at;
            continue;
          }
          w.scan.state = 'failing';
          w.scan.lastError = errorSummary(err, 'HOST_BLOB_SCAN_FAILED');
          this.log.line(
            'error',
            'Host.Blobs',
            `Scan of container "${w.pattern.container}" for ${w.fn.name} failed (will retry): ${w.scan.lastError.code}: ${w.scan.lastError.message}`,
          );
        }
      }
      await sleep(this.opts.scanIntervalMs);
    }
  }

  /**
   * One pass over the container. A blob that fails is logged and counted, and the pass goes on: one bad
   * blob never keeps the others from being triggered (it is retried by the next scan). Only a failed
   * listing throws.
   */
  private async scanContainer(w: Watched): Promise<{ failed: number; unsafe: number; firstError?: { code: string; message: string } }> {
    let failed = 0;
    let unsafe = 0;
    let firstError: { code: string; message: string } | undefined;
    for await (const item of w.container.listBlobsFlat({ includeMetadata: false })) {
      if (this.stopped) break;
      if (!matchBlobPath(w.pattern, item.name)) continue;
      if (!item.properties.etag) continue;
      const etag = quoteEtag(item.properties.etag);
      const key = `${w.functionId}|${w.pattern.container}/${item.name}`;
      if (this.completed.get(key) === etag) continue;
      if (blobNameProblem(item.name)) unsafe++;
      try {
        const done = await this.ensureEnqueued(
          w,
          item.name,
          etag,
          (item.properties.blobType as BlobTriggerMessage['BlobType']) ?? 'BlockBlob',
          item.properties.contentLength,
        );
        if (done) this.completed.set(key, etag);
      } catch (err) {
        failed++;
        const e = errorSummary(err, 'HOST_BLOB_ENQUEUE_FAILED');
        firstError ??= e;
        this.log.line(
          'error',
          'Host.Blobs',
          `Blob ${w.pattern.container}/${printableBlobName(item.name)} for ${w.fn.name} could not be queued (next scan retries it): ${e.code}: ${e.message}`,
        );
      }
    }
    return firstError ? { failed, unsafe, firstError } : { failed, unsafe };
  }

  /** The receipt protocol; true when the receipt for this ETag is completed (by us or before). */
  private async ensureEnqueued(w: Watched, blobName: string, etag: string, blobType: BlobTriggerMessage['BlobType'], contentLength?: number): Promise<boolean> {
    const receiptPath = receiptPathFor(this.opts.hostId, w.functionId, etag, w.pattern.container, blobName);
    const receipt = this.receipts.getBlockBlobClient(receiptPath);
    const isCompleted = async () => {
      try {
        const p = await receipt.getProperties();
        return metaGet(p.metadata, 'IsCompleted') === 'true';
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    };
    const state = await isCompleted();
    if (state === true) return true;
    if (state === undefined) {
      try {
        await receipt.upload('', 0, { conditions: { ifNoneMatch: '*' } });
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 412) throw err; // created concurrently: fine
      }
    }
    const lease = receipt.getBlobLeaseClient();
    try {
      await lease.acquireLease(RECEIPT_LEASE_SECONDS);
    } catch (err) {
      if (statusOf(err) === 409) return false; // another listener holds it; look again next scan
      throw err;
    }
    try {
      if ((await isCompleted()) === true) return true;
      const msg: BlobTriggerMessage = {
        Type: 'BlobTrigger',
        FunctionId: w.functionId,
        BlobType: blobType,
        ContainerName: w.pattern.container,
        BlobName: blobName,
        ETag: etag,
        ...(contentLength !== undefined ? { ContentLength: contentLength } : {}),
      };
      await this.queue.sendMessage(encodeMessage(msg));
      await receipt.setMetadata({ IsCompleted: 'true' }, { conditions: { leaseId: lease.leaseId } });
      this.wake?.();
      return true;
    } finally {
      await lease.releaseLease().catch(() => {});
    }
  }

  // ---- queue: invoke, retry, poison ----

  private async queueLoop(): Promise<void> {
    while (!this.stopped) {
      const free = this.opts.parallelism - this.running.size;
      let got = 0;
      if (free > 0) {
        try {
          const res = await this.queue.receiveMessages({ numberOfMessages: Math.min(32, free), visibilityTimeout: Math.ceil(this.opts.visibilityMs / 1000) });
          for (const m of res.receivedMessageItems) {
            got++;
            const p = this.process(m.messageId, m.popReceipt, m.messageText, m.dequeueCount).finally(() => {
              this.running.delete(p);
              this.wake?.();
            });
            this.running.add(p);
          }
        } catch (err) {
          this.log.line('warning', 'Host.Blobs', `Reading ${blobTriggerQueueName(this.opts.hostId)} failed (will retry): ${(err as Error).message}`);
        }
      }
      if (got === 0 || this.running.size >= this.opts.parallelism) await this.sleepOrWake(this.opts.queuePollMs);
    }
  }

  private async process(messageId: string, popReceipt: string, text: string, dequeueCount: number): Promise<void> {
    let receiptForDelete = popReceipt;
    const msg = decodeMessage(text);
    if (!msg) {
      this.log.line('error', 'Host.Blobs', `Dropping a malformed blob trigger message ${messageId}.`);
      await this.queue.deleteMessage(messageId, popReceipt).catch(() => {});
      return;
    }
    const w = this.watched.find((x) => x.functionId.toLowerCase() === msg.FunctionId.toLowerCase());
    if (!w) {
      this.log.line('warning', 'Host.Blobs', `No function ${msg.FunctionId} for a queued blob trigger message; dropping it.`);
      await this.queue.deleteMessage(messageId, popReceipt).catch(() => {});
      return;
    }
    // Keep the message invisible while the function runs (the real listener renews it too).
    const renew = setInterval(
      async () => {
        try {
          const r = await this.queue.updateMessage(messageId, receiptForDelete, undefined, Math.ceil(this.opts.visibilityMs / 1000));
          receiptForDelete = r.popReceipt!;
        } catch {
          // the next renewal or the final delete reports problems
        }
      },
      Math.max(1000, this.opts.visibilityMs / 2),
    );
    try {
      const request = await this.invocationFor(w, msg);
      if (!request) {
        await this.queue.deleteMessage(messageId, receiptForDelete);
        return;
      }
      try {
        await this.host.invoke(w.fn.name, request);
        await this.queue.deleteMessage(messageId, receiptForDelete);
      } catch (err) {
        if (dequeueCount >= this.opts.maxDequeueCount) {
          this.log.line(
            'error',
            'Host.Blobs',
            `Message for ${msg.ContainerName}/${printableBlobName(msg.BlobName)} (${w.fn.name}) failed ${dequeueCount} times; moving it to ${POISON_QUEUE}.`,
          );
          await this.poison.sendMessage(text);
          await this.queue.deleteMessage(messageId, receiptForDelete);
        } else {
          await this.queue.updateMessage(messageId, receiptForDelete, undefined, Math.ceil(this.opts.retryDelayMs / 1000));
        }
      }
    } catch (err) {
      this.log.line('warning', 'Host.Blobs', `Processing message ${messageId} failed (it will be retried): ${(err as Error).message}`);
    } finally {
      clearInterval(renew);
    }
  }

  /** The invocation for a queued blob, or undefined when there is nothing to trigger (gone, or changed since). */
  private async invocationFor(w: Watched, msg: BlobTriggerMessage): Promise<InvokeRequest | undefined> {
    const reason = `New blob detected(${w.eventGrid ? 'EventGrid' : 'LogsAndContainerScan'}): ${msg.ContainerName}/${printableBlobName(msg.BlobName)}`;
    const bindingData = matchBlobPath(w.pattern, msg.BlobName) ?? {};
    const problem = blobNameProblem(msg.BlobName);
    if (problem) {
      // The host does not read it (any client would address another blob), but the function still
      // runs, with no content and the name, so that the app can record the upload as rejected instead
      // of it vanishing. `BlobNameProblem` says why.
      this.log.line(
        'warning',
        'Host.Blobs',
        `Blob name ${msg.ContainerName}/${printableBlobName(msg.BlobName)} is not addressable (${problem.code}: ${problem.message}); the blob is not read, ${w.fn.name} runs with its name only.`,
      );
      const properties = { BlobType: msg.BlobType, ContentLength: msg.ContentLength, ETag: msg.ETag ? quoteEtag(msg.ETag) : undefined };
      const md: Record<string, RpcTypedData> = {
        BlobTrigger: { string: `${msg.ContainerName}/${msg.BlobName}` },
        Properties: { json: JSON.stringify(properties) },
        Metadata: { json: '{}' },
        BlobNameProblem: { json: JSON.stringify(problem) },
      };
      for (const [k, v] of Object.entries(bindingData)) md[k] = { string: v };
      return { inputData: [{ name: w.fn.triggerBindingName, data: {} }], triggerMetadata: md, reason };
    }
    const blob = w.container.getBlobClient(msg.BlobName);
    let data: RpcTypedData;
    let props: Awaited<ReturnType<typeof blob.getProperties>>;
    try {
      props = await blob.getProperties();
      if (msg.ETag && quoteEtag(props.etag ?? '') !== quoteEtag(msg.ETag)) {
        // The blob changed after it was queued: its new ETag gets its own receipt and message.
        this.log.line('debug', 'Host.Blobs', `Blob ${msg.ContainerName}/${msg.BlobName} changed since it was queued; skipping this version.`);
        return undefined;
      }
      // Deferred binding (app.storageBlob({..., sdkBinding: true})): the function gets the blob's
      // reference and reads it itself, so the host's memory does not depend on the blob's size. Otherwise
      // the bytes, whole, as the real host sends them to a Node worker.
      data = supportsDeferredBinding(w.fn)
        ? blobModelBindingData(String(w.fn.trigger.connection ?? '') || 'AzureWebJobsStorage', msg.ContainerName, msg.BlobName)
        : { bytes: await blob.downloadToBuffer(0, undefined, { conditions: msg.ETag ? { ifMatch: quoteEtag(msg.ETag) } : undefined }) };
    } catch (err) {
      if (statusOf(err) === 404 || statusOf(err) === 412) {
        this.log.line('debug', 'Host.Blobs', `Blob ${msg.ContainerName}/${msg.BlobName} is gone or changed; nothing to trigger.`);
        return undefined;
      }
      throw err;
    }
    return {
      inputData: [{ name: w.fn.triggerBindingName, data }],
      triggerMetadata: this.triggerMetadata(blob.url, msg, props, bindingData),
      reason,
    };
  }

  private triggerMetadata(
    url: string,
    msg: BlobTriggerMessage,
    props: {
      etag?: string;
      lastModified?: Date;
      createdOn?: Date;
      contentLength?: number;
      contentType?: string;
      contentMD5?: Uint8Array;
      blobType?: string;
      metadata?: Record<string, string>;
    },
    bindingData: Record<string, string>,
  ): Record<string, RpcTypedData> {
    const properties = {
      BlobType: props.blobType ?? msg.BlobType,
      ContentLength: props.contentLength,
      ContentType: props.contentType,
      ContentMD5: props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : undefined,
      ETag: props.etag ? quoteEtag(props.etag) : undefined,
      LastModified: props.lastModified?.toISOString(),
      CreatedOn: props.createdOn?.toISOString(),
    };
    const md: Record<string, RpcTypedData> = {
      BlobTrigger: { string: `${msg.ContainerName}/${msg.BlobName}` },
      Uri: { string: url },
      Properties: { json: JSON.stringify(properties) },
      Metadata: { json: JSON.stringify(props.metadata ?? {}) },
    };
    for (const [k, v] of Object.entries(bindingData)) md[k] = { string: v };
    return md;
  }

  // ---- Event Grid webhook ----

  private async handleEventGrid(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const reply = (status: number, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, body === undefined ? { 'content-length': 0 } : { 'content-type': 'application/json; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'POST' && req.method !== 'OPTIONS')
      return reply(405, { error: { code: 'HOST_METHOD_NOT_ALLOWED', message: 'POST Event Grid events here.' } });
    const functionName = url.searchParams.get('functionName') ?? '';
    const w = this.watched.find((x) => x.eventGrid && x.functionId.toLowerCase() === functionName.toLowerCase());
    if (!w)
      return reply(404, {
        error: { code: 'HOST_NO_EVENTGRID_FUNCTION', message: `No blob trigger with source EventGrid named "${functionName}" (use Host.Functions.NAME).` },
      });
    // CloudEvents abuse-protection handshake
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'webhook-allowed-origin': String(req.headers['webhook-request-origin'] ?? '*') });
      return void res.end();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1024 * 1024) return reply(413, { error: { code: 'HOST_BODY_TOO_LARGE', message: 'Event batches are limited to 1 MB.' } });
      chunks.push(c as Buffer);
    }
    let events: any[];
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      events = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      return reply(400, { error: { code: 'HOST_BAD_EVENT', message: 'The body is not JSON.' } });
    }
    const type = (e: any) => String(e?.eventType ?? e?.type ?? '');
    const validation = events.find((e) => type(e) === 'Microsoft.EventGrid.SubscriptionValidationEvent');
    if (String(req.headers['aeg-event-type'] ?? '').toLowerCase() === 'subscriptionvalidation' || validation) {
      const code = validation?.data?.validationCode;
      if (typeof code !== 'string') return reply(400, { error: { code: 'HOST_BAD_EVENT', message: 'Validation event without data.validationCode.' } });
      return reply(200, { validationResponse: code });
    }
    let queued = 0;
    let failed = 0;
    let firstError: { code: string; message: string } | undefined;
    for (const e of events) {
      if (type(e) !== 'Microsoft.Storage.BlobCreated') continue;
      const blobName = this.blobNameFromEvent(e, w.pattern.container);
      if (!blobName || !matchBlobPath(w.pattern, blobName)) continue;
      try {
        if (await this.enqueueEvent(w, e, blobName)) queued++;
      } catch (err) {
        // One event that fails does not drop the rest of the batch; the batch is answered 503 so that
        // Event Grid delivers it again (the function runs at least once per blob, as with the scan).
        failed++;
        firstError ??= errorSummary(err, 'HOST_BLOB_ENQUEUE_FAILED');
        this.log.line(
          'error',
          'Host.Blobs',
          `Event for ${w.pattern.container}/${printableBlobName(blobName)} (${w.fn.name}) could not be queued: ${firstError.code}: ${firstError.message}`,
        );
      }
    }
    this.wake?.();
    if (failed > 0)
      return reply(503, {
        queued,
        failed,
        error: { code: 'HOST_EVENT_NOT_QUEUED', message: `${failed} event(s) could not be queued (first: ${firstError!.code}); deliver the batch again.` },
      });
    reply(202, { queued });
  }

  /** Queues one BlobCreated event; false when the blob is gone already. */
  private async enqueueEvent(w: Watched, e: any, blobName: string): Promise<boolean> {
    let etag = typeof e?.data?.eTag === 'string' ? e.data.eTag : undefined;
    const size = typeof e?.data?.contentLength === 'number' ? e.data.contentLength : undefined;
    // A name that cannot be addressed is passed on from the event alone (never looked up by name).
    if (!blobNameProblem(blobName)) {
      try {
        const p = await w.container.getBlobClient(blobName).getProperties();
        etag = p.etag ? quoteEtag(p.etag) : etag;
      } catch (err) {
        if (statusOf(err) === 404) return false; // deleted since: nothing to do
        throw err;
      }
    }
    const msg: BlobTriggerMessage = {
      Type: 'BlobTrigger',
      FunctionId: w.functionId,
      BlobType: 'BlockBlob',
      ContainerName: w.pattern.container,
      BlobName: blobName,
      ETag: etag ?? '',
      ...(size !== undefined ? { ContentLength: size } : {}),
    };
    await this.queue.sendMessage(encodeMessage(msg));
    return true;
  }

  private blobNameFromEvent(e: any, container: string): string | undefined {
    const subject = String(e?.subject ?? '');
    const m = /\/containers\/([^/]+)\/blobs\/(.+)$/.exec(subject);
    if (m) return m[1] === container ? m[2] : undefined;
    const u = e?.data?.url;
    if (typeof u === 'string') {
      try {
        // Split the raw path: a URL parser would collapse `..` segments and hide what the name really is.
        const raw = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\/([^?#]*)/i.exec(u)?.[1];
        if (raw === undefined) return undefined;
        const parts = raw.split('/').map(decodeURIComponent);
        // Azurite URLs carry the account name first: /devstoreaccount1/container/blob
        const i = parts.indexOf(container);
        if (i >= 0 && i < parts.length - 1) return parts.slice(i + 1).join('/');
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

/**
 * The receipt's blob path: the extension's layout for addressable names; for a name that is not
 * (dot segments, backslashes...), its sha256 stands in, so the receipt can only ever land in the
 * host's own container.
 */
export function receiptPathFor(hostId: string, functionId: string, etag: string, container: string, blobName: string): string {
  const prefix = `blobreceipts/${hostId}/${functionId}/${etag.replace(/"/g, '')}/${container}/`;
  if (!blobNameProblem(blobName)) return prefix + blobName;
  return `${prefix}$unaddressable/${createHash('sha256').update(blobName, 'utf8').digest('hex')}`;
}

/** The trigger binding asks for a reference instead of the content (the library's `sdkBinding: true`). */
export function supportsDeferredBinding(fn: RegisteredFunction): boolean {
  const props = fn.trigger.properties as Record<string, unknown> | undefined;
  return String(props?.supportsDeferredBinding ?? '').toLowerCase() === 'true';
}

/**
 * The Storage extension's reference to a blob for SDK-type bindings: source AzureStorageBlobs, JSON
 * content naming the connection setting (not its value), the container and the blob.
 */
export function blobModelBindingData(connection: string, container: string, blobName: string): RpcTypedData {
  const content = Buffer.from(JSON.stringify({ Connection: connection, ContainerName: container, BlobName: blobName }), 'utf8');
  return { modelBindingData: { version: '1.0', source: 'AzureStorageBlobs', contentType: 'application/json', content } };
}

/** The listed container is missing (404 ContainerNotFound), as opposed to a 404 for something inside it. */
function isContainerNotFound(err: unknown): boolean {
  const e = err as { code?: string; details?: { errorCode?: string } };
  const code = e.code ?? e.details?.errorCode;
  return code === undefined || code === 'ContainerNotFound';
}

function errorSummary(err: unknown, fallback: string): { code: string; message: string } {
  const e = err as { code?: string; message?: string };
  const status = statusOf(err);
  const code = typeof e.code === 'string' && e.code ? e.code : status ? `HTTP_${status}` : fallback;
  return {
    code,
    message: String(e.message ?? err)
      .split('\n')[0]
      .slice(0, 300),
  };
}

export function createBlobTriggerProvider(log: ConsoleLog, config: HostConfig, hostId: string, settings: NodeJS.ProcessEnv = process.env): Provider {
  return new BlobTriggerProvider(log, blobTriggerOptions(settings, config, hostId));
}
