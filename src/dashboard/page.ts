/**
 * The operators' dashboard: one self-contained HTML page (no CDN, no build step) that polls the status
 * APIs with the function key the operator gives it (kept in sessionStorage, sent as x-functions-key).
 */
export function dashboardHtml(opts: { apiBase: string; refreshMs?: number }): string {
  const cfg = JSON.stringify({ apiBase: opts.apiBase, refreshMs: opts.refreshMs ?? 2000 }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MLOps dashboard</title>
<style>
  :root { --ok:#1a7f37; --bad:#cf222e; --run:#9a6700; --muted:#57606a; --line:#d0d7de; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  header input { width: 320px; padding: 4px 6px; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  .Completed, .registered, .champion { color: var(--ok); }
  .Failed, .Terminated, .rejected { color: var(--bad); }
  .Running, .Pending { color: var(--run); }
  .phases span { display: inline-block; padding: 0 6px; margin-right: 2px; border-radius: 8px; background: #eaeef2; color: var(--muted); font-size: 12px; }
  .phases span.done { background: #dafbe1; color: var(--ok); }
  .phases span.now { background: #fff8c5; color: var(--run); }
  .phases span.fail { background: #ffebe9; color: var(--bad); }
  #error { color: var(--bad); }
  .muted { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>MLOps dashboard</h1>
  <label>function key <input id="key" type="password" autocomplete="off" placeholder="x-functions-key"></label>
  <span id="updated" class="muted"></span>
</header>
<main>
  <div id="error" role="alert"></div>
  <section><h2>Runs</h2><table id="runs"><thead><tr><th>run</th><th>dataset</th><th>status</th><th>phases</th><th>AutoML</th><th>benchmark</th><th>decision</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Deployments</h2><table id="deployments"><thead><tr><th>name</th><th>model</th><th>status</th><th>champion</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Models</h2><table id="models"><thead><tr><th>model</th><th>version</th><th>learner</th><th>CV</th><th>held-out</th><th>status</th><th>dataset</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Datasets</h2><table id="datasets"><thead><tr><th>name</th><th>version</th><th>status</th><th>rows</th><th>columns</th><th>reason</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
const CFG = ${cfg};
const PHASES = ['prepare','automl','register','deploy','benchmark','decide','completed'];
const keyInput = document.getElementById('key');
const fromUrl = new URLSearchParams(location.search).get('code');
if (fromUrl) {
  sessionStorage.setItem('mlops-key', fromUrl);
  // Keep the key out of history and bookmarks.
  history.replaceState(null, '', location.pathname);
}
keyInput.value = sessionStorage.getItem('mlops-key') || '';
keyInput.addEventListener('change', () => { sessionStorage.setItem('mlops-key', keyInput.value); refresh(); });
function esc(v) { return String(v ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c])); }
function num(v, d = 4) { return typeof v === 'number' ? v.toFixed(d) : ''; }
async function get(path) {
  const r = await fetch(CFG.apiBase + path, { headers: { 'x-functions-key': keyInput.value } });
  if (r.status === 401) throw new Error('401: enter a valid function key');
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}
function rows(id, html) { document.querySelector('#' + id + ' tbody').innerHTML = html.join('') || '<tr><td colspan="9" class="muted">none yet</td></tr>'; }
function phases(run) {
  const seen = new Set((run.phases || []).map((p) => p.phase));
  return '<span class="phases">' + PHASES.map((p) => {
    let cls = seen.has(p) ? 'done' : '';
    if (p === run.phase && p !== 'completed') cls = 'now';
    if (run.phase === 'failed' && p === (run.phases || []).slice(-2)[0]?.phase) cls = 'fail';
    return '<span class="' + cls + '">' + p + '</span>';
  }).join('') + '</span>';
}
async function refresh() {
  try {
    const [runs, deployments, models, datasets] = await Promise.all([get('/runs'), get('/deployments'), get('/models'), get('/datasets')]);
    rows('runs', (runs.runs || runs).map((r) => '<tr data-run="' + esc(r.runId) + '"><td>' + esc(r.runId) + '</td><td>' + esc(r.dataset) + ' v' + esc(r.datasetVersion) +
      '</td><td class="' + esc(r.runtimeStatus) + '">' + esc(r.runtimeStatus || r.phase) + (r.error ? '<br><span class="Failed">' + esc(r.error.code) + '</span>' : '') +
      '</td><td>' + phases(r) + '</td><td>' + (r.automl ? esc(r.automl.trials) + ' trials, best ' + esc(r.automl.bestLearner) + ' ' + num(r.automl.bestScore) : '') +
      '</td><td>' + (r.benchmark && r.benchmark.direct ? num(r.benchmark.direct.requestsPerSecond, 0) + ' req/s, p95 ' + num(r.benchmark.direct.p95Ms, 1) + ' ms' : '') +
      '</td><td>' + (r.decision ? (r.decision.promoted ? '<b class="champion">promoted</b> ' : '<b class="rejected">kept champion</b> ') + esc(r.decision.reason) : '') + '</td></tr>'));
    rows('deployments', (deployments.deployments || deployments).map((d) => '<tr><td>' + esc(d.name) + '</td><td>' + esc(d.model && d.model.name) + ' v' + esc(d.model && d.model.version) +
      '</td><td>' + esc(d.status) + '</td><td>' + (d.champion ? '<b class="champion">champion</b>' : '') + '</td></tr>'));
    rows('models', (models.models || models).map((m) => '<tr><td>' + esc(m.name) + '</td><td>' + esc(m.version) + '</td><td>' + esc(m.learner) + '</td><td>' + num(m.cvScore) +
      '</td><td>' + num(m.testScore) + '</td><td class="' + esc(m.status) + '">' + esc(m.status) + '</td><td>' + esc(m.lineage && m.lineage.dataset) + ' v' + esc(m.lineage && m.lineage.datasetVersion) + '</td></tr>'));
    rows('datasets', (datasets.datasets || datasets).map((d) => '<tr><td>' + esc(d.name) + '</td><td>' + esc(d.version) + '</td><td class="' + esc(d.status) + '">' + esc(d.status) +
      '</td><td>' + esc(d.rows) + '</td><td>' + esc(d.columns) + '</td><td>' + esc(d.reason && (d.reason.code || d.reason) || d.rejectionCode || '') + '</td></tr>'));
    document.getElementById('error').textContent = '';
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    document.getElementById('error').textContent = String(err.message || err);
  }
}
refresh();
setInterval(refresh, CFG.refreshMs);
</script>
</body>
</html>`;
}
