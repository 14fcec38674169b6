/** Traffic and mirror maps: validation and arithmetic shared by the target and the canary. */
import { DEPLOYMENT_NAME, DeployError } from '../target';

/** Resolves after `ms`, or at once when `signal` aborts; its abort listener goes with it (a canary's probes sleep thousands of times on one signal). */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A percent map: integer 0-100 per project deployment name, summing to `exact` (or 0) and at most `max`. */
export function checkPercentMap(map: Record<string, number>, what: string, max: number, exact?: number): void {
  if (!map || typeof map !== 'object') throw new DeployError(400, 'INVALID_TRAFFIC', `${what} must be an object of deployment -> percent`);
  let sum = 0;
  for (const [name, pct] of Object.entries(map)) {
    if (!DEPLOYMENT_NAME.test(name)) throw new DeployError(400, 'INVALID_TRAFFIC', `${what}: '${name.slice(0, 80)}' is not a deployment name`);
    if (!Number.isInteger(pct) || pct < 0 || pct > 100)
      throw new DeployError(400, 'INVALID_TRAFFIC', `${what}: ${name} must get an integer percent from 0 to 100`);
    sum += pct;
  }
  if (exact !== undefined && sum !== exact && sum !== 0) throw new DeployError(400, 'INVALID_TRAFFIC', `${what} must sum to ${exact} (got ${sum})`);
  if (sum > max) throw new DeployError(400, 'INVALID_TRAFFIC', `${what} must sum to at most ${max} (got ${sum})`);
}

/** After removing a deployment from the live map, the rest keeps its proportions and sums to 100 again. */
export function rebalance(traffic: Record<string, number>): Record<string, number> {
  const entries = Object.entries(traffic).filter(([, v]) => v > 0);
  const sum = entries.reduce((s, [, v]) => s + v, 0);
  if (!entries.length || sum === 100) return Object.fromEntries(entries);
  const out: Record<string, number> = {};
  let given = 0;
  entries.forEach(([k, v], i) => {
    const share = i === entries.length - 1 ? 100 - given : Math.round((v * 100) / sum);
    out[k] = share;
    given += share;
  });
  return out;
}
