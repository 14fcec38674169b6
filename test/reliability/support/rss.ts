/**
 * Memory of another process (Linux /proc). `peakDuring` resets the process's peak RSS (clear_refs 5)
 * and reads VmHWM after `work`, so that it measures the peak of that work alone; where the reset is not
 * allowed it samples VmRSS every 10 ms instead.
 */
import * as fs from 'node:fs';

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]);
}

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024;

export async function peakDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; baselineMb: number; peakMb: number }> {
  const baselineMb = rssMb(pid);
  let reset = true;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    reset = false;
  }
  let sampled = baselineMb;
  const timer = reset ? undefined : setInterval(() => (sampled = Math.max(sampled, rssMb(pid))), 10);
  try {
    const result = await work();
    const peakMb = reset ? statusKb(pid, 'VmHWM') / 1024 : Math.max(sampled, rssMb(pid));
    return { result, baselineMb, peakMb };
  } finally {
    if (timer) clearInterval(timer);
  }
}
