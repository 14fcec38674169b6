/**
 * `mlops <command> [arguments] [options]`: the command table (name, one-line description, module) and
 * the top-level dispatch. bin/mlops.js calls `runCli`; each command module exports `main(argv)`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from './_command';
import { repoRoot } from './_remote';

interface Entry {
  name: string;
  summary: string;
  group: 'data' | 'runs' | 'models' | 'scoring' | 'access' | 'local';
  load: () => { main(argv: string[]): Promise<number> };
}

export const COMMANDS: Entry[] = [
  { name: 'upload', group: 'data', summary: 'upload a CSV to the datasets container (registers a version, starts training)', load: () => require('./upload') },
  { name: 'datasets', group: 'data', summary: 'datasets and their versions (status, rows, rejection reason)', load: () => require('./datasets') },
  { name: 'train', group: 'runs', summary: 'start a training run on a registered dataset (budget, metric, learners, folds, seed)', load: () => require('./train') },
  { name: 'runs', group: 'runs', summary: 'recent training runs with their progress and decision', load: () => require('./runs') },
  { name: 'run', group: 'runs', summary: "one run's phases, leaderboard, benchmark and decision", load: () => require('./run') },
  { name: 'logs', group: 'runs', summary: "a run's phases and AutoML progress; --follow streams them until it ends", load: () => require('./logs') },
  { name: 'cancel', group: 'runs', summary: 'stop a run that has not reached its decision yet, and wait until it stopped', load: () => require('./cancel') },
  { name: 'terminate', group: 'runs', summary: 'terminate a run at once through the Durable management API (system key)', load: () => require('./terminate') },
  { name: 'models', group: 'models', summary: 'registered model versions, the champion of each model, deployments', load: () => require('./models') },
  { name: 'promote', group: 'models', summary: 'make a registered model version the champion (serve it)', load: () => require('./promote') },
  { name: 'rollback', group: 'models', summary: 'serve an earlier version again (default: the previous champion)', load: () => require('./rollback') },
  { name: 'retire', group: 'models', summary: "stop serving a model (its champion is retired; history stays)", load: () => require('./retire') },
  { name: 'artifacts', group: 'models', summary: "download a model version's artifacts (model.onnx, model card, metrics...)", load: () => require('./artifacts') },
  { name: 'score', group: 'scoring', summary: 'score rows through the proxy (/api/score or /api/models/NAME/score)', load: () => require('./score') },
  { name: 'bench', group: 'scoring', summary: 'load-test the scoring route (ab-style report)', load: () => require('./bench') },
  { name: 'keys', group: 'access', summary: 'keys: host, master, a function\'s own (score, scoreModel), system (Durable API)', load: () => require('./keys') },
  { name: 'automl', group: 'local', summary: 'train a model on a CSV file here, without the stack (local AutoML engine)', load: () => require('./automl') },
];

const GROUPS: Record<Entry['group'], string> = {
  data: 'data',
  runs: 'training runs',
  models: 'models',
  scoring: 'scoring',
  access: 'access',
  local: 'local',
};

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

export function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = ['usage: mlops <command> [arguments] [options]', '', 'The operators\' CLI of the MLOps app: data, runs, models, scoring and keys.', ''];
  for (const g of Object.keys(GROUPS) as Entry['group'][]) {
    lines.push(`${GROUPS[g]}:`);
    for (const c of COMMANDS.filter((x) => x.group === g)) lines.push(`  ${c.name.padEnd(w)}${c.summary}`);
  }
  lines.push(
    '',
    'global options: -h, --help (on any command: its usage), --version',
    'remote commands take --url URL (MLOPS_URL, default the local stack http://127.0.0.1:7071) and --key KEY',
    "(MLOPS_KEY; for the local stack read from its storage); commands that print data take --json.",
    '',
    'exit codes: 0 ok, 1 the request or run failed, 2 usage or input error',
    'run `mlops <command> --help` for a command\'s arguments and options',
  );
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const sub = cmd === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (sub) return sub.load().main(['--help']);
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
  return entry.load().main(rest);
}

export function summaryOf(name: string): string {
  const s = COMMANDS.find((c) => c.name === name)?.summary ?? '';
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}
