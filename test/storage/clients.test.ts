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

describe('identity-based storage settings (what infra/ deploys)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('names the account by AzureWebJobsStorage__accountName when there is no connection string', () => {
    const {
      appStorageConnection,
      containerClient: cc,
      tableClient: tc,
    } = jest.requireActual('../../src/storage/clients') as typeof import('../../src/storage/clients');
    const env = {
      AzureWebJobsStorage__accountName: 'mlopsacct',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
    };
    delete process.env.AzureWebJobsStorage;
    Object.assign(process.env, env);
    const conn = appStorageConnection(process.env);
    expect(conn).toBe('identity:AzureWebJobsStorage');
    expect(cc(conn, 'registry').url).toBe('https://mlopsacct.blob.core.windows.net/registry');
    const t = tc(conn, 'runs');
    expect(t.url).toBe('https://mlopsacct.table.core.windows.net');
    expect(t.tableName).toBe('runs');
  });

  it('prefers explicit service URIs, and a connection string over both', () => {
    const { appStorageConnection, containerClient: cc } = jest.requireActual('../../src/storage/clients') as typeof import('../../src/storage/clients');
    delete process.env.AzureWebJobsStorage;
    process.env.AzureWebJobsStorage__blobServiceUri = 'https://blob.example.net';
    process.env.AzureWebJobsStorage__tableServiceUri = 'https://table.example.net';
    expect(cc(appStorageConnection(process.env), 'x').url).toBe('https://blob.example.net/x');
    process.env.AzureWebJobsStorage = 'UseDevelopmentStorage=true';
    expect(cc(appStorageConnection(process.env), 'x').url).toBe('http://127.0.0.1:10000/devstoreaccount1/x');
  });

  it('says what to set when storage is not configured at all', () => {
    const { appStorageConnection } = jest.requireActual('../../src/storage/clients') as typeof import('../../src/storage/clients');
    expect(() => appStorageConnection({})).toThrow(/AzureWebJobsStorage__accountName/);
  });
});
