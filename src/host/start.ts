/**
 * `npm start`: local settings, Azurite (started, or reused after a crash), the embedded host as a
 * child process; pid files in .local/; Ctrl-C stops the children cleanly. After a kill -9 of any of
 * them, the next start recovers: a stale host (verified by its command line) is stopped, a live
 * Azurite of ours is reused, dead pid files are removed.
 *
 *   node scripts/start.js [--app DIR] [--port 7071] [--no-auth] [--no-build] [--sidecar FILE]... [--azureml-emulator]
 *
 * Settings (environment, else local.settings.json Values): AzureWebJobsStorage (development storage =
 * local Azurite), AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT (10000-10002),
 * MLOPS_LOCAL_DIR (.local), MLOPS_HOST_PORT (7071).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectionStringFor, startAzurite } from './azurite';
import { HostError } from './coreApi';
import { READY_MARKER } from './host';
import { ensureLocalSettings, readLocalSettings } from './settings';
import { isDevelopmentStorage } from './storage';

export interface StartArgs {
  app: string;
  port?: number;
  auth: boolean;
  /**
   * Node scripts started beside the host once storage is up (`--sidecar FILE`, repeatable): each gets
   * `--storage <connection string> --state-dir <local dir>/<name>`, and the first JSON line it prints
   * may carry `hostEnv`, settings merged into the host's environment (e.g. a local cloud emulator).
   */
  sidecars: string[];
}

export function parseStartArgs(argv: string[], root: string): StartArgs {
  const a: StartArgs = { app: root, auth: true, sidecars: [] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--app') a.app = path.resolve(root, argv[++i] ?? '.');
    else if (v === '--port') {
      const p = Number(argv[++i]);
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new HostError('START_BAD_ARGS', '--port must be an integer 0-65535.');
      a.port = p;
    } else if (v === '--no-auth') a.auth = false;
    else if (v === '--sidecar') {
      const file = argv[++i];
      if (!file) throw new HostError('START_BAD_ARGS', '--sidecar needs the path of a Node script.');
      a.sidecars.push(path.resolve(root, file));
    } else if (v === '--no-build')
      continue; // handled by scripts/start.js
    else
      throw new HostError(
        'START_BAD_ARGS',
        `Unknown argument "${v}". Usage: npm start -- [--app DIR] [--port 7071] [--no-auth] [--no-build] [--sidecar FILE] [--azureml-emulator]`,
      );
  }
  return a;
}

/** The command line of a live process, or undefined when it does not exist. */
export function commandLine(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!commandLine(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !commandLine(pid);
}

/** Stops a process we recorded in a pid file, only if its command line still says it is ours. */
async function stopRecorded(pidFile: string, mustContain: string, label: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === undefined) return;
  const cmd = commandLine(pid);
  if (cmd && cmd.includes(mustContain)) {
    process.stdout.write(`Stopping a stale ${label} left by a previous run (pid ${pid}).\n`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    if (!(await waitExit(pid, 8000))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitExit(pid, 3000);
    }
  }
  fs.rmSync(pidFile, { force: true });
}

/** Server header of an HTTP answer on the port, or undefined. */
async function serverHeader(port: number): Promise<string | undefined | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return r.headers.get('server');
  } catch {
    return undefined; // nothing listening (or not HTTP)
  }
}

function settingFrom(name: string, values: Record<string, string>): string | undefined {
  return process.env[name] ?? values[name];
}

function portSetting(name: string, values: Record<string, string>, fallback: number): number {
  const v = settingFrom(name, values);
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new HostError('START_BAD_SETTING', `${name} must be a port number, got "${v}".`);
  return n;
}

interface Storage {
  connectionString: string;
  stop(): Promise<void>;
  description: string;
}

async function ensureStorage(appDir: string, localDir: string, values: Record<string, string>): Promise<Storage> {
  const configured = settingFrom('AzureWebJobsStorage', values);
  if (configured && !isDevelopmentStorage(configured)) {
    return { connectionString: configured, stop: async () => {}, description: 'the storage account AzureWebJobsStorage points at' };
  }
  const blobPort = portSetting('AZURITE_BLOB_PORT', values, 10000);
  const queuePort = portSetting('AZURITE_QUEUE_PORT', values, 10001);
  const tablePort = portSetting('AZURITE_TABLE_PORT', values, 10002);
  const connectionString = connectionStringFor(blobPort, queuePort, tablePort);
  const pidFile = path.join(localDir, 'azurite.pid');
  const location = path.join(localDir, 'azurite');
  const recorded = readPid(pidFile);
  const recordedCmd = recorded ? commandLine(recorded) : undefined;
  const ours = recorded !== undefined && !!recordedCmd && recordedCmd.includes('azurite') && recordedCmd.includes(location);
  if (!ours) fs.rmSync(pidFile, { force: true });

  const headers = await Promise.all([blobPort, queuePort, tablePort].map(serverHeader));
  const isAzurite = headers.every((h, i) => typeof h === 'string' && h.startsWith(['Azurite-Blob', 'Azurite-Queue', 'Azurite-Table'][i]));
  if (isAzurite) {
    // Ours from a previous run (pid file) or one the user started: reuse it rather than fight for the ports.
    process.stdout.write(`Reusing the Azurite already running on ports ${blobPort}-${tablePort}${ours ? ` (pid ${recorded})` : ''}.\n`);
    return {
      connectionString,
      description: `Azurite (reused) on ${blobPort}/${queuePort}/${tablePort}`,
      stop: async () => {
        if (ours) await stopRecorded(pidFile, location, 'Azurite');
      },
    };
  }
  const busy = [blobPort, queuePort, tablePort].filter((_, i) => headers[i] !== undefined);
  if (busy.length) {
    throw new HostError(
      'START_PORT_IN_USE',
      `Port(s) ${busy.join(', ')} are in use by another program. Set AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT.`,
    );
  }
  if (ours) await stopRecorded(pidFile, location, 'Azurite'); // alive but not answering: restart it
  process.stdout.write(`Starting Azurite (data in ${path.relative(appDir, location) || location}) on ports ${blobPort}/${queuePort}/${tablePort}...\n`);
  const az = await startAzurite({ location, blobPort, queuePort, tablePort, logFile: path.join(localDir, 'azurite.log') });
  fs.writeFileSync(pidFile, String(az.pid));
  return {
    connectionString,
    description: `Azurite on ${blobPort}/${queuePort}/${tablePort}`,
    stop: async () => {
      await az.stop();
      fs.rmSync(pidFile, { force: true });
    },
  };
}

