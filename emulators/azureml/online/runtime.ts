/**
 * The containers behind emulated deployments: each deployment is the project's own endpoint process
 * (dist/src/deploy/endpointServer.js, configured over stdin as the local target does), listening on a
 * loopback port with keys only the emulator knows. Its stdout/stderr become the deployment's logs
 * (getLogs). A process exits when its stdin closes, so none outlives the emulator.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { EndpointConfig } from '../../../src/deploy/endpoint';
import { endpointServerScript } from '../../../src/deploy/local';

export interface Backend {
  port: number;
  pid: number;
  /** The key the data plane sends to this process (never a client's key). */
  key: string;
  child: ChildProcess;
}

const MAX_LOG_LINES = 2000;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/KEY|SECRET|TOKEN|PASSWORD|CONNECTION|AzureWebJobs|^ENDPOINT_/i.test(k)) env[k] = v;
  return env;
}

export class Runtime {
  private readonly backends = new Map<string, Backend>();
  private readonly logs = new Map<string, string[]>();

  constructor(
    private readonly readyTimeoutMs = 30_000,
    private readonly script = endpointServerScript(),
  ) {}

  /** Appends lines to a deployment's log (the emulator's own messages go here too). */
  log(id: string, text: string): void {
    const lines = this.logs.get(id) ?? [];
    for (const line of text.split('\n')) if (line.trim()) lines.push(`${new Date().toISOString()} ${line}`);
    if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
    this.logs.set(id, lines);
  }

  tail(id: string, n: number): string {
    const lines = this.logs.get(id) ?? [];
    return lines.slice(-Math.max(1, n)).join('\n');
  }

  get(id: string): Backend | undefined {
    return this.backends.get(id);
  }

  /** Starts the endpoint process for a deployment; rejects (with the reason, also logged) when it does not become ready. */
  start(id: string, cfg: Omit<EndpointConfig, 'keys' | 'port' | 'host'>): Promise<Backend> {
    if (!fs.existsSync(this.script)) return Promise.reject(new Error(`the endpoint server is not compiled (${this.script}): run npm run build`));
    const key = randomBytes(32).toString('base64url');
    const config: EndpointConfig = { ...cfg, keys: { primary: key, secondary: randomBytes(32).toString('base64url') }, host: '127.0.0.1', port: 0, threads: 1 };
    const child = spawn(process.execPath, [this.script], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
    this.log(id, `Starting inference server for model ${cfg.modelName}:${cfg.modelVersion} (pid ${child.pid})`);
    return new Promise<Backend>((resolve, reject) => {
      let settled = false;
      let out = '';
      const timer = setTimeout(() => fail(`the inference server did not become ready within ${this.readyTimeoutMs} ms`), this.readyTimeoutMs);
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.log(id, why);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(new Error(why));
      };
      child.stdin!.on('error', () => undefined);
      child.stderr!.on('data', (c: Buffer) => this.log(id, c.toString('utf8')));
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /\{"event":"ready","port":(\d+)/.exec(out);
        if (m && !settled) {
          settled = true;
          clearTimeout(timer);
          const b: Backend = { port: Number(m[1]), pid: child.pid!, key, child };
          this.backends.set(id, b);
          this.log(id, `Listening at http://127.0.0.1:${b.port} (ready)`);
          child.once('exit', (code, signal) => {
            if (this.backends.get(id) === b) this.backends.delete(id);
            this.log(id, `inference server exited (${signal ?? `code ${code}`})`);
          });
          resolve(b);
        }
      });
      child.once('error', (err) => fail(`the inference server failed: ${err.message}`));
      child.once('exit', (code, signal) => fail(`the inference server exited before it was ready (${signal ?? `code ${code}`})`));
      child.stdin!.write(JSON.stringify(config) + '\n');
    });
  }

  /** Stops a deployment's process: SIGTERM (it finishes in-flight requests), SIGKILL after 5 s. */
  async stop(id: string): Promise<void> {
    const b = this.backends.get(id);
    if (!b) return;
    this.backends.delete(id);
    if (b.child.exitCode !== null || b.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => b.child.once('exit', () => r()));
    b.child.kill('SIGTERM');
    const killer = setTimeout(() => b.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.backends.keys()].map((id) => this.stop(id)));
  }
}
