/**
 * Browser code (plain ES2020, served as /api/dashboard/assets/dashboard.js): DOM building without HTML
 * strings (every value goes through textContent or an attribute), the keyed API client, the hash
 * router and the palette. Kept as a string so the app serves it without a build step; the test suite
 * parses it and drives it in Chromium.
 */
export const CORE_JS = String.raw`
var KEY_ITEM = 'mlops-key';
var API = document.body.getAttribute('data-api-base') || '/api';
var REFRESH_MS = Number(document.body.getAttribute('data-refresh-ms')) || 2000;
// Okabe-Ito: distinguishable with colour-vision deficiencies; all but yellow read on white.
var PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8c564b'];
var OK = '#1a7f37', BAD = '#cf222e', RUN = '#9a6700', MUTED = '#57606a';

/** h('td', {class: 'x'}, 'text', node, ...): text children become text nodes, never markup. */
function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'onclick' || k === 'onchange' || k === 'onsubmit') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    });
  }
  for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
  return el;
}
function append(el, c) {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
  el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}
function fmt(v, d) {
  if (typeof v !== 'number' || !isFinite(v)) return '-';
  return v.toFixed(d === undefined ? 4 : d);
}
function secs(s) {
  if (typeof s !== 'number' || !isFinite(s)) return '-';
  return s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
}
function when(iso) {
  var t = Date.parse(iso);
  return isFinite(t) ? new Date(t).toLocaleString() : '-';
}
function link(hash, text) { return h('a', { href: '#' + hash }, text); }
function seg(s) { return encodeURIComponent(String(s)); }
function badge(text, kind) { return h('span', { class: 'badge ' + (kind || '') }, text); }
function statusKind(s) {
  if (s === 'Completed' || s === 'registered' || s === 'champion' || s === 'running') return 'ok';
  if (s === 'Failed' || s === 'Terminated' || s === 'rejected' || s === 'failed') return 'bad';
  if (s === 'Running' || s === 'Pending' || s === 'queued' || s === 'starting') return 'run';
  return '';
}
function section(title, id) {
  var body = h('div', { class: 'body' });
  var s = h('section', { id: id, 'aria-labelledby': id ? id + '-h' : undefined }, h('h2', { id: id ? id + '-h' : undefined }, title), body);
  return { el: s, body: body };
}
function table(headers, rows, id) {
  var tb = h('tbody');
  rows.forEach(function (r) { tb.appendChild(r); });
  if (!rows.length) tb.appendChild(h('tr', null, h('td', { colspan: headers.length, class: 'muted' }, 'none yet')));
  return h('table', { id: id }, h('thead', null, h('tr', null, headers.map(function (x) { return h('th', { scope: 'col' }, x); }))), tb);
}
function note(text) { return h('p', { class: 'muted note' }, text); }

// ---- the key: typed into the page, kept in sessionStorage, sent as a header (never in a URL) ----
function currentKey() { return sessionStorage.getItem(KEY_ITEM) || ''; }
function ApiError(status, message) { this.status = status; this.message = message; }
function get(path) {
  if (!currentKey()) return Promise.reject(new ApiError(401, 'No function key: enter one above (the data APIs answer 401 without it).'));
  return fetch(API + path, { headers: { 'x-functions-key': currentKey() }, cache: 'no-store' }).then(function (r) {
    if (r.status === 401) throw new ApiError(401, '401: enter a valid function key above');
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) throw new ApiError(r.status, path + ': HTTP ' + r.status + (body && body.error ? ' ' + body.error.code + ': ' + body.error.message : ''));
      return body;
    });
  });
}
function showError(err) {
  document.getElementById('error').textContent = err ? String(err.message || err) : '';
}

// ---- router: #/..., one view at a time; a view returns its element and may poll ----
var ROUTES = [];
var current = { timers: [], charts: [], pending: [] };
function route(pattern, view) { ROUTES.push({ re: pattern, view: view }); }
function every(ms, fn) { current.timers.push(setInterval(fn, ms)); }
function teardown() {
  current.timers.forEach(clearInterval);
  current.charts.forEach(function (c) { c.destroy(); });
  current = { timers: [], charts: [], pending: [] };
}
/** Renders the page of the current hash; 'quiet' keeps the old content until the new one is ready (polling). */
function render(quiet) {
  teardown();
  var hash = location.hash.replace(/^#/, '') || '/';
  var main = document.getElementById('view');
  var match = null, view = null;
  for (var i = 0; i < ROUTES.length && !match; i++) { match = ROUTES[i].re.exec(hash); view = ROUTES[i].view; }
  document.querySelectorAll('nav a').forEach(function (a) {
    var target = a.getAttribute('href').slice(1);
    var on = target === '/' ? hash === '/' : hash.indexOf(target) === 0;
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  if (!quiet) main.replaceChildren(h('p', { class: 'muted' }, 'loading...'));
  if (!match) { main.replaceChildren(h('p', null, 'No such page: ' + hash)); return; }
  var token = current;
  Promise.resolve(view.apply(null, match.slice(1).map(decodeURIComponent)))
    .then(function (el) {
      if (token !== current) return;
      main.replaceChildren(el);
      // Charts are built once their canvases are in the document (they size themselves to it).
      token.pending.forEach(function (fn) { fn(); });
      token.pending = [];
      showError(null);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    })
    .catch(function (err) { if (token === current) { main.replaceChildren(); showError(err); } });
}
`;
