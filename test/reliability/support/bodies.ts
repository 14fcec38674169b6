/**
 * Sends a large request body without holding it in the test process: chunks are written until the
 * server answers (or closes), with a Content-Length or chunked.
 */
import * as http from 'node:http';

export interface SentBody {
  status: number;
  body: string;
  /** Bytes the client managed to write before the answer. */
  written: number;
}

export function sendBody(url: string, opts: { method: string; bytes: number; chunked?: boolean; headers?: Record<string, string> }): Promise<SentBody> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...(opts.headers ?? {}) };
    if (!opts.chunked) headers['content-length'] = String(opts.bytes);
    const req = http.request(url, { method: opts.method, headers, agent: false });
    let written = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), written }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server may close the connection once it has answered: that is the point.
      if (!answered) setTimeout(() => (answered ? undefined : reject(err)), 500);
    });
    const pump = () => {
      while (!answered && written < opts.bytes) {
        const n = Math.min(chunk.length, opts.bytes - written);
        written += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
