/**
 * Runs the compiled endpoint server (dist/src/deploy/endpointServer.js) as a real child process for
 * tests, configured over stdin as LocalDeploymentTarget does. Build first (`npm test` does it).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { EndpointConfig } from '../../src/deploy/endpoint';
import { endpointServerScript } from '../../src/deploy/local';

export interface TestEndpoint {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of started) c.kill('SIGKILL');
});

export function requireBuiltServer(): string {
  const script = endpointServerScript();
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`npx tsc -p tsconfig.json\` first`);
  return script;
}

export async function spawnEndpoint(cfg: EndpointConfig): Promise<TestEndpoint> {
  const child = spawn(process.execPath, [requireBuiltServer()], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /\{"event":"ready","port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`endpoint exited (${code}): ${err}`)));
    child.stdin!.write(JSON.stringify(cfg) + '\n');
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      started.delete(child);
    },
  };
}
