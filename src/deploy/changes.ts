/**
 * Deployment changes made in this process (a promotion, a retirement, a key rotation, a restarted
 * endpoint on a new port) are announced here, so that caches of routes (the scoring proxy's) drop
 * what they hold at once instead of waiting for their time-to-live.
 */
const listeners = new Set<() => void>();

export function onDeploymentsChanged(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function notifyDeploymentsChanged(): void {
  for (const fn of listeners) fn();
}
