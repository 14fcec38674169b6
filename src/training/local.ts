import { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import type { AutoMLJobStatus } from './types';
import { containerClient, ensureContainer, isConflict } from '../storage/clients';
import { childEnv, environOf, findOrphans, pidAlive, runsScript, spawnNode, stopPid, type Env } from '../supervisor/process';
import { JOB_OUTPUT_FILES, type AutoMLJobOutput, type AutoMLJobResult, type AutoMLJobSpec, type AutoMLProvider } from './provider';

export const REGISTRY = 'registry';

/** status.json of a local job, written by the worker (and once by submit). */
export interface LocalJobState extends AutoMLJobStatus {
  jobId: string;
  pid?: number;
  /** Machine the worker runs on: its pid means something only there. */
  host?: string;
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
    private readonly opts: { staleSeconds?: number; logDir?: string; container?: string; env?: Env } = {},
  ) {
    this.blobs = containerClient(connectionString, opts.container ?? REGISTRY);
    this.owner = createHash('sha256').update(`${connectionString}|${this.blobs.containerName}`).digest('hex').slice(0, 32);
  }

  /** Identifies this provider's workers (same storage and container) without putting a secret in a name. */
  private readonly owner: string;

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
    const base = this.opts.env ?? {};
    // An identity-based connection (`identity:SETTING`) needs the SETTING__* values in the worker.
    const identity = this.connectionString.startsWith('identity:') ? this.connectionString.slice('identity:'.length) : undefined;
    const passed: Record<string, string> = {};
    if (identity) for (const [k, v] of Object.entries(base)) if (v !== undefined && k.startsWith(`${identity}__`)) passed[k] = v;
    const child = spawnNode({
      script: compiledSibling(__dirname, 'worker.js'),
      logFile: this.opts.logDir ? path.join(this.opts.logDir, `${jobId}.log`) : undefined,
      env: childEnv(base, {
        ...passed,
        MLOPS_JOB_ID: jobId,
        MLOPS_JOB_SPEC: JSON.stringify(spec),
        MLOPS_JOB_STORAGE: this.connectionString,
        MLOPS_JOB_CONTAINER: this.blobs.containerName,
        MLOPS_JOB_OWNER: this.owner,
      }),
    });
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
    const { jobId: _id, pid, host, submittedAt: _s, heartbeat, ...status } = st;
    // A worker this process did not start and that no longer runs (the host crashed and restarted,
    // the orphan was stopped at start) is lost now: no need to wait for its heartbeat to go stale.
    if ((st.state === 'running' || st.state === 'queued') && pid && host === os.hostname() && !this.children.has(jobId) && !this.isOurWorker(pid, jobId)) {
      return { ...status, state: 'failed', retryable: true, error: { code: 'WORKER_LOST', message: `the AutoML worker (pid ${pid}) is gone` } };
    }
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
    if (this.isOurWorker(st.pid, jobId)) await stopPid(st.pid, 5000);
  }

  /** True when `pid` is still the worker of `jobId` (pids are reused). */
  private isOurWorker(pid: number, jobId: string): boolean {
    return pidAlive(pid) && runsScript(pid, path.join('training', 'worker.js')) && environOf(pid, 'MLOPS_JOB_ID') === jobId;
  }

  /**
   * Host start: workers a crashed incarnation of this host left running (their parent is gone) are
   * stopped, so their jobs show as lost at the next poll and are resubmitted at once.
   */
  async sweepOrphans(): Promise<number[]> {
    const orphans = findOrphans(path.join('training', 'worker.js'), { name: 'MLOPS_JOB_OWNER', value: this.owner });
    await Promise.all(orphans.map((pid) => stopPid(pid, 5000)));
    return orphans;
  }

  /** Stops every worker this process started (host shutdown). */
  async stopAll(): Promise<void> {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  }
}