/** Starts one sidecar (see StartArgs.sidecars); resolves with the settings it hands the host. */
async function startSidecar(script: string, connectionString: string, localDir: string): Promise<{ child: ChildProcess; hostEnv: Record<string, string> }> {
  if (!fs.existsSync(script)) throw new HostError('START_BAD_ARGS', `sidecar ${script} does not exist (build first: npm run build).`);
  const name = path.basename(path.dirname(script)) || path.basename(script, '.js');
  const pidFile = path.join(localDir, `sidecar-${name}.pid`);
  await stopRecorded(pidFile, script, `sidecar ${name}`);
  const stateDir = path.join(localDir, name);
  fs.mkdirSync(stateDir, { recursive: true });
  const child = spawn(process.execPath, [script, '--storage', connectionString, '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  fs.writeFileSync(pidFile, String(child.pid));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new HostError('START_SIDECAR_FAILED', `sidecar ${name} printed no settings within 60 s`)), 60000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new HostError('START_SIDECAR_FAILED', `sidecar ${name} exited (code ${code}) before it was ready`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      try {
        const info = JSON.parse(out.slice(0, nl)) as { url?: string; hostEnv?: Record<string, string> };
        process.stdout.write(`Sidecar ${name}: ${info.url ?? 'ready'} (pid ${child.pid}).\n`);
        resolve({ child, hostEnv: info.hostEnv ?? {} });
      } catch {
        reject(new HostError('START_SIDECAR_FAILED', `sidecar ${name} printed no JSON line: ${out.slice(0, 200)}`));
      }
    });
  });
}

export async function startLocal(argv: string[], root: string): Promise<void> {
  const args = parseStartArgs(argv, root);
  const appDir = args.app;
  if (ensureLocalSettings(appDir)) process.stdout.write('Created local.settings.json from local.settings.sample.json.\n');
  const values = readLocalSettings(appDir)?.Values ?? {};
  const localDir = path.resolve(appDir, settingFrom('MLOPS_LOCAL_DIR', values) ?? '.local');
  fs.mkdirSync(localDir, { recursive: true });
  const hostPidFile = path.join(localDir, 'host.pid');
  const cli = path.join(__dirname, 'cli.js');
  await stopRecorded(hostPidFile, cli, 'Functions host');

  const port = args.port ?? portSetting('MLOPS_HOST_PORT', values, 7071);
  const storage = await ensureStorage(appDir, localDir, values);
  // Assigned once below; the shutdown handlers defined before it read it.
  // eslint-disable-next-line prefer-const
  let child: ChildProcess | undefined;
  let shuttingDown = false;
  const sidecars: ChildProcess[] = [];
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const c of sidecars) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(hostPidFile, { force: true });
    await storage.stop().catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));

  const sidecarEnv: Record<string, string> = {};
  for (const script of args.sidecars) {
    const started = await startSidecar(script, storage.connectionString, localDir).catch(async (err) => {
      process.stderr.write(`${(err as Error).message}\n`);
      await shutdown(1);
      throw err;
    });
    sidecars.push(started.child);
    Object.assign(sidecarEnv, started.hostEnv);
  }

  const hostArgs = [cli, '--app', appDir, '--port', String(port), '--print-keys'];
  if (!args.auth) hostArgs.push('--no-auth');
  // Storage goes through the environment, not the command line (which `ps` shows to every user).
  const env = { ...process.env, ...sidecarEnv, AzureWebJobsStorage: storage.connectionString };
  child = spawn(process.execPath, hostArgs, { cwd: appDir, stdio: ['ignore', 'pipe', 'inherit'], env });
  fs.writeFileSync(hostPidFile, String(child.pid));
  let buffered = '';
  let ready = false;
  child.stdout!.on('data', (d: Buffer) => {
    process.stdout.write(d);
    if (ready) return;
    buffered += d.toString('utf8');
    const m = new RegExp(`${READY_MARKER} (\\{.*\\})`).exec(buffered);
    if (m) {
      ready = true;
      buffered = '';
      const info = JSON.parse(m[1]);
      process.stdout.write(
        `\nReady: ${info.baseUrl}  (health: ${info.baseUrl}/api/health)\n` +
          `Storage: ${storage.description}. Host pid ${child!.pid} in ${path.relative(appDir, hostPidFile) || hostPidFile}. Ctrl-C stops everything.\n`,
      );
    }
  });
  child.once('exit', (code, signal) => {
    if (shuttingDown) return;
    process.stderr.write(`The Functions host exited (${signal ?? `code ${code}`}); stopping. Run npm start again to restart.\n`);
    void shutdown(code && code > 0 ? code : 1);
  });
}
