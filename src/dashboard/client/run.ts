/**
 * Browser code: one run (#/runs/{id}): phase timeline with durations, AutoML progress (each trial by
 * learner, best so far; live while the run trains), leaderboard, the decision with the figures it
 * compared, and the Durable instance's status (#/runs/{id}/durable).
 */
export const RUN_JS = String.raw`
var TERMINAL = { Completed: 1, Failed: 1, Terminated: 1 };
var liveBest = {};

function timelineChart(spans) {
  if (!spans.length) return note('No phase has started yet.');
  var t0 = Date.parse(spans[0].start);
  var data = spans.map(function (s) { return [(Date.parse(s.start) - t0) / 1000, (Date.parse(s.end) - t0) / 1000]; });
  return barChart('Phase timeline: ' + spans.map(function (s) { return s.phase + ' ' + secs(s.seconds); }).join(', '),
    spans.map(function (s) { return s.phase; }),
    [{ label: 'phase (s from start)', data: data, backgroundColor: spans.map(function (s) { return s.current ? RUN : PALETTE[0]; }) }],
    { horizontal: true, xTitle: 'seconds since the run was queued', cls: 'short' });
}
function trialsChart(t, title) {
  var byLearner = {};
  t.points.forEach(function (p) { (byLearner[p.learner] = byLearner[p.learner] || []).push({ x: p.trial, y: p.score }); });
  var sets = Object.keys(byLearner).sort().map(function (l, i) {
    return { label: l, data: byLearner[l], backgroundColor: PALETTE[(i + 1) % PALETTE.length], borderColor: PALETTE[(i + 1) % PALETTE.length], pointRadius: 4, pointStyle: ['circle', 'triangle', 'rect', 'rectRot', 'star', 'cross'][i % 6] };
  });
  sets.push(lineSet('best so far', t.bestSoFar.map(function (b) { return { x: b.trial, y: b.score }; }), PALETTE[0], { stepped: 'before' }));
  return curveChart(title || ('AutoML trials: ' + t.points.length + ' scored, best ' + fmt(t.bestSoFar.length ? t.bestSoFar[t.bestSoFar.length - 1].score : NaN)),
    sets, 'trial (in start order)', t.primaryMetric + (t.lowerIsBetter ? ' (lower is better)' : ''), { x: { ticks: { stepSize: 1, precision: 0 }, suggestedMin: -0.5, suggestedMax: t.points.length ? t.points[t.points.length - 1].trial + 0.5 : 1 } });
}
function liveChart(runId) {
  var s = liveBest[runId] || [];
  if (s.length < 2) return null;
  return curveChart('Best score during the search, as polled', [lineSet('best score', s, PALETTE[0], { pointRadius: 3 })], 'seconds of AutoML', 'best score', { cls: 'short' });
}
function decisionView(d) {
  if (!d) return note('No decision yet.');
  var rows = [
    ['outcome', d.promoted ? 'promoted' : 'kept the champion'],
    ['reason', d.reason],
    ['metric', d.metric],
    ['challenger', d.challenger ? d.challenger.model + ' v' + d.challenger.version + ': ' + fmt(d.challenger.testScore) + ' on held-out rows' : '-'],
    ['champion', d.champion ? d.champion.model + ' v' + d.champion.version + ': ' + fmt(d.champion.testScore) + ' on the same rows' : 'none'],
    ['tolerance', fmt(d.tolerance)],
    ['p95 latency vs SLO', fmt(d.p95Ms, 2) + ' ms vs ' + fmt(d.sloP95Ms, 3) + ' ms'],
  ].map(function (r) { return h('tr', null, h('th', { scope: 'row' }, r[0]), h('td', null, r[1])); });
  var labels = ['challenger v' + (d.challenger ? d.challenger.version : '?')];
  var vals = [d.challenger ? d.challenger.testScore : null];
  if (d.champion) { labels.push('champion v' + d.champion.version); vals.push(d.champion.testScore); }
  var scores = barChart('Held-out ' + d.metric + ': ' + labels.map(function (l, i) { return l + ' ' + fmt(vals[i]); }).join(', '), labels,
    [{ label: d.metric, data: vals, backgroundColor: [d.promoted ? OK : BAD, PALETTE[0]] }], { yTitle: 'held-out ' + d.metric, cls: 'short' });
  var latency = barChart('p95 latency ' + fmt(d.p95Ms, 2) + ' ms against the SLO ' + fmt(d.sloP95Ms, 3) + ' ms', ['p95', 'SLO'],
    [{ label: 'ms', data: [d.p95Ms, d.sloP95Ms], backgroundColor: [PALETTE[0], MUTED] }], { yTitle: 'ms (log scale)', y: { type: 'logarithmic', min: decadeBelow([d.p95Ms, d.sloP95Ms]) }, cls: 'short' });
  return h('div', null, h('p', { class: 'decision ' + (d.promoted ? 'ok' : 'bad') }, d.promoted ? 'Promoted' : 'Kept the champion'),
    h('div', { class: 'row' }, scores, latency), h('table', { class: 'kv', id: 'decision-figures' }, h('tbody', null, rows)));
}

route(/^\/runs\/([^/]+)$/, function (id) {
  return get('/dashboard/data/runs/' + seg(id)).then(function (v) {
    var r = v.run;
    var st = r.runtimeStatus || r.phase;
    if (!TERMINAL[st]) {
      if (r.automl && typeof r.automl.bestScore === 'number') {
        var s = liveBest[id] = liveBest[id] || [];
        var last = s[s.length - 1];
        if (!last || last.x !== r.automl.elapsedSeconds) s.push({ x: r.automl.elapsedSeconds || 0, y: r.automl.bestScore });
      }
      every(REFRESH_MS, function () {
        get('/runs/' + seg(id)).then(function (n) { if (n.updatedAt !== r.updatedAt || n.runtimeStatus !== r.runtimeStatus) render(true); }).catch(showError);
      });
    }
    var head = section('Run ' + r.runId, 'run-head');
    head.body.appendChild(h('p', null, badge(st, statusKind(st)), ' ',
      r.dataset ? link('/datasets/' + seg(r.dataset), 'dataset ' + r.dataset + ' v' + r.datasetVersion) : '', ' | trigger ' + (r.trigger || '-'),
      r.model ? [' | ', link('/models/' + seg(r.model.name) + '/' + r.model.version, 'model ' + r.model.name + ' v' + r.model.version)] : '',
      r.deployment ? ' | deployment ' + r.deployment.name : '', ' | ', link('/runs/' + seg(r.runId) + '/durable', 'Durable status')));
    if (r.error) head.body.appendChild(h('p', { class: 'bad', role: 'status' }, r.error.code + ': ' + r.error.message));
    var tl = section('Phase timeline', 'timeline');
    tl.body.appendChild(timelineChart(v.spans));
    tl.body.appendChild(table(['phase', 'started', 'duration'], v.spans.map(function (s) {
      return h('tr', null, h('td', null, s.phase), h('td', null, when(s.start)), h('td', null, secs(s.seconds) + (s.current ? ' (so far)' : '')));
    }), 'phase-table'));
    var am = section('AutoML progress', 'automl');
    var a = r.automl;
    am.body.appendChild(h('p', null, a ? a.trials + ' trials in ' + secs(a.elapsedSeconds) + ', best ' + (a.bestLearner || '-') + ' ' + (a.primaryMetric || '') + ' ' + fmt(a.bestScore) : 'AutoML has not started.'));
    var live = liveChart(id);
    if (live) am.body.appendChild(live);
    if (v.trials && v.trials.points.length) am.body.appendChild(trialsChart(v.trials));
    else if (TERMINAL[st]) am.body.appendChild(note('No trial points: the run registered no model (leaderboard.json is kept with the model).'));
    var lb = section('Leaderboard (top)', 'leaderboard');
    lb.body.appendChild(table(['rank', 'learner', 'score', 'fit'], ((a && a.leaderboardTop) || []).map(function (e) {
      return h('tr', null, h('td', null, e.rank), h('td', null, e.learner), h('td', null, fmt(e.score, 5)), h('td', null, secs(e.fitSeconds)));
    }), 'leaderboard-table'));
    var dec = section('Decision', 'decision');
    dec.body.appendChild(decisionView(r.decision));
    return h('div', { class: 'grid' }, head.el, tl.el, am.el, lb.el, dec.el);
  });
});

route(/^\/runs\/([^/]+)\/durable$/, function (id) {
  return get('/dashboard/data/runs/' + seg(id) + '/durable').then(function (s) {
    var sec = section('Durable status of ' + id, 'durable');
    sec.body.appendChild(h('p', null, link('/runs/' + seg(id), 'back to the run'), ' | instance path ' + s.statusPath + ' (the Durable API needs the system key; this page reads it through the dashboard API)'));
    sec.body.appendChild(h('table', { class: 'kv' }, h('tbody', null, [['runtimeStatus', s.runtimeStatus], ['name', s.name], ['created', when(s.createdTime)], ['last updated', when(s.lastUpdatedTime)]].map(function (r) {
      return h('tr', null, h('th', { scope: 'row' }, r[0]), h('td', null, r[1]));
    }))));
    if (s.customStatus !== undefined && s.customStatus !== null) sec.body.appendChild(h('pre', { class: 'card' }, JSON.stringify(s.customStatus, null, 2)));
    sec.body.appendChild(table(['event', 'name', 'time'], (s.history || []).map(function (e) {
      return h('tr', null, h('td', null, e.EventType), h('td', null, e.Name || e.FunctionName || ''), h('td', null, when(e.Timestamp)));
    }), 'durable-history'));
    return sec.el;
  });
});
`;
