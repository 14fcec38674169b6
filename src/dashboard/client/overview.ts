/** Browser code: the overview (#/): runs with live status (polled), deployments, models, datasets. */
export const OVERVIEW_JS = String.raw`
var PHASES = ['prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide', 'completed'];

function phaseChips(run) {
  var seen = {};
  (run.phases || []).forEach(function (p) { seen[p.phase] = true; });
  var marks = run.phases || [];
  var failedAt = run.phase === 'failed' && marks.length > 1 ? marks[marks.length - 2].phase : null;
  return h('span', { class: 'phases' }, PHASES.map(function (p) {
    var cls = seen[p] ? 'done' : '';
    if (p === run.phase && p !== 'completed') cls = 'now';
    if (p === failedAt) cls = 'fail';
    return h('span', { class: cls, title: cls === 'now' ? 'current phase' : cls === 'fail' ? 'failed here' : cls ? 'done' : 'not reached' }, p);
  }));
}
function decisionCell(d) {
  if (!d) return '';
  return [d.promoted ? h('b', { class: 'ok' }, 'promoted ') : h('b', { class: 'bad' }, 'kept champion '), d.reason || ''];
}
function runRow(r) {
  var st = r.runtimeStatus || r.phase;
  var a = r.automl;
  var b = r.benchmark && r.benchmark.direct;
  return h('tr', { 'data-run': r.runId },
    h('td', null, link('/runs/' + seg(r.runId), r.runId)),
    h('td', null, r.dataset ? link('/datasets/' + seg(r.dataset), r.dataset + ' v' + r.datasetVersion) : ''),
    h('td', null, badge(st, statusKind(st)), r.error ? [h('br'), h('span', { class: 'bad' }, r.error.code)] : ''),
    h('td', null, phaseChips(r)),
    h('td', null, a ? a.trials + ' trials, best ' + (a.bestLearner || '') + ' ' + fmt(a.bestScore) : ''),
    h('td', null, b ? fmt(b.requestsPerSecond, 0) + ' req/s, p95 ' + fmt(b.p95Ms, 1) + ' ms' : ''),
    h('td', null, decisionCell(r.decision)));
}
function runsTable(runs) {
  return table(['run', 'dataset', 'status', 'phases', 'AutoML', 'benchmark', 'decision'], runs.map(runRow), 'runs');
}

route(/^\/$/, function () {
  return Promise.all([get('/runs'), get('/deployments'), get('/models'), get('/datasets')]).then(function (all) {
    var runs = section('Runs (live)', 'runs-section');
    var holder = h('div', { 'aria-live': 'polite' }, runsTable(all[0].runs || []));
    runs.body.appendChild(holder);
    every(REFRESH_MS, function () {
      get('/runs').then(function (r) { holder.replaceChildren(runsTable(r.runs || [])); showError(null); }).catch(showError);
    });
    var deps = section('Deployments', 'deployments-section');
    deps.body.appendChild(table(['name', 'model', 'status', 'champion'], (all[1].deployments || []).map(function (d) {
      return h('tr', null, h('td', null, d.name), h('td', null, link('/models/' + seg(d.model.name) + '/' + d.model.version, d.model.name + ' v' + d.model.version)),
        h('td', null, badge(d.status, statusKind(d.status))), h('td', null, d.champion ? h('b', { class: 'ok' }, 'champion') : ''));
    }), 'deployments'));
    var models = section('Models', 'models-section');
    models.body.appendChild(table(['model', 'version', 'learner', 'CV', 'held-out', 'status', 'dataset'], (all[2].models || []).map(function (m) {
      return h('tr', null, h('td', null, m.name), h('td', null, link('/models/' + seg(m.name) + '/' + m.version, 'v' + m.version)), h('td', null, m.learner),
        h('td', null, fmt(m.cvScore)), h('td', null, fmt(m.testScore)), h('td', null, badge(m.status, statusKind(m.status))),
        h('td', null, m.lineage ? m.lineage.dataset + ' v' + m.lineage.datasetVersion : ''));
    }), 'models'));
    var ds = section('Datasets', 'datasets-section');
    ds.body.appendChild(table(['name', 'latest version', 'status', 'rows', 'columns', 'reason'], (all[3].datasets || []).map(function (d) {
      return h('tr', null, h('td', null, link('/datasets/' + seg(d.name), d.name)), h('td', null, d.version), h('td', null, badge(d.status, statusKind(d.status))),
        h('td', null, d.rows), h('td', null, d.columns), h('td', null, d.reason ? d.reason.code : ''));
    }), 'datasets'));
    return h('div', { class: 'grid' }, runs.el, deps.el, models.el, ds.el);
  });
});
`;
