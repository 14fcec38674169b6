/**
 * Optional cross-check with the real Apache Bench (`apt-get install apache2-utils`), the tool the
 * original exercise used: `ab -n N -c C -p body -T type -H header URL`. Note that ab takes headers on
 * its command line, so a key passed here is visible in `ps` while it runs: use it on a local machine.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface AbResult {
  completed: number;
  failed: number;
  non2xx: number;
  requestsPerSec: number;
  /** ab's "Time per request (mean)" = concurrency * time / requests. */
  timePerRequestMs: number;
  /** ab's percentage table (whole milliseconds, as ab prints them). */
  percentiles: { percent: number; ms: number }[];
  output: string;
}

/** The `ab` executable on PATH, or undefined. */
export function findAb(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, 'ab');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function parseAbOutput(text: string): AbResult {
  const num = (re: RegExp, dflt?: number): number => {
    const m = re.exec(text);
    if (!m) {
      if (dflt !== undefined) return dflt;
      throw new Error(`ab output has no ${re.source}`);
    }
    return Number(m[1]);
  };
  const percentiles: AbResult['percentiles'] = [];
  for (const m of text.matchAll(/^\s*(\d+)%\s+(\d+(?:\.\d+)?)/gm)) percentiles.push({ percent: Number(m[1]), ms: Number(m[2]) });
  return {
    completed: num(/^Complete requests:\s+(\d+)/m),
    failed: num(/^Failed requests:\s+(\d+)/m),
    non2xx: num(/^Non-2xx responses:\s+(\d+)/m, 0),
    requestsPerSec: num(/^Requests per second:\s+([\d.]+)/m),
    timePerRequestMs: num(/^Time per request:\s+([\d.]+) \[ms\] \(mean\)$/m),
    percentiles,
    output: text,
  };
}

export interface AbOptions {
  url: string;
  headers?: Record<string, string>;
  body?: string | object;
  requests?: number;
  concurrency?: number;
  /** HTTP keep-alive (ab -k). Default false, like the classic invocation. */
  keepAlive?: boolean;
  timeoutSec?: number;
}

export async function runAb(opts: AbOptions): Promise<AbResult> {
  const ab = findAb();
  if (!ab) throw new Error('ab is not installed (apt-get install apache2-utils)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-ab-'));
  try {
    const args = ['-n', String(opts.requests ?? 1000), '-c', String(opts.concurrency ?? 10), '-s', String(opts.timeoutSec ?? 30)];
    if (opts.keepAlive) args.push('-k');
    const headers = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) {
      const file = path.join(dir, 'body.json');
      fs.writeFileSync(file, typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      const ctKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
      const type = ctKey ? headers[ctKey] : 'application/json';
      if (ctKey) delete headers[ctKey];
      args.push('-p', file, '-T', type);
    }
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    args.push(opts.url);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(ab, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ab exited ${code}: ${err.trim().slice(-300)}`))));
    });
    return parseAbOutput(output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
