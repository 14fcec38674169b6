/**
 * The local deployment target: each deployment is its own Node process (endpointServer.js) serving
 * the ONNX model on a loopback port. This target spawns, tracks and stops those processes by PID and
 * keeps their records in Table storage, so a restarted host brings them back (restore()).
 *
 * Ownership: a child reads its configuration (keys included) from stdin and exits when stdin closes,
 * so endpoint processes never outlive the host that started them. A process found alive at restore
 * time is adopted only if its GET / answers with the instance id written in its record.
 */
import { ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containerClient } from '../storage/clients';
import { childEnv, findOrphans, pidAlive, spawnNode, stopPid, type Env } from '../supervisor/process';
import { inputSchemaFromOnnx } from '../contract/schema';
import { ScoringError } from '../contract/errors';
import { notifyDeploymentsChanged } from './changes';
import { EndpointConfig, ModelLocation } from './endpoint';
import { DeploymentKeys, generateKey, generateKeys } from './keys';
import { compactHints, DeploymentRecord, DeploymentStore, publicView } from './store';
import { Deployment, DEPLOYMENT_NAME, DeployError, DeploymentSpec, DeploymentTarget, defaultModelSource, ModelSource, RetireOptions } from './target';

export interface LocalTargetOptions {
  /** Storage holding the `deployments` table and the `registry` container. */
  connectionString: string;
  tableName?: string;
  /** Interface the endpoints listen on. */
  host?: string;
  readyTimeoutMs?: number;
  /** Default drain time of retire(): longer than the proxy's champion cache. */
  drainMs?: number;
  /** Grace for in-flight requests after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  endpoint?: Pick<EndpointConfig, 'maxBodyBytes' | 'maxRows' | 'threads'>;
  /** Receives the endpoints' stderr lines and the target's own notes (never keys). */
  log?: (level: 'info' | 'warning' | 'error', message: string) => void;
  /** Path of the compiled endpointServer.js (default: found next to this module in dist/). */
  serverScript?: string;
  /**
   * Restarts of a crashed endpoint within `restartWindowMs` before it is left `failed` (default 3 in
   * 10 minutes; 0 = never restart).
   */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** The environment endpoint processes inherit (secret-looking names removed); default none. */
  env?: Env;
}

interface Running {
  pid: number;
  child?: ChildProcess;
  instanceId: string;
  port: number;
  exited: Promise<void>;
  stopping: boolean;
  /** Pending command acknowledgements from the process, by command id. */
  acks: Map<string, (ok: boolean) => void>;
}

