import { containerClient } from '../../src/storage/clients';
import { withBlobLock } from '../../src/storage/lock';
import { startTestAzurite } from '../support/azurite';

describe('withBlobLock', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  beforeAll(async () => {
    az = await startTestAzurite();
    await containerClient(az.connectionString, 'registry').createIfNotExists();
  });
  afterAll(() => az.stop());

  it('lets one holder at a time run, across clients, and frees the lock after an error', async () => {
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    const work = (i: number) =>
      withBlobLock(containerClient(az.connectionString, 'registry'), 'champion', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 150));
        order.push(i);
        inside--;
        if (i === 0) throw new Error('boom');
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3].map(work));
    expect(maxInside).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3]);
    expect(results[0].status).toBe('rejected');
    expect(results.slice(1).map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual([1, 2, 3]);
  });

  it('gives up with LOCK_TIMEOUT while someone else holds it', async () => {
    const c = containerClient(az.connectionString, 'registry');
    let release!: () => void;
    const held = withBlobLock(c, 'busy', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 300));
    await expect(withBlobLock(c, 'busy', async () => 1, { waitMs: 800 })).rejects.toThrow(/LOCK_TIMEOUT/);
    release();
    await held;
    await expect(withBlobLock(c, 'busy', async () => 2)).resolves.toBe(2);
  });
});
