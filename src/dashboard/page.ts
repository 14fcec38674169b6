/**
 * The operators' dashboard page: an HTML shell with no data in it. Its script (assets.ts) reads the
 * status APIs with the function key the operator types in (kept in sessionStorage, sent as
 * x-functions-key, never put in a URL) and draws every value through the DOM, never as markup.
 */

/** Served with the page: scripts and styles only from the app itself, no inline code, no framing. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function attr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function dashboardHtml(opts: { apiBase: string; refreshMs?: number }): string {
  const base = opts.apiBase.replace(/\/+$/, '');
  const asset = (f: string) => attr(`${base}/dashboard/assets/${f}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MLOps dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('dashboard.css')}">
</head>
<body data-api-base="${attr(base)}" data-refresh-ms="${Number(opts.refreshMs ?? 2000)}">
<a class="skip" href="#view">Skip to content</a>
<header>
  <h1>MLOps dashboard</h1>
  <nav aria-label="pages">
    <a href="#/">Runs</a><a href="#/models">Models</a><a href="#/serving">Serving</a><a href="#/datasets">Datasets</a>
  </nav>
  <form id="key-form" autocomplete="off">
    <label for="key">function key</label>
    <input id="key" type="password" autocomplete="off" placeholder="x-functions-key">
    <button type="submit">Use key</button>
  </form>
  <span id="updated" class="muted" aria-live="off"></span>
</header>
<main>
  <div id="error" role="alert"></div>
  <div id="view" tabindex="-1"></div>
</main>
<script src="${asset('chart.umd.min.js')}"></script>
<script src="${asset('dashboard.js')}"></script>
</body>
</html>`;
}
