/**
 * Browser code: datasets (#/datasets) and one dataset (#/datasets/{name}): versions with status and
 * rows, drift between versions, rejection reasons with line/column, and a version's profile (types,
 * missing share, a small distribution plot per column).
 */
export const DATASETS_JS = String.raw`
function reasonText(r) {
  if (!r) return '';
  var where = [];
  if (r.line) where.push('line ' + r.line);
  if (r.column) where.push('column ' + r.column);
  if (r.columnName) where.push('"' + r.columnName + '"');
  return r.code + (where.length ? ' at ' + where.join(', ') : '') + ': ' + r.message;
}
function driftText(d) {
  if (!d) return '-';
  var parts = [];
  if (d.added.length) parts.push('added ' + d.added.join(', '));
  if (d.removed.length) parts.push('removed ' + d.removed.join(', '));
  d.retyped.forEach(function (r) { parts.push(r.column + ' ' + r.from + ' -> ' + r.to); });
  if (d.targetChanged) parts.push('target ' + d.targetChanged.from + ' -> ' + d.targetChanged.to);
  if (d.taskChanged) parts.push('task ' + d.taskChanged.from + ' -> ' + d.taskChanged.to);
  if (d.classesAdded && d.classesAdded.length) parts.push('classes added ' + d.classesAdded.join(', '));
  if (d.classesRemoved && d.classesRemoved.length) parts.push('classes removed ' + d.classesRemoved.join(', '));
  return 'vs v' + d.againstVersion + ': ' + (parts.length ? parts.join('; ') : 'no change');
}
function miniPlot(c) {
  if (c.kind === 'categorical' && c.top && c.top.length) {
    var top = c.top.slice(0, 6);
    return barChart(c.name + ' top values: ' + top.map(function (t) { return t.value + ' ' + t.count; }).join(', '), top.map(function (t) { return t.value; }),
      [{ label: 'rows', data: top.map(function (t) { return t.count; }), backgroundColor: PALETTE[0] }], { horizontal: true, cls: 'mini', height: top.length });
  }
  if (typeof c.min === 'number' && typeof c.max === 'number') {
    // Only moments are profiled (no bins): the range, and mean +/- one standard deviation inside it.
    var lo = Math.max(c.min, c.mean - (c.std || 0)), hi = Math.min(c.max, c.mean + (c.std || 0));
    return barChart(c.name + ': min ' + fmt(c.min, 2) + ', mean ' + fmt(c.mean, 2) + ', sd ' + fmt(c.std, 2) + ', max ' + fmt(c.max, 2), ['range', 'mean \u00b1 sd'],
      [{ label: c.name, data: [[c.min, c.max], [lo, hi]], backgroundColor: [PALETTE[5], PALETTE[0]] }], { horizontal: true, cls: 'mini' });
  }
  return h('span', { class: 'muted' }, 'no values');
}
function profileView(p) {
  var cols = p.columnProfiles || [];
  var out = [];
  out.push(h('p', null, p.rows + ' rows, ' + p.columns + ' columns, target ' + p.target.name + ' (' + p.target.task + ')'));
  if (p.target.classes) {
    out.push(h('h3', null, 'Class balance of ' + p.target.name + ' (% of rows)'));
    out.push(barChart('Class balance of ' + p.target.name, p.target.classes.map(function (c) { return c.value; }),
      [{ label: 'share of rows (%)', data: p.target.classes.map(function (c) { return 100 * c.fraction; }), backgroundColor: PALETTE[2] }], { horizontal: true, cls: 'mini', height: Math.min(6, p.target.classes.length) }));
  }
  var missing = cols.filter(function (c) { return c.missing > 0; }).length;
  out.push(h('h3', null, 'Missing share by column' + (missing ? ' (' + missing + ' columns with missing values)' : ': no column has missing values')));
  out.push(barChart('Missing share by column', cols.map(function (c) { return c.name; }),
    [{ label: 'missing (%)', data: cols.map(function (c) { var n = c.count + c.missing; return n ? 100 * c.missing / n : 0; }), backgroundColor: PALETTE[1] }],
    { horizontal: true, xTitle: '% missing', x: { min: 0, suggestedMax: 5 }, y: { ticks: { autoSkip: false, font: { size: 11 } } }, cls: 'tall' }));
  out.push(table(['column', 'type', 'kind', 'missing', 'distinct', 'distribution'], cols.map(function (c) {
    var n = c.count + c.missing;
    return h('tr', null, h('td', null, c.name), h('td', null, c.type), h('td', null, c.kind), h('td', null, (n ? (100 * c.missing / n).toFixed(1) : '0.0') + '%'),
      h('td', null, (c.distinctExact ? '' : '~') + c.distinct), h('td', { class: 'plotcell' }, miniPlot(c)));
  }), 'profile-table'));
  return out;
}

route(/^\/datasets$/, function () {
  return get('/datasets').then(function (all) {
    var s = section('Datasets', 'datasets-list');
    s.body.appendChild(table(['name', 'versions', 'latest', 'status', 'latest registered', 'rows', 'reason'], (all.datasets || []).map(function (d) {
      return h('tr', null, h('td', null, link('/datasets/' + seg(d.name), d.name)), h('td', null, d.versions), h('td', null, 'v' + d.version), h('td', null, badge(d.status, statusKind(d.status))),
        h('td', null, d.latestRegistered ? 'v' + d.latestRegistered : '-'), h('td', null, d.rows), h('td', null, reasonText(d.reason)));
    })));
    return s.el;
  });
});

route(/^\/datasets\/([^/]+)$/, function (name) {
  return get('/dashboard/data/datasets/' + seg(name)).then(function (v) {
    var vs = v.versions;
    var head = section('Dataset ' + v.name, 'dataset-head');
    head.body.appendChild(barChart('Rows per version of ' + v.name + ' (red: rejected)', vs.map(function (x) { return 'v' + x.version; }),
      [{ label: 'rows', data: vs.map(function (x) { return x.rows || 0; }), backgroundColor: vs.map(function (x) { return x.status === 'rejected' ? BAD : OK; }) }], { yTitle: 'rows', cls: 'short' }));
    head.body.appendChild(table(['version', 'status', 'rows', 'columns', 'drift', 'reason', 'run', 'uploaded'], vs.map(function (x) {
      return h('tr', { 'data-version': x.version }, h('td', null, 'v' + x.version), h('td', null, badge(x.status, statusKind(x.status))), h('td', null, x.rows), h('td', null, x.columns),
        h('td', { class: x.hasDrift ? 'bad' : '' }, driftText(x.drift)), h('td', { class: 'reason' }, reasonText(x.reason)), h('td', null, x.runId ? link('/runs/' + seg(x.runId), x.runId) : '-'), h('td', null, when(x.createdAt)));
    }), 'versions-table'));
    var registered = vs.filter(function (x) { return x.profile; });
    var prof = section('Profile', 'profile');
    if (!registered.length) prof.body.appendChild(note('No registered version: nothing was profiled.'));
    else {
      var pick = h('select', { id: 'profile-version', 'aria-label': 'version to profile' }, registered.map(function (x) { return h('option', { value: x.version }, 'v' + x.version); }));
      pick.value = String(registered[registered.length - 1].version);
      var holder = h('div');
      var show = function () {
        var inside = current.charts.filter(function (c) { return holder.contains(c.canvas); });
        current.charts = current.charts.filter(function (c) { return inside.indexOf(c) < 0; });
        inside.forEach(function (c) { c.destroy(); });
        var x = registered.filter(function (r) { return String(r.version) === pick.value; })[0];
        holder.replaceChildren.apply(holder, profileView(x.profile));
        var token = current;
        token.pending.forEach(function (fn) { fn(); });
        token.pending = [];
      };
      pick.addEventListener('change', show);
      prof.body.appendChild(h('label', null, 'version ', pick));
      prof.body.appendChild(holder);
      holder.replaceChildren.apply(holder, profileView(registered[registered.length - 1].profile));
    }
    return h('div', { class: 'grid' }, head.el, prof.el);
  });
});
`;
