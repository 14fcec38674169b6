/**
 * Sends an outbox: messages to the same instance or entity go out one after the other, in outbox
 * order (an entity applies operations in the order they were sent, an instance sees its events in
 * the order they were decided); everything else goes out in parallel, at most `parallelism` at once.
 */
import type { Outbound } from '../messages';

/** The outbox split into groups that must keep their order; groups are independent of each other. */
export function orderedGroups(outbound: readonly Outbound[]): Outbound[][] {
  const groups = new Map<string, Outbound[]>();
  outbound.forEach((o, i) => {
    const key = o.queue === 'control' ? `c:${o.message.instanceId}` : `w:${i}`;
    const g = groups.get(key) ?? [];
    g.push(o);
    groups.set(key, g);
  });
  return [...groups.values()];
}

export async function sendOrdered(outbound: readonly Outbound[], send: (o: Outbound) => Promise<void>, parallelism = 16): Promise<void> {
  const queue = orderedGroups(outbound);
  const workers = Array.from({ length: Math.min(parallelism, queue.length) }, async () => {
    for (let group = queue.shift(); group; group = queue.shift()) for (const o of group) await send(o);
  });
  await Promise.all(workers);
}
