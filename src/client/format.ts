/** Terminal renderings of runs, leaderboards and benchmarks, shared by the CLI and the demo. */

const PHASES = ['prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide', 'completed'];

export const fmt = (x: unknown, d = 4): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');

/** One line of live progress: status, phase bar, AutoML progress, elapsed. */
export function progressLine(run: any): string {
  const cs = run.customStatus ?? {};
  const phase: string = cs.phase ?? run.phase ?? 'queued';
  const idx = PHASES.indexOf(phase);
  const bar = PHASES.map((p, i) => (i < idx || phase === 'completed' ? '#' : i === idx ? '>' : '.')).join('');
  const automl =
    cs.trials !== undefined || run.automl
      ? ` trials ${cs.trials ?? run.automl?.trials ?? 0}, best ${cs.bestLearner ?? run.automl?.bestLearner ?? '-'} ${fmt(cs.bestScore ?? run.automl?.bestScore)}`
      : '';
  const elapsed = cs.elapsedSeconds !== undefined ? ` ${cs.elapsedSeconds}s` : '';
  return `[${bar}] ${run.runtimeStatus ?? '?'} ${phase}${automl}${elapsed}`;
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function leaderboard(run: any): string {
  const top: any[] = run.automl?.leaderboardTop ?? [];
  return table(
    ['rank', 'learner', run.automl?.primaryMetric ?? 'score', 'fit s'],
    top.map((e) => [String(e.rank), e.learner, fmt(e.score), fmt(e.fitSeconds, 2)]),
  );
}

export function benchmarkTable(run: any): string {
  const rows: string[][] = [];
  for (const [name, b] of Object.entries<any>(run.benchmark ?? {})) {
    if (!b) continue;
    rows.push([
      name === 'direct' ? 'endpoint (direct)' : 'proxy /api/score',
      String(b.requests),
      String(b.concurrency),
      fmt(b.requestsPerSecond, 1),
      fmt(b.meanMs, 2),
      fmt(b.p50Ms, 2),
      fmt(b.p90Ms, 2),
      fmt(b.p95Ms, 2),
      fmt(b.p99Ms, 2),
      String(b.errors),
      String(b.non2xx),
    ]);
  }
  return table(['target', 'requests', 'conc', 'req/s', 'mean ms', 'p50', 'p90', 'p95', 'p99', 'errors', 'non-2xx'], rows);
}

export function decisionText(run: any): string {
  const d = run.decision;
  if (!d) return run.error ? `run failed: ${run.error.code}: ${run.error.message}` : 'no decision yet';
  const who = `${d.challenger.model} v${d.challenger.version}`;
  return `${d.promoted ? 'PROMOTED' : 'NOT PROMOTED'} ${who}: ${d.reason}`;
}
