import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../dist/emulators/azureml/main.js');

export interface EmulatorProcess {
  url: string;
  caFile: string;
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  pid: number;
  stateDir: string;
  /** App settings pointing a host at this emulator (printed by main.js). */
  hostEnv: Record<string, string>;
  /** A control or ARM call with the emulator's CA (control routes need no token). */
  request(method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
  /** SIGKILL (crash simulation); the state folder stays. */
  kill(): Promise<void>;
}

/** The emulator as its own process (`node dist/emulators/azureml/main.js`), as scripts/start.js users run it. */
export async function startEmulatorProcess(
  storage: string,
  args: string[] = [],
  opts: { stateDir?: string; keepState?: boolean } = {},
): Promise<EmulatorProcess> {
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emu-state-'));
  const child: ChildProcess = spawn(process.execPath, [MAIN, '--port', '0', '--storage', storage, '--state-dir', stateDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const info = await new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
  });
  const ca = fs.readFileSync(info.caFile);
  const request = (method: string, p: string, body?: unknown, token?: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = https.request(
        `${info.url}${p}`,
        { method, ca, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    url: info.url,
    caFile: info.caFile,
    subscriptionId: info.subscriptionId,
    resourceGroup: info.resourceGroup,
    workspace: info.workspace,
    pid: child.pid!,
    stateDir,
    hostEnv: info.hostEnv,
    request,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.keepState) fs.rmSync(stateDir, { recursive: true, force: true });
    },
    kill: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
