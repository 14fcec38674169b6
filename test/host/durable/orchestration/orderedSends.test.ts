/** Ordered sends: one instance's messages in outbox order, different targets in parallel. */
import { event, EventType } from '../../../../src/host/durable/history';
import type { Outbound } from '../../../../src/host/durable/messages';
import { orderedGroups, sendOrdered } from '../../../../src/host/durable/orchestration/orderedSends';

const toInstance = (instanceId: string, n: number): Outbound => ({
  queue: 'control',
  message: { id: `${instanceId}-${n}`, instanceId, event: event(EventType.EventRaised, { Name: String(n) }) },
});
const workItem = (n: number): Outbound => ({
  queue: 'workitems',
  message: { id: `w-${n}`, instanceId: 'i', executionId: 'e', taskScheduledId: n, name: 'a', input: null },
});
const idOf = (o: Outbound) => o.message.id;

test('messages to one instance or entity form one group in outbox order; each work item is its own group', () => {
  const out = [toInstance('@e@1', 1), workItem(1), toInstance('p', 1), toInstance('@e@1', 2), workItem(2), toInstance('@e@1', 3)];
  expect(orderedGroups(out).map((g) => g.map(idOf))).toEqual([['@e@1-1', '@e@1-2', '@e@1-3'], ['w-1'], ['p-1'], ['w-2']]);
});

test('a slow send to one entity holds back only that entity: its messages stay in order, the rest goes ahead', async () => {
  const sent: string[] = [];
  const out = [toInstance('@e@1', 1), toInstance('@e@1', 2), toInstance('@e@1', 3), workItem(1), workItem(2), toInstance('p', 1)];
  await sendOrdered(out, async (o) => {
    if (idOf(o) === '@e@1-1') await new Promise((r) => setTimeout(r, 50));
    sent.push(idOf(o));
  });
  expect(sent.filter((id) => id.startsWith('@e@1'))).toEqual(['@e@1-1', '@e@1-2', '@e@1-3']);
  expect(sent.indexOf('w-1')).toBeLessThan(sent.indexOf('@e@1-1'));
  expect(sent.indexOf('p-1')).toBeLessThan(sent.indexOf('@e@1-1'));
  expect(sent).toHaveLength(6);
});

test('no more than `parallelism` sends are in flight at once', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = Array.from({ length: 40 }, (_, i) => workItem(i));
  await sendOrdered(
    out,
    async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    },
    4,
  );
  expect(peak).toBe(4);
});

test('a failed send fails the whole outbox (the episode is flushed again later)', async () => {
  await expect(
    sendOrdered([workItem(1), workItem(2)], async (o) => {
      if (idOf(o) === 'w-2') throw new Error('queue down');
    }),
  ).rejects.toThrow('queue down');
});
