import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import type { AutoMLJobStatus } from './types';
import { containerClient, ensureContainer, isConflict } from '../storage/clients';
import { JOB_OUTPUT_FILES, type AutoMLJobOutput, type AutoMLJobResult, type AutoMLJobSpec, type AutoMLProvider } from './provider';

export const REGISTRY = 'registry';

/** status.json of a local job, written by the worker (and once by submit). */
export interface LocalJobState extends AutoMLJobStatus {
  jobId: string;
  pid?: number;
  submittedAt: string;
  /** Last sign of life of the worker (ISO time). */
  heartbeat: string;
}

export function jobPrefix(jobId: string): string {
  const runId = jobId.replace(/\.a\d+$/, '');
  return `runs/${runId}/automl/${jobId}/`;
}

/** The compiled file next to this module (ts-jest runs src/, child processes need dist/). */
export function compiledSibling(dir: string, file: string): string {
  const direct = path.join(dir, file);
  if (fs.existsSync(direct)) return direct;
  const rel = path.relative(path.resolve(__dirname, '../..'), dir);
  return path.join(path.resolve(__dirname, '../..'), 'dist', rel, file);
}

/**
 * Runs the TypeScript AutoML engine in a worker process per job. Job state lives in blob storage
 * (status.json beside the outputs), so a restarted host reads it back; a worker that stops beating
 * (host killed, worker crashed) is reported failed and retryable, and the orchestration resubmits.
 */
export class LocalAutoMLProvider implements AutoMLProvider {
  readonly name = 'local';
  private readonly blobs: ContainerClient;
  private readonly children = new Map<string, ChildProcess>();

  constructor(
    private readonly connectionString: string,
    private readonly opts: { staleSeconds?: number; logDir?: string; container?: string } = {},
  ) {
    this.blobs = containerClient(connectionString, opts.container ?? REGISTRY);
  }

  async result(jobId: string): Promise<AutoMLJobOutput> {
    const prefix = jobPrefix(jobId);
    const read = (f: string) => this.blobs.getBlobClient(prefix + f).downloadToBuffer();
    const artifacts = {} as AutoMLJobOutput['artifacts'];
    for (const f of JOB_OUTPUT_FILES) artifacts[f] = f === 'model.onnx' ? await read(f) : (await read(f)).toString('utf8');
    return { result: JSON.parse(artifacts['result.json'] as string) as AutoMLJobResult, artifacts };
  }

  async submit(spec: AutoMLJobSpec): Promise<{ jobId: string }> {
    await ensureContainer(this.blobs);
    // A resubmission replaces the previous attempt: make sure its worker is not still training.
    if (spec.attempt > 0) await this.cancel(`${spec.runId}.a${spec.attempt - 1}`);
    const jobId = `${spec.runId}.a${spec.attempt}`;
    const now = new Date().toISOString();
    const initial: LocalJobState = { jobId, state: 'queued', trials: 0, elapsedSeconds: 0, submittedAt: now, heartbeat: now };
    const body = JSON.stringify(initial);
    try {
      // Only the first submit of this attempt creates the state and starts a worker.
      await this.blobs.getBlockBlobClient(jobPrefix(jobId) + 'status.json').upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      if (isConflict(err)) return { jobId };
      throw err;
    }
    this.start(jobId, spec);
    return { jobId };
  }

  private start(jobId: string, spec: AutoMLJobSpec): void {
    const worker = compiledSibling(__dirname, 'worker.js');
    let stdio: ('ignore' | number)[] = ['ignore', 'ignore', 'ignore'];
    if (this.opts.logDir) {
      fs.mkdirSync(this.opts.logDir, { recursive: true });
      const fd = fs.openSync(path.join(this.opts.logDir, `${jobId}.log`), 'a');
      stdio = ['ignore', fd, fd];
    }
    const child = spawn(process.execPath, [worker], {
      stdio,
      env: {
        ...process.env,
        MLOPS_JOB_ID: jobId,
        MLOPS_JOB_SPEC: JSON.stringify(spec),
        MLOPS_JOB_STORAGE: this.connectionString,
        MLOPS_JOB_CONTAINER: this.blobs.containerName,
      },
    });
    for (const fd of new Set(stdio)) if (typeof fd === 'number') fs.closeSync(fd); // the child has its own copy (stdout and stderr share one)
    this.children.set(jobId, child);
    child.once('exit', () => this.children.delete(jobId));
    // A worker that cannot start (EAGAIN, EMFILE) shows as a failed, retryable job, not a crash.
    child.once('error', (err) => {
      this.children.delete(jobId);
      void this.writeState(jobId, { state: 'failed', retryable: true, error: { code: 'WORKER_SPAWN_FAILED', message: err.message } }).catch(() => undefined);
    });
  }

  async status(jobId: string): Promise<AutoMLJobStatus> {
    let st: LocalJobState;
    try {
      st = JSON.parse((await this.blobs.getBlobClient(jobPrefix(jobId) + 'status.json').downloadToBuffer()).toString('utf8'));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        return { state: 'failed', trials: 0, elapsedSeconds: 0, retryable: true, error: { code: 'JOB_NOT_FOUND', message: `job ${jobId} has no state` } };
      }
      throw err;
    }
    const { jobId: _id, pid: _pid, submittedAt: _s, heartbeat, ...status } = st;
    // The worker's heartbeat shares its main thread with featurization and refits: allow long pauses.
    const staleMs = (this.opts.staleSeconds ?? 120) * 1000;
    if ((st.state === 'running' || st.state === 'queued') && Date.now() - Date.parse(heartbeat) > staleMs) {
      return {
        ...status,
        state: 'failed',
        retryable: true,
        error: { code: 'WORKER_LOST', message: `the AutoML worker stopped reporting (last heartbeat ${heartbeat})` },
      };
    }
    return status;
  }

  private async readState(jobId: string): Promise<LocalJobState | undefined> {
    try {
      return JSON.parse((await this.blobs.getBlobClient(jobPrefix(jobId) + 'status.json').downloadToBuffer()).toString('utf8'));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  private async writeState(jobId: string, patch: Partial<LocalJobState>): Promise<void> {
    const cur = await this.readState(jobId);
    const next = { ...(cur ?? { jobId, trials: 0, elapsedSeconds: 0, submittedAt: new Date().toISOString() }), ...patch, heartbeat: new Date().toISOString() };
    const body = JSON.stringify(next);
    await this.blobs.getBlockBlobClient(jobPrefix(jobId) + 'status.json').upload(body, Buffer.byteLength(body));
  }

  /**
   * Stops a job's worker: the one this process started, or, after a host restart, the pid its state
   * names, but only if that pid is still an AutoML worker (pids are reused).
   */
  async cancel(jobId: string): Promise<void> {
    const child = this.children.get(jobId);
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      return;
    }
    const st = await this.readState(jobId);
    if (!st?.pid || st.state === 'completed' || st.state === 'failed') return;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8');
    } catch {
      return; // gone, or not a system with /proc: nothing we can safely signal
    }
    if (cmdline.includes(path.join('training', 'worker.js')) && cmdline.includes(process.execPath.split(path.sep).pop()!)) {
      try {
        process.kill(st.pid, 'SIGTERM');
      } catch {
        /* exited meanwhile */
      }
    }
  }

  /** Stops every worker this process started (host shutdown). */
  async stopAll(): Promise<void> {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  }
}
