/**
 * Browser code: thin helpers over Chart.js (served from the chart.js package). Every chart gets a
 * role="img" canvas with a text label, and is built after the view is in the document.
 */
export const CHARTS_JS = String.raw`
Chart.defaults.color = '#1f2328';
Chart.defaults.font.family = 'system-ui, sans-serif';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.legend.labels.boxWidth = 12;

/** A chart in a sized box; 'label' is what a screen reader hears. */
function chart(label, config, cls) {
  var canvas = h('canvas', { role: 'img', 'aria-label': label });
  var box = h('div', { class: 'chart ' + (cls || '') }, canvas);
  var token = current;
  token.pending.push(function () { token.charts.push(new Chart(canvas, config)); });
  return box;
}
function axis(title, extra) {
  var a = { title: { display: !!title, text: title }, grid: { color: '#d8dee4' } };
  Object.keys(extra || {}).forEach(function (k) { a[k] = extra[k]; });
  if (a.type === 'logarithmic' && !a.ticks) a.ticks = { callback: logTick };
  return a;
}
/** Log axes label 1 and 5 times powers of ten only, without trailing decimals. */
function logTick(v) {
  var m = v / Math.pow(10, Math.floor(Math.log10(v)));
  return Math.abs(m - 1) < 1e-6 || Math.abs(m - 5) < 1e-6 ? String(Number(v.toPrecision(3))) : '';
}
/** Segments drawn as several datasets carry an empty label: keep them out of the legend. */
var LEGEND = { labels: { filter: function (item) { return item.text !== ''; } } };
function xy(xs, ys) { return xs.map(function (x, i) { return { x: x, y: ys[i] }; }); }
function lineSet(label, data, color, extra) {
  var d = { label: label, data: data, borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2, showLine: true };
  Object.keys(extra || {}).forEach(function (k) { d[k] = extra[k]; });
  return d;
}
/** A scatter chart whose datasets may draw lines (curves, steps, reference diagonals). */
function curveChart(label, datasets, xTitle, yTitle, opts) {
  opts = opts || {};
  return chart(label, {
    type: 'scatter',
    data: { datasets: datasets },
    options: {
      scales: { x: axis(xTitle, opts.x), y: axis(yTitle, opts.y) },
      plugins: { tooltip: { intersect: false }, legend: { display: datasets.length > 1, labels: LEGEND.labels } },
    },
  }, opts.cls);
}
function barChart(label, labels, datasets, opts) {
  opts = opts || {};
  if (opts.cls === 'mini') {
    opts.y = { ticks: { autoSkip: false, font: { size: 11 } } };
    opts.x = opts.x || { ticks: { font: { size: 10 }, maxTicksLimit: 4 } };
  }
  var box = chart(label, {
    type: 'bar',
    data: { labels: labels, datasets: datasets },
    options: {
      indexAxis: opts.horizontal ? 'y' : 'x',
      scales: { x: axis(opts.xTitle, opts.x), y: axis(opts.yTitle, opts.y) },
      plugins: { legend: { display: datasets.length > 1 } },
    },
  }, opts.cls);
  if (opts.height) box.classList.add('h' + opts.height);
  return box;
}
/** The power of ten below the smallest positive value: where a log axis should start so every bar shows. */
function decadeBelow(values) {
  var min = Infinity;
  values.forEach(function (v) { if (typeof v === 'number' && v > 0) min = Math.min(min, v); });
  return isFinite(min) ? Math.pow(10, Math.floor(Math.log10(min)) - 1) : undefined;
}
var DIAGONAL = function (label) { return lineSet(label || 'chance', [{ x: 0, y: 0 }, { x: 1, y: 1 }], MUTED, { borderDash: [4, 4], borderWidth: 1 }); };
`;
