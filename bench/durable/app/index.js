// Benchmark app for the embedded Durable engine: no-op activities, a fan-out and a sequence.
const { app } = require('@azure/functions');
const df = require('durable-functions');

app.http('start', {
  route: 'orchestrators/{name}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (req, context) => {
    const client = df.getClient(context);
    const text = await req.text();
    const id = await client.startNew(req.params.name, { input: text ? JSON.parse(text) : undefined });
    return client.createCheckStatusResponse(req, id);
  },
});

app.http('ping', { route: 'ping', methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'pong' }) });

df.app.activity('noop', { handler: () => null });

df.app.orchestration('fanOut', function* (context) {
  const n = context.df.getInput();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('noop', i));
  yield context.df.Task.all(tasks);
  return n;
});

df.app.orchestration('sequence', function* (context) {
  const n = context.df.getInput();
  for (let i = 0; i < n; i++) yield context.df.callActivity('noop', i);
  return n;
});
