/**
 * `mlops train DATASET [--version N] [--budget-seconds S] [--primary-metric M] ... [--follow]`: starts a
 * training run through POST /api/runs. The flags are the request's fields in kebab-case; their allowed
 * values and ranges are read from the API's own schema (src/pipeline/api.ts), so the CLI refuses
 * exactly what the API would, before sending anything.
 */
import { startRunSchema } from '../pipeline/api';
import { CommandFailed, defineCommand, EXIT, OptionSpec } from './_command';
import { client } from './_remote';
import { followRun } from './logs';
import { summaryOf } from './_catalog';

type Prop = { type: string; minimum?: number; maximum?: number; enum?: string[]; items?: { enum?: string[] } };
const AUTOML = startRunSchema.properties.automl.properties as Record<string, Prop>;

/** One CLI option per AutoML field of the request (kebab-case of the field name). */
const FIELDS: { field: string; flag: string; help: string; aliases?: string[] }[] = [
  {
    field: 'budgetSeconds',
    flag: 'budget-seconds',
    help: 'time budget of the AutoML search in seconds (default AUTOML_BUDGET_SECONDS, 60)',
    aliases: ['budget'],
  },
  {
    field: 'primaryMetric',
    flag: 'primary-metric',
    help: 'metric the search optimizes and the promotion compares (default AUC_weighted / r2_score)',
    aliases: ['metric'],
  },
  { field: 'task', flag: 'task', help: 'default: detected from the target column' },
  { field: 'maxTrials', flag: 'max-trials', help: 'stop the search after this many trials' },
  { field: 'cvFolds', flag: 'cv-folds', help: 'cross-validation folds (default 5)', aliases: ['folds'] },
  { field: 'seed', flag: 'seed', help: 'random seed of the split and the search (default AUTOML_SEED, 42)' },
  { field: 'allowedLearners', flag: 'allowed-learners', help: 'only these learners, comma-separated', aliases: ['learners'] },
  { field: 'blockedLearners', flag: 'blocked-learners', help: 'never these learners, comma-separated' },
];

function optionFor(f: (typeof FIELDS)[number]): OptionSpec {
  const p = AUTOML[f.field];
  const kind = p.type === 'array' ? 'list' : p.type === 'integer' ? 'integer' : p.type === 'number' ? 'number' : 'string';
  return { name: f.flag, kind, help: f.help, aliases: f.aliases, choices: p.enum ?? p.items?.enum, min: p.minimum, max: p.maximum };
}

const VERSION = startRunSchema.properties.version as Prop;

export const main = defineCommand(
  {
    name: 'train',
    summary: summaryOf('train'),
    positionals: [{ name: 'DATASET', help: 'a registered dataset (see mlops datasets)', required: true }],
    options: [
      { name: 'version', kind: 'integer', min: VERSION.minimum, help: 'dataset version (default: the latest registered)' },
      { name: 'run-id', kind: 'string', value: 'ID', help: 'the run id (default train-{dataset}-v{version}, with a time suffix when that run exists)' },
      ...FIELDS.map(optionFor),
      { name: 'follow', kind: 'boolean', help: "then stream the run's progress until it ends (exit 1 if it fails)" },
    ],
    remote: true,
    json: true,
    details:
      'Sends POST /api/runs {"dataset", "version", "runId", "automl": {budgetSeconds, primaryMetric, task, maxTrials,\n' +
      'cvFolds, seed, allowedLearners, blockedLearners}}. Example:\n' +
      '  mlops train bank --budget-seconds 120 --primary-metric accuracy --allowed-learners gbdt,random_forest --follow',
  },
  async ({ opts, args, json, print }) => {
    const automl: Record<string, unknown> = {};
    for (const f of FIELDS) if (opts[f.flag] !== undefined) automl[f.field] = opts[f.flag];
    const body: Record<string, unknown> = { dataset: args.DATASET };
    if (opts.version !== undefined) body.version = opts.version;
    if (opts['run-id'] !== undefined) body.runId = opts['run-id'];
    if (Object.keys(automl).length) body.automl = automl;
    const api = await client(opts);
    const r = await api.post('/api/runs', body);
    if (r.status !== 202) {
      const e = (r.body as { error?: { code?: string; message?: string; details?: { fields?: { field: string; message: string }[] } } })?.error;
      const fields = e?.details?.fields?.map((x) => `${x.field} ${x.message}`).join('; ');
      if (r.status === 401) throw new CommandFailed('UNAUTHORIZED', 'the function key is missing or wrong (set MLOPS_KEY or pass --key)');
      throw new CommandFailed(e?.code ?? `HTTP_${r.status}`, `${e?.message ?? `HTTP ${r.status}`}${fields ? `: ${fields}` : ''}`);
    }
    const runId = (r.body as { id: string }).id;
    if (!opts.follow) {
      // The 202 body's management URLs carry the system key: not printed.
      print({ runId, dataset: args.DATASET }, () => `started run ${runId}\nfollow it: mlops logs ${runId} --follow   (stop it: mlops cancel ${runId})`);
      return EXIT.OK;
    }
    if (!json) process.stdout.write(`started run ${runId}\n`);
    const status = await followRun(api, runId, json);
    return status === 'Completed' ? EXIT.OK : EXIT.FAILED;
  },
);
