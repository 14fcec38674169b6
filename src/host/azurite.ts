import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { connectionStringFor, DEV_ACCOUNT, DEV_KEY } from '../storage/devStorage';

export { connectionStringFor, DEV_ACCOUNT, DEV_KEY };

export interface AzuriteOptions {
  /** Folder for Azurite's data; created if missing. */
  location: string;
  /** 0 (the default) picks a free port. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Where Azurite's stdout/stderr go; defaults to `${location}/azurite.log`. */
  logFile?: string;
}

export interface AzuriteProcess {
  pid: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, host);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${host}:${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function azuriteEntry(): string {
  const pkg = require.resolve('azurite/package.json');
  return path.join(path.dirname(pkg), 'dist', 'src', 'azurite.js');
}

/** Starts Azurite (blob, queue, table) as one child process and waits until all three ports answer. */
export async function startAzurite(opts: AzuriteOptions): Promise<AzuriteProcess> {
  fs.mkdirSync(opts.location, { recursive: true });
  const blobPort = opts.blobPort || (await freePort());
  const queuePort = opts.queuePort || (await freePort());
  const tablePort = opts.tablePort || (await freePort());
  const logFile = opts.logFile ?? path.join(opts.location, 'azurite.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    azuriteEntry(),
    '--silent',
    '--location',
    opts.location,
    '--blobPort',
    String(blobPort),
    '--queuePort',
    String(queuePort),
    '--tablePort',
    String(tablePort),
    // @azure/storage-blob 12.32 sends an API version newer than Azurite 3.35 knows.
    '--skipApiVersionCheck',
    // Otherwise Azurite tries to reach the internet.
    '--disableTelemetry',
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', out, out], detached: false });
  fs.closeSync(out);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  try {
    await Promise.all([blobPort, queuePort, tablePort].map((p) => waitForPort(p, 30000)));
  } catch (err) {
    child.kill('SIGKILL');
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`Azurite did not start (exit ${exited}): ${(err as Error).message}\n${log}`, { cause: err });
  }
  return {
    pid: child.pid!,
    blobPort,
    queuePort,
    tablePort,
    connectionString: connectionStringFor(blobPort, queuePort, tablePort),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
