/**
 * Starts the embedded Functions host as a real child process for integration tests (Jest's module
 * system bypasses Module.prototype.require, so the host cannot run inside the test process).
 *
 *   const az = await startTestAzurite();
 *   const host = await startTestHost({ appDir: 'test/fixtures/host/http-app', connectionString: az.connectionString });
 *   await fetch(`${host.baseUrl}/api/x?code=${host.functionKey('x')}`);
 *   await host.stop();                     // graceful (SIGTERM): appTerminate hooks run
 *   await host.kill('SIGKILL');            // crash simulation
 *
 * appDir = the repo root loads the real app (dist/functions/*.js). The host code runs from dist/:
 * build first (`npx tsc -p tsconfig.json`; `npm test` does it in pretest).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'host', 'cli.js');
const READY = 'MLOPS_HOST_READY ';

export interface TestHostOptions {
  /** App folder (absolute or relative to the repo root). */
  appDir: string;
  /** Storage for the host and the app (AzureWebJobsStorage). */
  connectionString: string;
  /** Extra environment for the host process (wins over local.settings.json, like real env vars). */
  env?: Record<string, string | undefined>;
  /** 0 (default) = a free port. */
  port?: number;
  /** false = start with --no-auth. Default: keys enforced. */
  auth?: boolean;
  /** Extra CLI arguments. */
  args?: string[];
  /** Default 60 s. */
  readyTimeoutMs?: number;
}

export interface TestHost {
  baseUrl: string;
  port: number;
  pid: number;
  hostId: string;
  functions: string[];
  masterKey: string;
  /** The host-level `default` function key (valid for every function-level route). */
  hostKey: string;
  /** The `default` key of one function (throws if the host has none for it). */
  functionKey(name: string): string;
  /** A system key (e.g. 'durabletask_extension'); call refreshKeys() first if it was created after start. */
  systemKey(name: string): string;
  /** Re-reads the keys from azure-webjobs-secrets. */
  refreshKeys(): Promise<void>;
  /** Everything the host printed (stdout + stderr) so far. */
  logs(): string;
  /** Waits until the logs match `pattern` (from the start of the logs); returns the match. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code/signal once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Graceful stop (SIGTERM), SIGKILL after 15 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

interface KeyDoc {
  name: string;
  value: string;
}

async function readJsonBlob<T>(blobs: BlobServiceClient, blobPath: string): Promise<T | undefined> {
  try {
    const buf = await blobs.getContainerClient('azure-webjobs-secrets').getBlobClient(blobPath).downloadToBuffer();
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function startTestHost(opts: TestHostOptions): Promise<TestHost> {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${path.relative(REPO_ROOT, CLI)} is missing: build first (npx tsc -p tsconfig.json).`);
  }
  const appDir = path.resolve(REPO_ROOT, opts.appDir);
  const args = [CLI, '--app', appDir, '--port', String(opts.port ?? 0), '--storage', opts.connectionString, ...(opts.args ?? [])];
  if (opts.auth === false) args.push('--no-auth');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Settings from the developer's shell must not leak into tests; the test says what it wants.
  delete env.AzureWebJobsStorage;
  delete env.MLOPS_HOST_AUTH;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString('utf8');
    listeners.forEach((l) => l());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      listeners.forEach((l) => l());
    });
  });

  const waitForLog = (pattern: RegExp, timeoutMs = 30000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = output.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`host exited before logging ${pattern}:\n${output.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in host logs:\n${output.slice(-4000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const stopWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    }
    return exited;
  };

  let ready: { baseUrl: string; port: number; pid: number; hostId: string; functions: string[] };
  try {
    const m = await waitForLog(new RegExp(`${READY}(\\{.*\\})`), opts.readyTimeoutMs ?? 60000);
    ready = JSON.parse(m[1]);
  } catch (err) {
    await stopWith('SIGKILL', 0);
    throw err;
  }

  const blobs = BlobServiceClient.fromConnectionString(opts.connectionString);
  const keys = { master: '', host: '', functions: new Map<string, string>(), system: new Map<string, string>() };
  const refreshKeys = async () => {
    const hostDoc = await readJsonBlob<{ masterKey: KeyDoc; functionKeys: KeyDoc[]; systemKeys: KeyDoc[] }>(blobs, `${ready.hostId}/host.json`);
    if (!hostDoc) throw new Error(`no host secrets at azure-webjobs-secrets/${ready.hostId}/host.json`);
    keys.master = hostDoc.masterKey.value;
    keys.host = hostDoc.functionKeys.find((k) => k.name === 'default')?.value ?? hostDoc.functionKeys[0]?.value ?? '';
    keys.system.clear();
    for (const k of hostDoc.systemKeys ?? []) keys.system.set(k.name.toLowerCase(), k.value);
    for (const fn of ready.functions) {
      const doc = await readJsonBlob<{ keys: KeyDoc[] }>(blobs, `${ready.hostId}/${fn.toLowerCase()}.json`);
      const k = doc?.keys.find((x) => x.name === 'default') ?? doc?.keys[0];
      if (k) keys.functions.set(fn.toLowerCase(), k.value);
    }
  };
  try {
    await refreshKeys();
  } catch (err) {
    await stopWith('SIGKILL', 0);
    throw err;
  }

  return {
    ...ready,
    get masterKey() {
      return keys.master;
    },
    get hostKey() {
      return keys.host;
    },
    functionKey(name: string) {
      const k = keys.functions.get(name.toLowerCase());
      if (!k) throw new Error(`no function key for "${name}" (functions: ${ready.functions.join(', ')})`);
      return k;
    },
    systemKey(name: string) {
      const k = keys.system.get(name.toLowerCase());
      if (!k) throw new Error(`no system key "${name}" (call refreshKeys() if it was created after start)`);
      return k;
    },
    refreshKeys,
    logs: () => output,
    waitForLog,
    exited,
    stop: () => stopWith('SIGTERM', 15000),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => stopWith(signal, 15000),
  };
}
