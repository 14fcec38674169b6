/**
 * Process entry of a local deployment: `node dist/src/deploy/endpointServer.js`.
 *
 * Configuration (never argv, which `ps` shows to every user):
 *  - stdin: the first line is the JSON EndpointConfig (this is how LocalDeploymentTarget starts it); the
 *    process then belongs to its owner and shuts down gracefully when stdin closes (owner gone);
 *  - or env, for running it by hand: ENDPOINT_MODEL_PATH | ENDPOINT_MODEL_URL, ENDPOINT_PRIMARY_KEY,
 *    ENDPOINT_SECONDARY_KEY, ENDPOINT_PORT, ENDPOINT_NAME, ENDPOINT_MODEL_NAME, ENDPOINT_MODEL_VERSION.
 * When listening it prints one line: {"event":"ready","port":P,"pid":PID}. SIGTERM/SIGINT drain and exit 0.
 */
import { EndpointConfig, parseEndpointConfig, RunningEndpoint, startEndpoint } from './endpoint';

export const READY_EVENT = 'ready';

function configFromEnv(env: NodeJS.ProcessEnv): EndpointConfig | undefined {
  if (!env.ENDPOINT_MODEL_PATH && !env.ENDPOINT_MODEL_URL) return undefined;
  return parseEndpointConfig({
    name: env.ENDPOINT_NAME ?? 'local',
    modelName: env.ENDPOINT_MODEL_NAME ?? 'model',
    modelVersion: env.ENDPOINT_MODEL_VERSION ?? '1',
    model: env.ENDPOINT_MODEL_PATH ? { path: env.ENDPOINT_MODEL_PATH } : { url: env.ENDPOINT_MODEL_URL },
    keys: { primary: env.ENDPOINT_PRIMARY_KEY, secondary: env.ENDPOINT_SECONDARY_KEY },
    port: env.ENDPOINT_PORT ? Number(env.ENDPOINT_PORT) : 0,
    host: env.ENDPOINT_HOST,
  });
}

function firstStdinLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        process.stdin.off('data', onData);
        process.stdin.off('end', onEnd);
        process.stdin.pause();
        resolve(buf.slice(0, nl));
      }
    };
    const onEnd = () => (buf.trim() ? resolve(buf) : reject(new Error('no configuration on stdin')));
    process.stdin.on('data', onData);
    process.stdin.once('end', onEnd);
  });
}

function handleCommand(endpoint: RunningEndpoint, line: string): void {
  if (!line.trim()) return;
  let msg: { command?: string; id?: unknown; keys?: unknown };
  try {
    msg = JSON.parse(line);
  } catch {
    return void process.stderr.write('ignored a stdin line that is not JSON\n');
  }
  if (msg.command === 'setKeys') {
    let ok = true;
    try {
      endpoint.setKeys(msg.keys as never);
    } catch {
      ok = false;
    }
    process.stdout.write(JSON.stringify({ event: 'keys', id: msg.id, ok }) + '\n');
  }
}

async function main(): Promise<void> {
  let cfg = configFromEnv(process.env);
  const owned = !cfg;
  if (!cfg) cfg = parseEndpointConfig(JSON.parse(await firstStdinLine()));
  const endpoint: RunningEndpoint = await startEndpoint(cfg);
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`endpoint ${cfg!.name}: stopping (${why})\n`);
    // A stuck in-flight request must not keep a retired deployment alive forever.
    setTimeout(() => process.exit(0), 10000).unref();
    endpoint.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (owned) {
    // Later stdin lines are commands from the owner: {"command":"setKeys","id":..,"keys":{primary,secondary}}.
    let buf = '';
    process.stdin.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        handleCommand(endpoint, line);
      }
    });
    process.stdin.resume();
    process.stdin.on('end', () => stop('owner closed stdin'));
    process.stdin.on('error', () => stop('owner stdin error'));
  }
  process.stdout.write(JSON.stringify({ event: READY_EVENT, port: endpoint.port, pid: process.pid }) + '\n');
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`endpoint failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
