/** `mlops keys [--show-master]`: the local stack's function keys (read from azure-webjobs-secrets). */
import { OptionSpec, parseArgs, usage, UsageError } from './_args';
import { readLocalHostSecrets } from './_remote';

const SPECS: OptionSpec[] = [
  { name: 'show-master', kind: 'boolean', help: 'also print the master key (admin level: keep it to yourself)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];
const SUMMARY = 'Keys of the local stack: host function keys (valid for every function-level route).';

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs(argv, SPECS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mlops keys: ${err.message}\n${usage('keys', SUMMARY, SPECS)}\n`);
    return 2;
  }
  if (opts.help) return process.stdout.write(usage('keys', SUMMARY, SPECS) + '\n'), 0;
  try {
    const { hostId, secrets } = await readLocalHostSecrets();
    process.stdout.write(`host ${hostId}\n`);
    for (const k of secrets.functionKeys) process.stdout.write(`function key ${k.name}: ${k.value}\n`);
    if (opts['show-master']) process.stdout.write(`master key: ${secrets.masterKey.value}\n`);
    process.stdout.write('Use as header x-functions-key (or ?code=), e.g. export MLOPS_KEY=<key>\n');
    return 0;
  } catch (err) {
    process.stderr.write(`mlops keys: cannot read the local stack's keys (is it started with npm start?): ${(err as Error).message}\n`);
    return 1;
  }
}
