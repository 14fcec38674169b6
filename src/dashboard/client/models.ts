/**
 * Browser code: models (#/models: versions per lineage, CV vs held-out) and one version
 * (#/models/{name}/{v}): ROC, precision-recall and calibration curves, confusion matrix (classification);
 * predicted-vs-actual and residuals (regression); feature importance, CV vs held-out, trials, lineage
 * and the model card.
 */
export const MODELS_JS = String.raw`
function confusionTable(c) {
  var max = 0;
  c.matrix.forEach(function (row) { row.forEach(function (v) { max = Math.max(max, v); }); });
  var head = h('tr', null, h('th', { scope: 'col' }, 'true \\ predicted'), c.classes.map(function (k) { return h('th', { scope: 'col' }, k); }));
  var rows = c.matrix.map(function (row, i) {
    var total = row.reduce(function (a, b) { return a + b; }, 0) || 1;
    return h('tr', null, h('th', { scope: 'row' }, c.classes[i]), row.map(function (v, j) {
      // Blue shade by count; white text on the darker half keeps the contrast readable.
      var share = max ? v / max : 0;
      var bg = 'rgba(0, 114, 178, ' + (0.08 + 0.85 * share).toFixed(2) + ')';
      return h('td', { class: 'cm' + (share > 0.5 ? ' dark' : '') + (i === j ? ' diag' : ''), 'data-count': v, 'data-bg': bg }, String(v), h('small', null, ' ' + (100 * v / total).toFixed(1) + '%'));
    }));
  });
  var t = h('table', { class: 'confusion', id: 'confusion', 'aria-label': 'confusion matrix, rows are the true class' }, h('thead', null, head), h('tbody', null, rows));
  // Colours set through the CSSOM (the page's policy forbids inline style attributes).
  t.querySelectorAll('td.cm').forEach(function (td) { td.style.backgroundColor = td.getAttribute('data-bg'); });
  return t;
}
function lineageView(v) {
  var l = v.lineage;
  var boxes = [
    h('div', { class: 'node' }, h('small', null, 'dataset version'), link('/datasets/' + seg(l.dataset), l.dataset + ' v' + l.datasetVersion), h('small', { class: 'mono' }, (l.datasetSha256 || '').slice(0, 12))),
    h('div', { class: 'node' }, h('small', null, 'run'), link('/runs/' + seg(l.runId), l.runId)),
    h('div', { class: 'node' }, h('small', null, 'model'), h('b', null, v.model.name + ' v' + v.model.version), h('small', null, v.model.learner)),
    h('div', { class: 'node' }, h('small', null, 'deployment'), l.deployment ? [h('b', null, l.deployment.name), h('small', null, l.deployment.status + (l.deployment.champion ? ', champion' : ''))] : h('span', { class: 'muted' }, 'none')),
  ];
  var out = [];
  boxes.forEach(function (b, i) { if (i) out.push(h('span', { class: 'arrow', 'aria-hidden': 'true' }, '\u2192')); out.push(b); });
  return h('div', { class: 'lineage', id: 'lineage', role: 'list' }, out);
}

route(/^\/models$/, function () {
  return get('/models').then(function (all) {
    var models = all.models || [];
    var names = [];
    models.forEach(function (m) { if (names.indexOf(m.name) < 0) names.push(m.name); });
    var champ = {};
    (all.champions || []).forEach(function (c) { champ[c.model] = c.version; });
    var parts = names.map(function (n) {
      var vs = models.filter(function (m) { return m.name === n; });
      var s = section('Model ' + n + (champ[n] ? ' (champion v' + champ[n] + ')' : ''), 'model-' + n.replace(/[^A-Za-z0-9_-]/g, '_'));
      s.body.appendChild(barChart(n + ': CV and held-out ' + (vs[0] ? vs[0].primaryMetric : '') + ' by version', vs.map(function (m) { return 'v' + m.version; }), [
        { label: 'CV', data: vs.map(function (m) { return m.cvScore; }), backgroundColor: PALETTE[0] },
        { label: 'held-out', data: vs.map(function (m) { return typeof m.testScore === 'number' ? m.testScore : null; }), backgroundColor: PALETTE[1] },
      ], { yTitle: vs[0] ? vs[0].primaryMetric : '', cls: 'short' }));
      s.body.appendChild(table(['version', 'status', 'learner', 'CV', 'held-out', 'decision'], vs.map(function (m) {
        return h('tr', null, h('td', null, link('/models/' + seg(n) + '/' + m.version, 'v' + m.version)), h('td', null, badge(m.status, statusKind(m.status))),
          h('td', null, m.learner), h('td', null, fmt(m.cvScore)), h('td', null, fmt(m.testScore)), h('td', null, m.decision || ''));
      })));
      return s.el;
    });
    return h('div', { class: 'grid' }, parts.length ? parts : note('No model registered yet.'));
  });
});

route(/^\/models\/([^/]+)\/(\d+)$/, function (name, version) {
  return get('/dashboard/data/models/' + seg(name) + '/' + seg(version)).then(function (v) {
    var m = v.model;
    var head = section('Model ' + m.name + ' v' + m.version, 'model-head');
    head.body.appendChild(h('p', null, badge(m.status, statusKind(m.status)), ' ' + m.task + ', ' + m.learner + ', ' + m.primaryMetric + ' CV ' + fmt(m.cvScore) + ', held-out ' + fmt(m.testScore) + (m.decision ? ' | ' + m.decision : '')));
    head.body.appendChild(lineageView(v));
    var plots = [];
    var c = v.classification;
    if (c && c.roc) {
      plots.push(curveChart('ROC curve of class ' + c.classes[c.classes.length - 1] + ', AUC ' + fmt(v.metrics.cv.AUC_weighted),
        [lineSet('ROC (out-of-fold)', xy(c.roc.fpr, c.roc.tpr), PALETTE[0]), DIAGONAL()], 'false positive rate', 'true positive rate', { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }));
    }
    if (c && c.pr) {
      plots.push(curveChart('Precision-recall curve, average precision ' + fmt(v.metrics.cv.average_precision_score_weighted),
        [lineSet('precision-recall', xy(c.pr.recall, c.pr.precision), PALETTE[1])], 'recall', 'precision', { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }));
    }
    if (c && c.calibration.length) {
      plots.push(curveChart('Calibration: observed share of positives by predicted probability',
        [lineSet('model', c.calibration.map(function (b) { return { x: b.predicted, y: b.observed }; }), PALETTE[2], { pointRadius: 4 }), DIAGONAL('perfectly calibrated')],
        'mean predicted probability', 'observed share of positives', { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }));
    }
    var r = v.regression;
    if (r) {
      var lo = Math.min(Math.min.apply(null, r.actual), Math.min.apply(null, r.predicted));
      var hi = Math.max(Math.max.apply(null, r.actual), Math.max.apply(null, r.predicted));
      var pts = r.actual.map(function (a, i) { return { x: a, y: r.predicted[i] }; });
      plots.push(curveChart('Predicted vs actual (out-of-fold, ' + pts.length + ' rows), R² ' + fmt(v.metrics.cv.r2_score),
        [lineSet('rows', pts, PALETTE[0], { showLine: false, pointRadius: 2 }), lineSet('predicted = actual', [{ x: lo, y: lo }, { x: hi, y: hi }], '#777', { borderDash: [4, 4], borderWidth: 1 })],
        'actual', 'predicted'));
      var res = r.actual.map(function (a, i) { return { x: r.predicted[i], y: a - r.predicted[i] }; });
      var plo = Math.min.apply(null, r.predicted);
      var phi = Math.max.apply(null, r.predicted);
      plots.push(curveChart('Residuals (actual - predicted) by prediction, RMSE ' + fmt(v.metrics.cv.root_mean_squared_error),
        [lineSet('rows', res, PALETTE[1], { showLine: false, pointRadius: 2 }), lineSet('zero', [{ x: plo, y: 0 }, { x: phi, y: 0 }], '#777', { borderDash: [4, 4], borderWidth: 1 })],
        'predicted', 'residual'));
    }
    var ev = section('Evaluation (cross-validated, out-of-fold)', 'evaluation');
    ev.body.appendChild(h('div', { class: 'row' }, plots));
    if (c && c.calibration.length) ev.body.appendChild(note('Calibration is derived from the stored ROC points and class counts: the predicted value of a bin is accurate to about one ROC band (1% of the rows).'));
    if (c && c.confusion) ev.body.appendChild(h('div', null, h('h3', null, 'Confusion matrix (rows: true class)'), confusionTable(c.confusion)));
    v.notStored.forEach(function (t) { ev.body.appendChild(note('Not shown, not stored: ' + t + '.')); });

    var fi = section('Feature importance', 'importance');
    fi.body.appendChild(v.featureImportance.length ? barChart('Feature importance, top ' + v.featureImportance.length,
      v.featureImportance.map(function (f) { return f.column; }),
      [{ label: 'share of importance (%)', data: v.featureImportance.map(function (f) { return 100 * f.importance; }), backgroundColor: PALETTE[0] }],
      { horizontal: true, xTitle: 'share of total importance (%)', cls: 'tall' }) : note('No feature importance stored.'));

    var mt = section('CV vs held-out', 'cv-heldout');
    var keys = Object.keys(v.metrics.cv).sort();
    var pm = v.metrics.primaryMetric;
    mt.body.appendChild(barChart(pm + ': CV ' + fmt(v.metrics.cv[pm]) + ', held-out ' + fmt(v.metrics.heldOut[pm]), [pm],
      [{ label: 'CV (out-of-fold)', data: [v.metrics.cv[pm]], backgroundColor: PALETTE[0] }, { label: 'held-out split', data: [v.metrics.heldOut[pm] === undefined ? null : v.metrics.heldOut[pm]], backgroundColor: PALETTE[1] }],
      { cls: 'short', yTitle: pm }));
    mt.body.appendChild(table(['metric', 'CV', 'held-out'], keys.map(function (k) {
      return h('tr', null, h('td', null, k), h('td', null, fmt(v.metrics.cv[k])), h('td', null, fmt(v.metrics.heldOut[k])));
    }), 'metrics-table'));

    var tr = section('AutoML trials', 'trials');
    tr.body.appendChild(v.trials.points.length ? trialsChart(v.trials) : note('No trial points stored.'));
    var card = section('Model card', 'card');
    card.body.appendChild(v.card ? h('pre', { class: 'card', tabindex: '0' }, v.card) : note('No model card stored.'));
    return h('div', { class: 'grid' }, head.el, ev.el, fi.el, mt.el, tr.el, card.el);
  });
});
`;
