/** host.json: the parts the embedded host honours, validated into typed values. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostError } from './coreApi';

export interface HostConfig {
  raw: Record<string, any>;
  routePrefix: string;
  /** ms; undefined = no timeout ("-1" in host.json). */
  functionTimeoutMs: number | undefined;
  /** Per-category minimum levels from logging.logLevel. */
  logLevels: Record<string, string>;
  blobs: { maxDegreeOfParallelism: number; maxDequeueCount: number };
}

/** Parses a .NET TimeSpan "[d.]hh:mm:ss[.fff]" into ms. */
export function parseTimeSpan(s: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(s.trim());
  if (!m) throw new HostError('HOST_BAD_HOST_JSON', `"${s}" is not a TimeSpan (expected hh:mm:ss).`);
  const [, d, h, mi, se, frac] = m;
  const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60 + Number(se)) * 1000 + ms;
}

export function readHostConfig(appDir: string): HostConfig {
  const file = path.join(appDir, 'host.json');
  let raw: Record<string, any> = { version: '2.0' };
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new HostError('HOST_BAD_HOST_JSON', `host.json is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (raw.version !== '2.0') {
    throw new HostError('HOST_BAD_HOST_JSON', `host.json "version" must be "2.0", got ${JSON.stringify(raw.version)}.`);
  }
  const http = raw.extensions?.http ?? {};
  let routePrefix = typeof http.routePrefix === 'string' ? http.routePrefix : 'api';
  routePrefix = routePrefix.replace(/^\/+|\/+$/g, '');
  let functionTimeoutMs: number | undefined = 30 * 60 * 1000; // Core Tools/Flex default is 30 min
  if (raw.functionTimeout !== undefined && raw.functionTimeout !== null) {
    const t = String(raw.functionTimeout);
    functionTimeoutMs = t === '-1' ? undefined : parseTimeSpan(t);
  }
  const logLevels: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.logging?.logLevel ?? {})) logLevels[k] = String(v);
  const blobsCfg = raw.extensions?.blobs ?? {};
  const queuesCfg = raw.extensions?.queues ?? {};
  return {
    raw,
    routePrefix,
    functionTimeoutMs,
    logLevels,
    blobs: {
      maxDegreeOfParallelism: positiveInt(blobsCfg.maxDegreeOfParallelism, 8),
      // The blob trigger's internal queue follows extensions.queues.maxDequeueCount (default 5).
      maxDequeueCount: positiveInt(queuesCfg.maxDequeueCount, 5),
    },
  };
}

function positiveInt(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
