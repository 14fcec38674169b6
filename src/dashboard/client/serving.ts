/**
 * Browser code: serving (#/serving): each benchmark's latency histogram (endpoint and proxy) with the
 * SLO, percentiles, requests per second, deployments, and the champion history per model.
 */
export const SERVING_JS = String.raw`
function histSet(label, hist, color) {
  // Stepped outline over the bin edges ('before' in Chart.js holds each count up to the next edge):
  // both series share one linear millisecond axis.
  var pts = [];
  hist.counts.forEach(function (c, i) { pts.push({ x: hist.edgesMs[i], y: c }); });
  pts.push({ x: hist.edgesMs[hist.edgesMs.length - 1], y: hist.counts[hist.counts.length - 1] || 0 });
  return lineSet(label, pts, color, { stepped: 'before', fill: 'origin', backgroundColor: color + '33' });
}
function histogramChart(b) {
  var sets = [];
  var maxMs = 0, maxCount = 0;
  [['endpoint', b.direct, PALETTE[0]], ['proxy', b.proxy, PALETTE[1]]].forEach(function (s) {
    var hist = s[1] && s[1].histogram;
    if (!hist || !hist.counts.length) return;
    sets.push(histSet(s[0] + ' (' + s[1].requests + ' requests)', hist, s[2]));
    maxMs = Math.max(maxMs, hist.edgesMs[hist.edgesMs.length - 1]);
    hist.counts.forEach(function (c) { maxCount = Math.max(maxCount, c); });
  });
  if (!sets.length) return note('No latency histogram stored for this run (recorded before histograms were kept).');
  var caption = '';
  if (typeof b.sloP95Ms === 'number') {
    // The SLO is drawn when it is on the latency scale; far beyond it, the caption says where it is.
    if (b.sloP95Ms <= maxMs * 1.5) sets.push(lineSet('p95 SLO ' + fmt(b.sloP95Ms, 3) + ' ms', [{ x: b.sloP95Ms, y: 0 }, { x: b.sloP95Ms, y: maxCount }], BAD, { borderDash: [6, 4] }));
    else caption = 'p95 SLO ' + fmt(b.sloP95Ms, 0) + ' ms is off this scale (slowest response ' + fmt(maxMs, 1) + ' ms).';
  }
  return h('div', null, curveChart('Latency histogram of ' + (b.deployment || b.runId), sets, 'latency (ms)', 'responses', { x: { min: 0 } }), caption ? note(caption) : null);
}
function percentileChart(b) {
  var ps = ['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms'];
  var sets = [];
  if (b.direct) sets.push({ label: 'endpoint', data: ps.map(function (p) { return b.direct[p]; }), backgroundColor: PALETTE[0] });
  if (b.proxy) sets.push({ label: 'proxy', data: ps.map(function (p) { return b.proxy[p]; }), backgroundColor: PALETTE[1] });
  if (typeof b.sloP95Ms === 'number') sets.push({ type: 'line', label: 'p95 SLO', data: ps.map(function () { return b.sloP95Ms; }), borderColor: BAD, backgroundColor: BAD, borderDash: [6, 4], pointRadius: 0 });
  return barChart('Latency percentiles (ms, log scale) of ' + (b.deployment || b.runId), ['p50', 'p90', 'p95', 'p99'], sets, { yTitle: 'ms (log scale)', y: { type: 'logarithmic', min: decadeBelow([].concat.apply([], sets.map(function (s) { return s.data; }))) } });
}
function historyChart(hist) {
  var sets = [];
  hist.served.forEach(function (s, i) {
    var end = s.to ? Date.parse(s.to) : Date.now();
    sets.push(lineSet(i ? '' : 'champion served', [{ x: Date.parse(s.from), y: s.version }, { x: end, y: s.version }], OK, { borderWidth: 6 }));
  });
  var kinds = [['promoted', OK, 'triangle'], ['rejected', BAD, 'crossRot'], ['rolled-back', PALETTE[3], 'rectRot'], ['retired', MUTED, 'rect']];
  kinds.forEach(function (k) {
    var pts = hist.events.filter(function (e) { return e.kind === k[0]; }).map(function (e) { return { x: Date.parse(e.at), y: e.version }; });
    if (pts.length) sets.push({ label: k[0], data: pts, borderColor: k[1], backgroundColor: k[1], pointStyle: k[2], pointRadius: 8, borderWidth: 2 });
  });
  return curveChart('Champion history of ' + hist.model + ': ' + hist.events.map(function (e) { return e.kind + ' v' + e.version; }).join(', '), sets, 'time', 'model version', {
    x: { ticks: { callback: function (v) { return new Date(v).toLocaleTimeString(); } } },
    y: { ticks: { stepSize: 1, precision: 0 } },
  });
}

route(/^\/serving$/, function () {
  return get('/dashboard/data/serving').then(function (v) {
    var deps = section('Deployments and champions', 'serving-deployments');
    deps.body.appendChild(h('p', null, v.champions.length ? 'Champions: ' + v.champions.map(function (c) { return c.model + ' v' + c.version + ' (' + c.deployment + ')'; }).join(', ') : 'No champion yet.'));
    deps.body.appendChild(table(['deployment', 'model', 'status', 'champion', 'created', 'updated'], v.deployments.map(function (d) {
      return h('tr', null, h('td', null, d.name), h('td', null, link('/models/' + seg(d.model) + '/' + d.version, d.model + ' v' + d.version)), h('td', null, badge(d.status, statusKind(d.status))),
        h('td', null, d.champion ? h('b', { class: 'ok' }, 'champion') : ''), h('td', null, when(d.createdAt)), h('td', null, when(d.updatedAt)));
    }), 'serving-deployments-table'));

    var rps = section('Requests per second', 'rps');
    rps.body.appendChild(v.benchmarks.length ? barChart('Requests per second by run, endpoint and proxy', v.benchmarks.map(function (b) { return b.runId; }), [
      { label: 'endpoint', data: v.benchmarks.map(function (b) { return b.direct ? b.direct.requestsPerSecond : null; }), backgroundColor: PALETTE[0] },
      { label: 'proxy', data: v.benchmarks.map(function (b) { return b.proxy ? b.proxy.requestsPerSecond : null; }), backgroundColor: PALETTE[1] },
    ], { yTitle: 'requests / s', cls: 'short' }) : note('No benchmark yet.'));

    var bench = section('Benchmarks: latency', 'benchmarks');
    v.benchmarks.slice().reverse().forEach(function (b) {
      bench.body.appendChild(h('div', { class: 'bench', 'data-run': b.runId },
        h('h3', null, link('/runs/' + seg(b.runId), b.runId), ' ' + (b.deployment || '') + (b.promoted === true ? ' (promoted)' : b.promoted === false ? ' (not promoted)' : '')),
        h('div', { class: 'row' }, histogramChart(b), percentileChart(b)),
        table(['path', 'requests', 'concurrency', 'req/s', 'mean', 'p50', 'p90', 'p95', 'p99', 'errors', 'non-2xx'], [['endpoint', b.direct], ['proxy', b.proxy]].filter(function (x) { return x[1]; }).map(function (x) {
          var f = x[1];
          return h('tr', null, h('td', null, x[0]), h('td', null, f.requests), h('td', null, f.concurrency), h('td', null, fmt(f.requestsPerSecond, 1)), h('td', null, fmt(f.meanMs, 2)),
            h('td', null, fmt(f.p50Ms, 2)), h('td', null, fmt(f.p90Ms, 2)), h('td', null, fmt(f.p95Ms, 2)), h('td', null, fmt(f.p99Ms, 2)), h('td', null, f.errors), h('td', null, f.non2xx));
        }))));
    });
    if (!v.benchmarks.length) bench.body.appendChild(note('No benchmark yet.'));

    var hist = section('Champion history', 'history');
    v.history.forEach(function (x) {
      hist.body.appendChild(h('h3', null, x.model));
      hist.body.appendChild(historyChart(x));
      hist.body.appendChild(table(['time', 'event', 'version', 'against', 'run', 'reason'], x.events.map(function (e) {
        return h('tr', null, h('td', null, when(e.at)), h('td', null, badge(e.kind, e.kind === 'promoted' ? 'ok' : e.kind === 'rejected' ? 'bad' : '')), h('td', null, 'v' + e.version),
          h('td', null, e.against ? 'v' + e.against : '-'), h('td', null, e.runId ? link('/runs/' + seg(e.runId), e.runId) : '-'), h('td', null, e.reason));
      })));
    });
    if (!v.history.length) hist.body.appendChild(note('No promotion or rejection yet.'));
    return h('div', { class: 'grid' }, deps.el, rps.el, bench.el, hist.el);
  });
});
`;
