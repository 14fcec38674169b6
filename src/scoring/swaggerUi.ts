/**
 * Swagger UI from the swagger-ui-dist package (served from getAbsoluteFSPath(), no CDN): an HTML page
 * whose initializer points at a given spec URL, and the few static assets that page loads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

/** The only files served: a fixed allowlist, so a request path can never reach another file. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const cache = new Map<string, Buffer>();

export interface SwaggerAsset {
  contentType: string;
  body: Buffer;
}

/** A static asset by file name, or undefined when the name is not one of the served assets. */
export function swaggerUiAsset(name: string): SwaggerAsset | undefined {
  const contentType = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined;
  if (!contentType) return undefined;
  let body = cache.get(name);
  if (!body) {
    body = fs.readFileSync(path.join(getAbsoluteFSPath(), name));
    cache.set(name, body);
  }
  return { contentType, body };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface SwaggerUiOptions {
  /** URL of the OpenAPI document the page loads (absolute, or relative to the page). */
  specUrl: string;
  /** URL prefix under which swaggerUiAsset files are served, e.g. '/api/docs'. */
  assetBase: string;
  title?: string;
  /** Several documents (one per served model): the page shows a selector; `primary` is shown first. */
  urls?: { name: string; url: string }[];
  primary?: string;
}

export function swaggerUiHtml(opts: SwaggerUiOptions): string {
  const base = opts.assetBase.replace(/\/+$/, '');
  const a = (f: string) => escapeHtml(`${base}/${f}`);
  // JSON in a <script>: escape '<' so the URL can never close the tag.
  const spec = opts.urls?.length ? { urls: opts.urls, 'urls.primaryName': opts.primary ?? opts.urls[0].name } : { url: opts.specUrl };
  const config = JSON.stringify({ ...spec, dom_id: '#swagger-ui', deepLinking: true, layout: 'StandaloneLayout' }).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(opts.title ?? 'Scoring API')}</title>
  <link rel="stylesheet" type="text/css" href="${a('swagger-ui.css')}">
  <link rel="stylesheet" type="text/css" href="${a('index.css')}">
  <link rel="icon" type="image/png" href="${a('favicon-32x32.png')}" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${a('swagger-ui-bundle.js')}" charset="UTF-8"></script>
  <script src="${a('swagger-ui-standalone-preset.js')}" charset="UTF-8"></script>
  <script>
    window.onload = function () {
      var config = ${config};
      config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      window.ui = SwaggerUIBundle(config);
    };
  </script>
</body>
</html>
`;
}
