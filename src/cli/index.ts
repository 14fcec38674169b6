/**
 * `mlops <command> [arguments] [options]`: the top-level help and the dispatch to the command modules
 * (their names and descriptions are in _catalog.ts). bin/mlops.js calls `runCli`; each command module exports `main(argv)`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from './_command';
import { CATALOG, GROUPS, Group } from './_catalog';
import { repoRoot } from './_remote';

type Main = { main(argv: string[]): Promise<number> };

/** The command modules, loaded only when run (a command's help loads nothing else). */
const LOADERS: Record<string, () => Promise<Main>> = {
  upload: () => import('./upload'),
  datasets: () => import('./datasets'),
  train: () => import('./train'),
  runs: () => import('./runs'),
  run: () => import('./run'),
  logs: () => import('./logs'),
  cancel: () => import('./cancel'),
  terminate: () => import('./terminate'),
  models: () => import('./models'),
  promote: () => import('./promote'),
  rollback: () => import('./rollback'),
  retire: () => import('./retire'),
  artifacts: () => import('./artifacts'),
  score: () => import('./score'),
  bench: () => import('./bench'),
  keys: () => import('./keys'),
  automl: () => import('./automl'),
};

export const COMMANDS = CATALOG.map((c) => ({ ...c, load: LOADERS[c.name] }));

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

export function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = ['usage: mlops <command> [arguments] [options]', '', "The operators' CLI of the MLOps app: data, runs, models, scoring and keys.", ''];
  for (const g of Object.keys(GROUPS) as Group[]) {
    lines.push(`${GROUPS[g]}:`);
    for (const c of COMMANDS.filter((x) => x.group === g)) lines.push(`  ${c.name.padEnd(w)}${c.summary}`);
  }
  lines.push(
    '',
    'global options: -h, --help (on any command: its usage), --version',
    'remote commands take --url URL (MLOPS_URL, default the local stack http://127.0.0.1:7071) and --key KEY',
    '(MLOPS_KEY; for the local stack read from its storage); commands that print data take --json.',
    '',
    'exit codes: 0 ok, 1 the request or run failed, 2 usage or input error',
    "run `mlops <command> --help` for a command's arguments and options",
  );
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const sub = cmd === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (sub) return (await sub.load()).main(['--help']);
    process.stdout.write(topHelp());
    return EXIT.OK;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(version() + '\n');
    return EXIT.OK;
  }
  if (cmd === undefined) {
    process.stderr.write(topHelp());
    return EXIT.USAGE;
  }
  const entry = COMMANDS.find((c) => c.name === cmd);
  if (!entry) {
    process.stderr.write(`mlops: unknown command "${cmd.slice(0, 60)}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; mlops --help)\n`);
    return EXIT.USAGE;
  }
  return (await entry.load()).main(rest);
}