/** dist/src/deploy/endpointServer.js, whether this module runs compiled or from source (ts-jest). */
export function endpointServerScript(): string {
  const here = __filename.endsWith('.ts') ? path.resolve(__dirname, '..', '..', 'dist', 'src', 'deploy') : __dirname;
  return path.join(here, 'endpointServer.js');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment variable that marks an endpoint process as this target's (see the orphan sweep). */
const ENDPOINT_OWNER = 'MLOPS_ENDPOINT_OWNER';

export class LocalDeploymentTarget implements DeploymentTarget {
  readonly store: DeploymentStore;
  private readonly running = new Map<string, Running>();
  private readonly crashes = new Map<string, number[]>();
  private readonly pendingWork = new Set<Promise<void>>();
  private closed = false;
  private readonly opts: Required<Pick<LocalTargetOptions, 'host' | 'readyTimeoutMs' | 'drainMs' | 'stopTimeoutMs'>> & LocalTargetOptions;

  /**
   * Marks this target's endpoint processes (MLOPS_ENDPOINT_OWNER in their environment): the orphan
   * sweep stops only the processes of this storage and table, never another app's.
   */
  private readonly owner: string;

  constructor(opts: LocalTargetOptions) {
    this.opts = { host: '127.0.0.1', readyTimeoutMs: 30000, drainMs: 2000, stopTimeoutMs: 15000, ...opts };
    this.store = new DeploymentStore(opts.connectionString, opts.tableName);
    this.owner = createHash('sha256')
      .update(`${opts.connectionString}|${opts.tableName ?? 'deployments'}`)
      .digest('hex')
      .slice(0, 32);
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.opts.log?.(level, message);
  }

  async deploy(spec: DeploymentSpec): Promise<Deployment> {
    if (typeof spec.name !== 'string' || !DEPLOYMENT_NAME.test(spec.name)) {
      throw new DeployError(400, 'INVALID_NAME', 'a deployment name has 1-63 letters, digits or dashes and starts with a letter or digit');
    }
    if (!spec.modelName || spec.modelVersion === undefined || spec.modelVersion === '') {
      throw new DeployError(400, 'INVALID_SPEC', 'modelName and modelVersion are required');
    }
    const existing = await this.store.get(spec.name);
    if (existing && existing.status !== 'retired' && existing.status !== 'failed') {
      throw new DeployError(409, 'DEPLOYMENT_EXISTS', `deployment '${spec.name}' exists and is ${existing.status}`);
    }
    const source = spec.model ?? defaultModelSource(spec.modelName, spec.modelVersion);
    const bytes = await this.loadModel(source);
    // The schema, the endpoint's swagger and the record all use the same (size-capped) hints.
    const hints = compactHints(spec.hints);
    let schema;
    try {
      schema = inputSchemaFromOnnx(bytes, hints);
    } catch (err) {
      if (err instanceof ScoringError) throw new DeployError(422, err.code, err.message);
      throw err;
    }
    const now = new Date().toISOString();
    const record: DeploymentRecord = {
      name: spec.name,
      modelName: spec.modelName,
      modelVersion: String(spec.modelVersion),
      status: 'starting',
      url: '',
      port: 0,
      pid: 0,
      champion: false,
      createdAt: now,
      updatedAt: now,
      target: 'local',
      schema,
      model: source,
      keys: generateKeys(),
      instanceId: randomUUID(),
      hints,
    };
    await this.store.create(record, existing?.etag);
    try {
      const proc = await this.startProcess(record, bytes, 0);
      await this.store.update(record.name, { status: 'running', port: proc.port, pid: proc.pid, url: this.urlOf(proc.port), error: '' });
    } catch (err) {
      await this.stopProcess(record.name).catch(() => undefined);
      await this.store.update(record.name, { status: 'failed', pid: 0, url: '', error: (err as Error).message }).catch(() => undefined);
      throw err instanceof DeployError ? err : new DeployError(500, 'DEPLOY_FAILED', `deployment '${record.name}' did not start: ${(err as Error).message}`);
    }
    this.log('info', `deployment ${record.name} (${record.modelName} v${record.modelVersion}) running on ${this.urlOf(this.running.get(record.name)!.port)}`);
    return (await this.get(record.name))!;
  }

  async retire(name: string, opts: RetireOptions = {}): Promise<void> {
    const rec = await this.store.get(name);
    if (!rec) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
    if (rec.status === 'retired') return;
    if (rec.champion) {
      if (!opts.force) throw new DeployError(409, 'IS_CHAMPION', `deployment '${name}' is the champion; promote another one first`);
      await this.store.clearChampion(name);
      notifyDeploymentsChanged();
    }
    await this.store.update(name, { status: 'draining' });
    const drainMs = opts.drainMs ?? this.opts.drainMs;
    if (drainMs > 0) await sleep(drainMs);
    await this.stopProcess(name, rec);
    await this.store.update(name, { status: 'retired', pid: 0, url: '', keys: { primary: '', secondary: '' } });
    this.log('info', `deployment ${name} retired`);
  }

  async list(): Promise<Deployment[]> {
    return (await this.store.list()).map(publicView);
  }

  async get(name: string): Promise<Deployment | undefined> {
    const r = await this.store.get(name);
    return r ? publicView(r) : undefined;
  }

  async keys(name: string): Promise<DeploymentKeys> {
    const r = await this.store.get(name);
    if (!r || r.status === 'retired') throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no active deployment '${name}'`);
    return { ...r.keys };
  }

  /**
   * Replaces one key of a running deployment (the other keeps working, so clients can switch over).
   * The endpoint process learns the new keys over its stdin; a process this target did not start is
   * restarted with them. Rotating the primary key moves the proxy to the new key at once in this
   * process (other processes within their champion cache time).
   */
  async regenerateKey(name: string, which: 'primary' | 'secondary'): Promise<DeploymentKeys> {
    if (which !== 'primary' && which !== 'secondary') throw new DeployError(400, 'INVALID_KEY_NAME', "the key to regenerate is 'primary' or 'secondary'");
    const rec = await this.store.get(name);
    if (!rec || rec.status !== 'running') throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no running deployment '${name}'`);
    const keys: DeploymentKeys = { ...rec.keys, [which]: generateKey() };
    const r = this.running.get(name);
    if (r?.child && r.child.stdin?.writable) {
      const id = randomUUID();
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10000);
        r.acks.set(id, (v) => {
          clearTimeout(timer);
          resolve(v);
        });
        r.child!.stdin!.write(JSON.stringify({ command: 'setKeys', id, keys }) + '\n');
      });
      r.acks.delete(id);
      if (!ok) throw new DeployError(500, 'KEY_ROTATION_FAILED', `deployment '${name}' did not take the new keys`);
      await this.store.update(name, { keys });
    } else {
      // Not 'running' while it restarts, so no other owner takes the exit for a crash.
      await this.store.update(name, { status: 'starting', keys });
      await this.stopProcess(name, rec);
      await this.respawn({ ...rec, keys });
    }
    if (which === 'primary') notifyDeploymentsChanged();
    this.log('info', `deployment ${name}: ${which} key regenerated`);
    return keys;
  }

  async restore(): Promise<Deployment[]> {
    const restored: Deployment[] = [];
    for (const rec of await this.store.list()) {
      if (rec.status === 'draining') {
        // The host stopped half-way through a retirement: finish it.
        await this.stopProcess(rec.name, rec).catch(() => undefined);
        await this.store.update(rec.name, { status: 'retired', pid: 0, url: '', keys: { primary: '', secondary: '' } });
        continue;
      }
      if (rec.status !== 'running' && rec.status !== 'starting') continue;
      try {
        const mine = this.running.get(rec.name);
        if (mine && pidAlive(mine.pid)) {
          restored.push(publicView(rec));
          continue;
        }
        if (await this.adopt(rec)) {
          this.log('info', `deployment ${rec.name}: adopted running process ${rec.pid}`);
        } else {
          const proc = await this.respawn(rec);
          this.log('info', `deployment ${rec.name}: restarted as process ${proc.pid} on port ${proc.port}`);
        }
        restored.push((await this.get(rec.name))!);
      } catch (err) {
        this.log('error', `deployment ${rec.name} could not be restored: ${(err as Error).message}`);
        await this.store.update(rec.name, { status: 'failed', pid: 0, url: '', error: `restore failed: ${(err as Error).message}` }).catch(() => undefined);
      }
    }
    const swept = await this.sweepOrphans();
    if (swept.length) this.log('warning', `stopped ${swept.length} endpoint process(es) a previous host left behind with no deployment: ${swept.join(', ')}`);
    return restored;
  }

  /**
   * After restore: endpoint processes of this target whose host died (re-parented) and that no record
   * adopted, e.g. one started by a deploy the crash interrupted before its record was written. They
   * serve nothing anyone can reach through the app, so they are stopped (SIGTERM, SIGKILL after the grace).
   */
  async sweepOrphans(): Promise<number[]> {
    const ours = new Set([...this.running.values()].map((r) => r.pid));
    const orphans = findOrphans(path.join('deploy', 'endpointServer.js'), { name: ENDPOINT_OWNER, value: this.owner }).filter((pid) => !ours.has(pid));
    await Promise.all(orphans.map((pid) => stopPid(pid, this.opts.stopTimeoutMs)));
    return orphans;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pendingWork]);
    await Promise.all([...this.running.keys()].map((name) => this.stopProcess(name)));
  }

  /** PIDs of the endpoint processes this target currently runs (for operators and tests). */
  pids(): Record<string, number> {
    return Object.fromEntries([...this.running].map(([n, r]) => [n, r.pid]));
  }

  private urlOf(port: number): string {
    return `http://${this.opts.host}:${port}`;
  }

  private async loadModel(source: ModelSource): Promise<Uint8Array> {
    try {
      if ('file' in source) return await fs.promises.readFile(source.file);
      const blob = containerClient(this.opts.connectionString, source.container ?? 'registry').getBlobClient(source.blob);
      return await blob.downloadToBuffer();
    } catch (err) {
      const e = err as { statusCode?: number; code?: string };
      if (e.statusCode === 404 || e.code === 'ENOENT') {
        throw new DeployError(
          404,
          'MODEL_NOT_FOUND',
          `model not found: ${'file' in source ? path.basename(source.file) : `${source.container ?? 'registry'}/${source.blob}`}`,
        );
      }
      throw err;
    }
  }

  /** Is the recorded process still ours (same instance id on its port)? Then track it by PID. */
  private async adopt(rec: DeploymentRecord): Promise<boolean> {
    if (!rec.pid || !rec.port || !pidAlive(rec.pid)) return false;
    if (!(await this.instanceAnswers(rec.port, rec.instanceId))) return false;
    const pid = rec.pid;
    this.running.set(rec.name, {
      pid,
      instanceId: rec.instanceId,
      port: rec.port,
      stopping: false,
      acks: new Map(),
      exited: (async () => {
        while (pidAlive(pid)) await sleep(100);
      })(),
    });
    return true;
  }

  private async instanceAnswers(port: number, instanceId: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.urlOf(port)}/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return !!instanceId && res.headers.get('x-endpoint-instance') === instanceId;
    } catch {
      return false;
    }
  }

  private startProcess(rec: DeploymentRecord, bytes: Uint8Array, port: number): Promise<Running> {
    const script = this.opts.serverScript ?? endpointServerScript();
    if (!fs.existsSync(script)) {
      return Promise.reject(new DeployError(500, 'SERVER_NOT_BUILT', 'the endpoint server is not compiled: run `npm run build`'));
    }
    const model: ModelLocation = { base64: Buffer.from(bytes).toString('base64') };
    const config: EndpointConfig = {
      name: rec.name,
      modelName: rec.modelName,
      modelVersion: rec.modelVersion,
      model,
      keys: rec.keys,
      hints: rec.hints,
      host: this.opts.host,
      port,
      instanceId: rec.instanceId,
      ...this.opts.endpoint,
    };
    // The endpoint reads its configuration (keys included) from stdin: nothing secret in its environment.
    const child = spawnNode({ script, stdio: 'pipe', env: childEnv(this.opts.env ?? {}, { [ENDPOINT_OWNER]: this.owner }, /^ENDPOINT_/) });
    const pid = child.pid;
    return new Promise<Running>((resolve, reject) => {
      let settled = false;
      let stdoutBuf = '';
      let stderrTail = '';
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(new DeployError(500, 'DEPLOY_FAILED', `${why}${stderrTail.trim() ? `: ${stderrTail.trim().slice(-500)}` : ''}`));
      };
      const timer = setTimeout(() => fail(`endpoint did not become ready within ${this.opts.readyTimeoutMs} ms`), this.opts.readyTimeoutMs);
      child.stdin!.on('error', () => undefined);
      child.stderr!.on('data', (c: Buffer) => {
        const text = c.toString('utf8');
        stderrTail = (stderrTail + text).slice(-4000);
        if (settled) for (const line of text.split('\n')) if (line.trim()) this.log('warning', `[${rec.name}] ${line}`);
      });
      let running: Running | undefined;
      child.stdout!.on('data', (c: Buffer) => {
        stdoutBuf += c.toString('utf8');
        let nl: number;
        while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
          const line = stdoutBuf.slice(0, nl);
          stdoutBuf = stdoutBuf.slice(nl + 1);
          let msg: { event?: string; port?: number; id?: string; ok?: boolean } | undefined;
          try {
            msg = JSON.parse(line);
          } catch {
            continue;
          }
          if (msg?.event === 'keys' && running && typeof msg.id === 'string') {
            running.acks.get(msg.id)?.(msg.ok === true);
          } else if (!settled && msg?.event === 'ready' && typeof msg.port === 'number' && pid) {
            settled = true;
            clearTimeout(timer);
            running = { pid, child, instanceId: rec.instanceId, port: msg.port, exited, stopping: false, acks: new Map() };
            this.running.set(rec.name, running);
            const r = running;
            child.once('exit', (code, signal) => this.onExit(rec.name, r, code, signal));
            resolve(running);
          }
        }
      });
      child.once('error', (err) => fail(`endpoint process failed: ${err.message}`));
      child.once('exit', (code, signal) => fail(`endpoint exited before it was ready (${signal ?? `code ${code}`})`));
      child.stdin!.write(JSON.stringify(config) + '\n');
    });
  }

  /** Starts a new process for a record (same keys; its old port when free) and records it. */
  private async respawn(rec: DeploymentRecord): Promise<Running> {
    const bytes = await this.loadModel(rec.model);
    const instanceId = randomUUID();
    const fresh = { ...rec, instanceId };
    let proc: Running;
    try {
      proc = await this.startProcess(fresh, bytes, rec.port);
    } catch {
      // The old port may be taken meanwhile: any free port will do (the proxy reads the URL from the record).
      proc = await this.startProcess(fresh, bytes, 0);
    }
    await this.store.update(rec.name, { status: 'running', port: proc.port, pid: proc.pid, url: this.urlOf(proc.port), instanceId, error: '' });
    return proc;
  }

  /**
   * An endpoint that dies on its own is restarted (a few times per window), then left `failed`. A stop
   * we asked for is not a crash; a record that no longer points at this process is not ours to touch.
   */
  private onExit(name: string, r: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.running.get(name) === r) this.running.delete(name);
    if (r.stopping || this.closed) return;
    const why = `endpoint process ${r.pid} exited (${signal ?? `code ${code}`})`;
    this.log('error', `deployment ${name}: ${why}`);
    const now = Date.now();
    const window = this.opts.restartWindowMs ?? 600000;
    const recent = (this.crashes.get(name) ?? []).filter((t) => now - t < window);
    recent.push(now);
    this.crashes.set(name, recent);
    const canRestart = recent.length <= (this.opts.maxRestarts ?? 3);
    const work = (async () => {
      const rec = await this.store.get(name);
      if (!rec || rec.pid !== r.pid || rec.status !== 'running') return;
      if (canRestart) {
        try {
          const proc = await this.respawn(rec);
          this.log('warning', `deployment ${name}: restarted after a crash as process ${proc.pid} (${recent.length} crash(es) recently)`);
          return;
        } catch (err) {
          await this.store.update(name, { status: 'failed', pid: 0, url: '', error: `${why}; restart failed: ${(err as Error).message}` });
          return;
        }
      }
      await this.store.update(name, { status: 'failed', pid: 0, url: '', error: `${why}; ${recent.length} crashes within ${window} ms` });
    })().catch(() => undefined);
    this.pendingWork.add(work);
    work.finally(() => this.pendingWork.delete(work));
  }

  /**
   * Stops a deployment's process: SIGTERM (the server stops accepting, finishes in-flight requests and
   * exits), SIGKILL after stopTimeoutMs. A process not started by this target is signalled only if it
   * proves to be the recorded instance.
   */
  private async stopProcess(name: string, rec?: DeploymentRecord): Promise<void> {
    let r = this.running.get(name);
    if (!r && rec && (await this.adopt(rec))) r = this.running.get(name);
    if (!r) return;
    // A process we did not start is signalled only while it still proves to be the recorded instance
    // (its PID may have been reused by an unrelated process since we adopted it).
    if (!r.child && !(pidAlive(r.pid) && (await this.instanceAnswers(r.port, r.instanceId)))) {
      if (this.running.get(name) === r) this.running.delete(name);
      return;
    }
    r.stopping = true;
    const pid = r.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        if (r!.child) r!.child.kill(s);
        else process.kill(pid, s);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const killer = setTimeout(() => signal('SIGKILL'), this.opts.stopTimeoutMs);
    await r.exited;
    clearTimeout(killer);
    if (this.running.get(name) === r) this.running.delete(name);
  }
}
