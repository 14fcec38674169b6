/** The engine's small primitives: the concurrency semaphore and the poll-loop wake-up signal. */
import { Semaphore } from '../../../../src/host/durable/primitives/semaphore';
import { Signal } from '../../../../src/host/durable/primitives/signal';

test('the semaphore hands out its slots, queues the rest in order, and hands a released slot to the first waiter', async () => {
  const s = new Semaphore(2);
  await s.acquire();
  expect(s.tryAcquire()).toBe(true);
  expect(s.tryAcquire()).toBe(false);
  expect(s.available).toBe(0);
  const order: number[] = [];
  const a = s.acquire().then(() => order.push(1));
  const b = s.acquire().then(() => order.push(2));
  s.release();
  await a;
  expect(order).toEqual([1]);
  s.release();
  await b;
  expect(order).toEqual([1, 2]);
  s.release();
  s.release();
  expect(s.available).toBe(2);
});

test('a signal wakes a waiting loop early, and a notify with nobody waiting makes the next wait return at once', async () => {
  const sig = new Signal();
  const t0 = Date.now();
  const waiting = sig.wait(5000);
  setTimeout(() => sig.notify(), 20);
  await waiting;
  expect(Date.now() - t0).toBeLessThan(2000);
  sig.notify();
  const t1 = Date.now();
  await sig.wait(5000);
  expect(Date.now() - t1).toBeLessThan(100);
});

test('a signal wait without notify ends after its timeout', async () => {
  const sig = new Signal();
  const t0 = Date.now();
  await sig.wait(30);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
});
