/** Group commit of activity results: results that complete while a send is in flight go out together. */
import { ResultSender } from '../../../../src/host/durable/activities/resultSender';
import { event, EventType } from '../../../../src/host/durable/history';
import { ControlEnvelope, ControlMessage, isBatch } from '../../../../src/host/durable/messages';

const result = (instanceId: string, n: number): ControlMessage => ({
  id: `${instanceId}-${n}`,
  instanceId,
  executionId: 'e',
  event: event(EventType.TaskCompleted, { TaskScheduledId: n, Result: String(n) }),
});

test('results for one instance that complete during a send are queued as one batch; each send resolves when queued', async () => {
  const sent: ControlEnvelope[] = [];
  let release!: () => void;
  const firstSend = new Promise<void>((r) => (release = r));
  const sender = new ResultSender(async (m) => {
    if (sent.push(m) === 1) await firstSend;
  });
  const first = sender.send(result('a', 0));
  const rest = [1, 2, 3].map((n) => sender.send(result('a', n)));
  const other = sender.send(result('b', 9));
  release();
  await Promise.all([first, ...rest, other]);
  expect(sent).toHaveLength(3);
  expect(sent[0]).toMatchObject({ id: 'a-0' });
  expect(sent[1]).toMatchObject({ id: 'b-9' });
  const batch = sent[2];
  expect(isBatch(batch) && batch.instanceId).toBe('a');
  expect(isBatch(batch) && batch.batch.map((m) => m.id)).toEqual(['a-1', 'a-2', 'a-3']);
});

test('a failed send rejects every result in it, and the next result is sent afresh', async () => {
  let fail = true;
  const sender = new ResultSender(async () => {
    if (fail) throw new Error('queue down');
  });
  await expect(sender.send(result('a', 0))).rejects.toThrow('queue down');
  fail = false;
  await expect(sender.send(result('a', 1))).resolves.toBeUndefined();
});
