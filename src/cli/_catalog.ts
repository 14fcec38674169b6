/**
 * The commands of `mlops`: name, group and one-line description. The one list the top-level help,
 * each command's own help and the dispatcher (index.ts) read; it imports no command.
 */
export type Group = 'data' | 'runs' | 'models' | 'scoring' | 'access' | 'local';

export interface CommandInfo {
  name: string;
  group: Group;
  summary: string;
}

export const CATALOG: CommandInfo[] = [
  { name: 'upload', group: 'data', summary: 'upload a CSV to the datasets container (registers a version, starts training)' },
  { name: 'datasets', group: 'data', summary: 'datasets and their versions (status, rows, rejection reason)' },
  { name: 'train', group: 'runs', summary: 'start a training run on a registered dataset (budget, metric, learners, folds, seed)' },
  { name: 'runs', group: 'runs', summary: 'recent training runs with their progress and decision' },
  { name: 'run', group: 'runs', summary: "one run's phases, leaderboard, benchmark and decision" },
  { name: 'logs', group: 'runs', summary: "a run's phases and AutoML progress; --follow streams them until it ends" },
  { name: 'cancel', group: 'runs', summary: 'stop a run before its decision, with clean-up (job cancelled, challenger retired), and wait' },
  { name: 'terminate', group: 'runs', summary: 'terminate a run at once through the Durable management API (system key)' },
  { name: 'models', group: 'models', summary: 'registered model versions, the champion of each model, deployments' },
  { name: 'promote', group: 'models', summary: 'make a registered model version the champion (serve it)' },
  { name: 'rollback', group: 'models', summary: 'serve an earlier version again (default: the previous champion)' },
  { name: 'retire', group: 'models', summary: 'stop serving a model (history stays), or retire one deployment that is not a champion' },
  { name: 'artifacts', group: 'models', summary: "download a model version's artifacts (model.onnx, model card, metrics...)" },
  { name: 'score', group: 'scoring', summary: 'score rows through the proxy (/api/score or /api/models/NAME/score)' },
  { name: 'bench', group: 'scoring', summary: 'load-test the scoring route (ab-style report)' },
  { name: 'keys', group: 'access', summary: "keys: host, master, a function's own (score, scoreModel), system (Durable API)" },
  { name: 'automl', group: 'local', summary: 'train a model on a CSV file here, without the stack (local AutoML engine)' },
];

export const GROUPS: Record<Group, string> = {
  data: 'data',
  runs: 'training runs',
  models: 'models',
  scoring: 'scoring',
  access: 'access',
  local: 'local',
};

/** A command's description as the first sentence of its help. */
export function summaryOf(name: string): string {
  const s = CATALOG.find((c) => c.name === name)?.summary ?? '';
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}
