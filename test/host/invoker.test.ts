/**
 * What the host logs for a failed invocation. The durable-functions SDK fails an orchestration with a
 * message `false\n\n$OutOfProcData$:{state}` and no stack: the log must show the orchestrator's real
 * error, not `Exception: false`.
 */
import { OrchestrationFailureError } from 'durable-functions/lib/src/error/OrchestrationFailureError';
import { describeInvocationError } from '../../src/host/invocationError';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

describe('describeInvocationError', () => {
  test("the SDK's orchestration failure shows the state's error, not the return flag", () => {
    const state = { isDone: false, actions: [[]], error: 'boom: u1', schemaVersion: 0 };
    const text = describeInvocationError(new OrchestrationFailureError(false, state));
    expect(text).toBe('Orchestrator function failed: boom: u1');
  });
  test('failure details add the error type and stack', () => {
    const state = { isDone: false, actions: [[]], error: 'x', failureDetails: { errorType: 'TypeError', errorMessage: 'x', stackTrace: 'at here' } };
    expect(describeInvocationError(new OrchestrationFailureError(false, state))).toBe('Orchestrator function failed: TypeError: x\nat here');
  });
  test('a state without an error still says something useful; other errors show their stack', () => {
    expect(describeInvocationError(new OrchestrationFailureError(false, { isDone: false }))).toMatch(/no error message/);
    const e = new Error('plain');
    expect(describeInvocationError(e)).toBe(e.stack);
    expect(describeInvocationError('text')).toBe('text');
  });
});

describe('a failed orchestration in the embedded host', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({ appDir: 'test/fixtures/durable/app', connectionString: az.connectionString, auth: false });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  test('logs the activity error that failed it', async () => {
    const res = await fetch(`${host.baseUrl}/api/orchestrators/uncaughtFailure`, { method: 'POST', body: JSON.stringify('inv1') });
    expect(res.status).toBe(202);
    const [line] = await host.waitForLog(/Function\.uncaughtFailure[^\n]*Result: Failure Exception: [^\n]*/, 30_000);
    expect(line).toContain('boom: inv1');
    expect(line).not.toMatch(/Exception: false/);
  });
});
