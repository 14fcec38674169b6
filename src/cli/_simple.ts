import { ApiError, MlopsClient } from '../client/api';
import { OptionSpec, parseArgs, usage, UsageError } from './_args';
import { client, REMOTE_SPECS } from './_remote';

/**
 * The shape of a simple remote command: options (plus --url/--key/--help/--json), one positional
 * argument at most, a body that prints; usage errors exit 2, API errors exit 1 with their code.
 */
export function remoteCommand(
  name: string,
  summary: string,
  specs: OptionSpec[],
  body: (api: MlopsClient, opts: Record<string, unknown>, positional: string | undefined) => Promise<number>,
): (argv: string[]) => Promise<number> {
  const all: OptionSpec[] = [...specs, { name: 'json', kind: 'boolean', help: 'print JSON' }, { name: 'help', kind: 'boolean', help: 'show this help' }, ...REMOTE_SPECS];
  return async (argv) => {
    const positional = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
    let opts;
    try {
      opts = parseArgs(positional ? argv.slice(1) : argv, all);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`mlops ${name}: ${err.message}\n${usage(name, summary, all)}\n`);
      return 2;
    }
    if (opts.help) {
      process.stdout.write(usage(name, summary, all) + '\n');
      return 0;
    }
    try {
      return await body(await client(opts), opts, positional);
    } catch (err) {
      if (err instanceof ApiError) {
        process.stderr.write(`mlops ${name}: ${err.code}: ${err.message}\n`);
        return 1;
      }
      if (err instanceof UsageError) {
        process.stderr.write(`mlops ${name}: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  };
}
