import { ensureTable, tableClient } from '../../src/storage/clients';
import { startTestAzurite } from '../support/azurite';

describe('storage clients', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  beforeAll(async () => {
    az = await startTestAzurite();
  });
  afterAll(() => az.stop());

  it('ensureTable creates each table of an account, not only the first', async () => {
    const a = await ensureTable(tableClient(az.connectionString, 'alpha'));
    const b = await ensureTable(tableClient(az.connectionString, 'beta'));
    await a.createEntity({ partitionKey: 'p', rowKey: 'r' });
    await b.createEntity({ partitionKey: 'p', rowKey: 'r' });
    expect((await b.getEntity('p', 'r')).rowKey).toBe('r');
  });

  it('ensureTable tolerates a table that exists already', async () => {
    const first = tableClient(az.connectionString, 'gamma');
    await first.createTable();
    await expect(ensureTable(tableClient(az.connectionString, 'gamma'))).resolves.toBeDefined();
  });
});
