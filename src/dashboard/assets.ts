/**
 * The dashboard's static assets: its script (assembled from client/*), its stylesheet and Chart.js's
 * UMD build from the chart.js package (served by the app, no CDN). A fixed allowlist: a request path
 * can never reach another file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHARTS_JS } from './client/charts';
import { CORE_JS } from './client/core';
import { DATASETS_JS } from './client/datasets';
import { MAIN_JS } from './client/main';
import { MODELS_JS } from './client/models';
import { OVERVIEW_JS } from './client/overview';
import { RUN_JS } from './client/run';
import { SERVING_JS } from './client/serving';
import { DASHBOARD_CSS } from './client/style';

export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

/** Order matters: helpers first, the start last. One function scope, so nothing leaks into window. */
export function dashboardScript(): string {
  return ['(function () {', "'use strict';", CORE_JS, CHARTS_JS, OVERVIEW_JS, RUN_JS, MODELS_JS, SERVING_JS, DATASETS_JS, MAIN_JS, '})();', ''].join('\n');
}

function chartJsPath(): string {
  // The package's exports name only its module builds; the UMD file sits beside the CommonJS one.
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

const JS = 'application/javascript; charset=utf-8';
const SOURCES: Record<string, { contentType: string; load: () => Buffer }> = {
  'dashboard.js': { contentType: JS, load: () => Buffer.from(dashboardScript()) },
  'dashboard.css': { contentType: 'text/css; charset=utf-8', load: () => Buffer.from(DASHBOARD_CSS) },
  'chart.umd.min.js': { contentType: JS, load: () => fs.readFileSync(chartJsPath()) },
};

const cache = new Map<string, Buffer>();

export function dashboardAsset(name: string): DashboardAsset | undefined {
  const src = Object.prototype.hasOwnProperty.call(SOURCES, name) ? SOURCES[name] : undefined;
  if (!src) return undefined;
  let body = cache.get(name);
  if (!body) {
    body = src.load();
    cache.set(name, body);
  }
  return { contentType: src.contentType, body };
}
