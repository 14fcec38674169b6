#!/usr/bin/env node
/**
 * `node dist/src/host/cli.js [--app DIR] [--port 7071] [--host 127.0.0.1] [--storage CONNSTR] [--no-auth] [--print-keys] [--provider MODULE]...`
 * Starts the embedded Functions host in this process; prints a machine-readable ready line
 * (`MLOPS_HOST_READY {json}`) once it serves requests; SIGINT/SIGTERM stop it gracefully.
 */
import * as path from 'node:path';
import { builtInProviders } from './providers';
import type { Provider } from './provider';
import { FunctionsHost, HostInfo, READY_MARKER } from './host';
import { HostError } from './coreApi';
import { createBlobTriggerProvider } from './blobTrigger';

export interface CliArgs {
  app: string;
  port?: number;
  host?: string;
  storage?: string;
  auth?: boolean;
  printKeys: boolean;
  /** Extra provider modules (tests, or a provider under development): each exports createProviders(). */
  providerModules: string[];
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { app: process.cwd(), printKeys: false, providerModules: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new HostError('HOST_BAD_ARGS', `${a} needs a value.`);
      return v;
    };
    switch (a) {
      case '--app':
        args.app = value();
        break;
      case '--port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new HostError('HOST_BAD_ARGS', '--port must be an integer 0-65535.');
        args.port = p;
        break;
      }
      case '--host':
        args.host = value();
        break;
      case '--storage':
        args.storage = value();
        break;
      case '--no-auth':
        args.auth = false;
        break;
      case '--print-keys':
        args.printKeys = true;
        break;
      case '--provider':
        args.providerModules.push(path.resolve(value()));
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'Usage: node dist/src/host/cli.js [--app DIR] [--port 7071] [--host 127.0.0.1] [--storage CONNSTR] [--no-auth] [--print-keys] [--provider MODULE]...\n',
        );
        process.exit(0);
        break;
      default:
        throw new HostError('HOST_BAD_ARGS', `Unknown argument "${a}".`);
    }
  }
  return args;
}

function loadProviderModules(files: string[]): Provider[] {
  return files.flatMap((file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file);
    const create = mod.createProviders ?? mod.default;
    if (typeof create !== 'function') throw new HostError('HOST_BAD_PROVIDER', `${file} must export createProviders(): Provider[].`);
    return create() as Provider[];
  });
}

function describe(host: FunctionsHost, info: HostInfo, printKeys: boolean): string {
  const lines = ['', 'Functions:', ''];
  for (const f of info.functions) {
    if (f.url) {
      let url = f.url;
      if (printKeys && host.authEnabled && f.authLevel === 'function') url += `?code=${host.secrets!.functionKeys(f.name)[0]?.value ?? ''}`;
      if (printKeys && host.authEnabled && f.authLevel === 'admin') url += `?code=${host.secrets!.masterKey()}`;
      lines.push(`        ${f.name}: [${(f.methods ?? ['ALL']).join(',')}] ${url}`);
    } else lines.push(`        ${f.name}: ${f.trigger}`);
  }
  lines.push('');
  if (!host.authEnabled) lines.push('Auth keys are NOT enforced (--no-auth / MLOPS_HOST_AUTH=off): local debugging only.');
  else if (printKeys) {
    // The master key (admin level) is not printed: `mlops keys --show-master` reads it when needed.
    lines.push(`Host function key (default): ${host.secrets!.hostFunctionKeys()[0]?.value ?? ''}`);
  } else lines.push(`Keys: container azure-webjobs-secrets, folder ${info.hostId}/ (or start with --print-keys).`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const host = new FunctionsHost({
    appDir: args.app,
    port: args.port,
    listenHost: args.host,
    storage: args.storage,
    authEnabled: args.auth,
    providers: ({ log, config, hostId }) => [
      createBlobTriggerProvider(log, config, hostId),
      ...builtInProviders(),
      ...loadProviderModules(args.providerModules),
    ],
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    host.log.line('information', 'Host', `${signal} received: stopping.`);
    const force = setTimeout(() => process.exit(1), 20000);
    force.unref();
    await host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (reason) => {
    host.log.line('error', 'Host', `Unhandled promise rejection (continuing): ${(reason as Error)?.stack ?? reason}`);
  });
  process.on('uncaughtException', (err) => {
    host.log.line('error', 'Host', `Uncaught exception (continuing): ${err?.stack ?? err}`);
  });
  try {
    const info = await host.start();
    process.stdout.write(describe(host, info, args.printKeys));
    process.stdout.write(
      `${READY_MARKER} ${JSON.stringify({ baseUrl: info.baseUrl, port: info.port, pid: process.pid, hostId: info.hostId, functions: info.functions.map((f) => f.name) })}\n`,
    );
  } catch (err) {
    const code = err instanceof HostError ? err.code : 'HOST_START_FAILED';
    process.stderr.write(`Host failed to start [${code}]: ${(err as Error).message}\n`);
    await host.stop(1000).catch(() => {});
    process.exit(1);
  }
}

if (require.main === module) void main(process.argv.slice(2));
