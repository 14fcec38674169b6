import { createHash } from 'node:crypto';

/** Azure ML's rule for job, asset and endpoint names. */
export const AML_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;

const hash8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
const safe = (s: string, max: number) =>
  s
    .replace(/[^a-zA-Z0-9\-_]/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, max) || 'x';

/**
 * The job name of a run's attempt: derived from the run id only, so a replayed submit activity finds
 * the job it already created. The hash keeps ids that differ only in characters Azure refuses (a.b vs
 * a-b) apart.
 */
export function jobNameFor(runId: string, attempt: number): string {
  return `mlops-${safe(runId, 180)}-${hash8(runId)}-a${attempt}`;
}

/** The run id and attempt back from a job name (for outputPrefix). */
export function parseJobName(jobName: string): { runKey: string; attempt: number } | undefined {
  const m = /^mlops-(.+)-a(\d+)$/.exec(jobName);
  return m ? { runKey: m[1], attempt: Number(m[2]) } : undefined;
}

/** An asset name from a dataset name (data asset and model names). */
export function assetName(prefix: string, dataset: string): string {
  return `${prefix}-${safe(dataset, 200)}`;
}

/** An asset version for one run attempt. */
export function assetVersion(runId: string, attempt: number): string {
  return `${safe(runId, 120)}-${hash8(runId)}-a${attempt}`;
}
