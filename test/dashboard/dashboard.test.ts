/**
 * The operators' dashboard in headless Chromium against the real app after a real pipeline run: every
 * page draws its plots from the stored data (the charts' drawn elements are compared with the APIs'
 * figures), no console errors, the key typed into the page and never put in a URL, and the data routes
 * refuse calls without a key. Screenshots of each page go to .local/screenshots/.
 */
import { Browser, chromium, Page } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { csv, shuffledLabels, slice, Stack, startStack } from './stack';

jest.setTimeout(400000);

const SHOTS = path.resolve(__dirname, '../../.local/screenshots');
const DATA_ROUTES = [
  '/api/dashboard/data/serving',
  '/api/dashboard/data/runs/train-bank-v1',
  '/api/dashboard/data/runs/train-bank-v1/durable',
  '/api/dashboard/data/models/bank/1',
  '/api/dashboard/data/datasets/bank',
];

interface ChartInfo {
  label: string;
  /** Drawn elements (bars, points) per dataset. */
  elements: number[];
  data: unknown[][];
}

describe('dashboard in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    stack = await startStack();
    await stack.upload('bank.csv', csv(shuffledLabels(slice(0, 1000))));
    const v1 = await stack.waitForRun('train-bank-v1');
    expect({ status: v1.runtimeStatus, error: v1.error }).toEqual({ status: 'Completed', error: undefined });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requested.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  afterEach(() => {
    // Every page and action must leave the console clean.
    expect(problems).toEqual([]);
  });

  const charts = (): Promise<ChartInfo[]> =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('#view canvas')).map((c) => {
        const ch = (window as any).Chart.getChart(c);
        return {
          label: c.getAttribute('aria-label') ?? '',
          elements: ch ? ch.data.datasets.map((_: unknown, i: number) => ch.getDatasetMeta(i).data.length) : [],
          data: ch ? ch.data.datasets.map((d: { data: unknown[] }) => d.data) : [],
        };
      }),
    );
  const chart = async (prefix: string): Promise<ChartInfo> => {
    const all = await charts();
    const found = all.find((c) => c.label.startsWith(prefix));
    if (!found) throw new Error(`no chart "${prefix}" among: ${all.map((c) => c.label.slice(0, 40)).join(' | ')}`);
    return found;
  };
  async function open(hash: string, minCharts: number): Promise<void> {
    await page.evaluate((h) => (location.hash = h), hash);
    await page.waitForFunction((n) => document.querySelectorAll('#view canvas').length >= n && !document.querySelector('#view > p.muted'), minCharts, {
      timeout: 30000,
    });
    expect(await page.textContent('#error')).toBe('');
    // Every chart on the page has something drawn.
    for (const c of await charts()) expect({ chart: c.label, drawn: c.elements.reduce((a, b) => a + b, 0) > 0 }).toEqual({ chart: c.label, drawn: true });
  }
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('refuses the data routes without a valid key, and serves the page and its assets anonymously under a strict CSP', async () => {
    for (const r of DATA_ROUTES) {
      expect([r, (await stack.api(r, null)).status]).toEqual([r, 401]);
      expect([r, (await stack.api(r, 'not-a-key')).status]).toEqual([r, 401]);
      expect([r, (await stack.api(r)).status]).toEqual([r, 200]);
    }
    const pageRes = await fetch(`${stack.host.baseUrl}/api/dashboard`);
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await pageRes.text();
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script: data never becomes code or markup
    for (const f of ['dashboard.js', 'dashboard.css', 'chart.umd.min.js']) {
      expect([f, (await fetch(`${stack.host.baseUrl}/api/dashboard/assets/${f}`)).status]).toEqual([f, 200]);
    }
    expect((await fetch(`${stack.host.baseUrl}/api/dashboard/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${stack.host.baseUrl}/api/dashboard/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await stack.api('/api/dashboard/data/models/bank/99')).status).toBe(404);
    expect((await stack.api('/api/dashboard/data/runs/..%2Fx')).status).toBe(404);
  });

  it('takes the key typed into the page and shows a run started meanwhile reach Completed without a reload', async () => {
    await page.goto(`${stack.host.baseUrl}/api/dashboard`);
    await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? '').includes('401'));
    await page.focus('#key');
    await page.keyboard.type(stack.host.hostKey);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#runs tr[data-run="train-bank-v1"]');
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await stack.upload('bank.csv', csv(slice(0, 1000)));
    await page.waitForSelector('#runs tr[data-run="train-bank-v2"]', { timeout: 60000 });
    await page.waitForFunction(() => /Completed/.test(document.querySelector('#runs tr[data-run="train-bank-v2"]')?.textContent ?? ''), undefined, {
      timeout: 240000,
    });
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    // A third upload the registry rejects, with the line at fault.
    const bad = slice(1000, 300);
    bad[120] = bad[120].split(',').slice(0, 5).join(',');
    await stack.upload('bank.csv', csv(bad));
    await stack.waitFor('the rejected version', async () => ((await stack.api('/api/datasets/bank')).body.versions?.length === 3 ? true : undefined), 60000);
    await page.waitForFunction(() => /promoted|kept champion/.test(document.querySelector('#runs tr[data-run="train-bank-v2"]')?.textContent ?? ''));
    expect(await page.textContent('#runs tr[data-run="train-bank-v1"]')).toContain('promoted');
    expect(await page.textContent('#deployments')).toMatch(/bank-v\d.*champion/s);
    expect(await page.evaluate(() => sessionStorage.getItem('mlops-key'))).toBe(stack.host.hostKey);
    await shot('overview');
  });

  it('draws a run: phase timeline, trials by learner with the best so far, leaderboard, decision figures, Durable status', async () => {
    const api = (await stack.api('/api/dashboard/data/runs/train-bank-v2')).body;
    await open('#/runs/train-bank-v2', 4);
    const timeline = await chart('Phase timeline');
    expect(timeline.elements).toEqual([api.spans.length]);
    expect(api.spans.map((s: any) => s.phase)).toEqual(['queued', 'prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide']);
    const trials = await chart('AutoML trials');
    const points = trials.elements.slice(0, -1).reduce((a, b) => a + b, 0);
    expect(points).toBe(api.trials.points.length);
    expect(points).toBeGreaterThan(0);
    expect(trials.elements[trials.elements.length - 1]).toBe(api.trials.bestSoFar.length);
    const scores = await chart('Held-out');
    expect(scores.data[0][0]).toBeCloseTo(api.run.decision.challenger.testScore, 10);
    expect(await page.textContent('#decision-figures')).toContain(api.run.decision.reason);
    expect(await page.locator('#leaderboard-table tbody tr').count()).toBe(api.run.automl.leaderboardTop.length);
    await shot('run');
    // The Durable status through a link, by keyboard.
    await page.focus('a[href="#/runs/train-bank-v2/durable"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#durable-history tbody tr td');
    expect(await page.textContent('#durable')).toContain('Completed');
    expect(await page.locator('#durable-history tbody tr').count()).toBeGreaterThan(5);
    await shot('run-durable');
  });

  it('draws a model: ROC, precision-recall and calibration curves, confusion matrix, importance, CV vs held-out, trials, lineage, card', async () => {
    const api = (await stack.api('/api/dashboard/data/models/bank/2')).body;
    await open('#/models/bank/2', 6);
    const roc = await chart('ROC curve');
    expect(roc.elements[0]).toBe(api.classification.roc.fpr.length);
    expect(roc.elements[0]).toBeGreaterThan(10);
    const pr = await chart('Precision-recall');
    expect(pr.elements[0]).toBe(api.classification.pr.recall.length);
    const cal = await chart('Calibration');
    expect(cal.elements[0]).toBe(api.classification.calibration.length);
    expect(cal.elements[0]).toBeGreaterThanOrEqual(3);
    const cells = await page.$$eval('#confusion td.cm', (tds) => tds.map((td) => Number(td.getAttribute('data-count'))));
    expect(cells).toEqual(api.classification.confusion.matrix.flat());
    expect(cells.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(500);
    const fi = await chart('Feature importance');
    expect(fi.elements[0]).toBe(api.featureImportance.length);
    expect(fi.elements[0]).toBeGreaterThan(3);
    const cvHeld = await chart('AUC_weighted: CV');
    expect(cvHeld.data.map((d) => d[0])).toEqual([api.metrics.cv.AUC_weighted, api.metrics.heldOut.AUC_weighted]);
    expect(await page.textContent('#lineage')).toMatch(/bank v2.*train-bank-v2.*bank v2.*bank-v2/s);
    expect(await page.textContent('#card pre')).toContain('# Model card');
    await shot('model');
    await page.focus('nav a[href="#/models"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/models' && !!document.querySelector('#view canvas[aria-label^="bank: CV and held-out"]'));
    const byVersion = await chart('bank: CV and held-out');
    expect(byVersion.elements).toEqual([2, 2]);
    await shot('models');
  });

  it('draws serving: latency histograms of endpoint and proxy, percentiles with the SLO, requests/s, champion history', async () => {
    const api = (await stack.api('/api/dashboard/data/serving')).body;
    await open('#/serving', 5);
    const v2 = api.benchmarks.find((b: any) => b.runId === 'train-bank-v2');
    const hist = await chart('Latency histogram of bank-v2');
    const counted = (hist.data[0] as { y: number }[]).slice(0, -1).reduce((a, p) => a + p.y, 0);
    expect(counted).toBe(v2.direct.requests);
    expect((hist.data[1] as { y: number }[]).slice(0, -1).reduce((a, p) => a + p.y, 0)).toBe(v2.proxy.requests);
    const pct = await chart('Latency percentiles (ms, log scale) of bank-v2');
    expect(pct.data[0]).toEqual([v2.direct.p50Ms, v2.direct.p90Ms, v2.direct.p95Ms, v2.direct.p99Ms]);
    expect(pct.data[2]).toEqual([10000, 10000, 10000, 10000]); // the SLO line
    expect(await page.textContent('#benchmarks')).toContain('p95 SLO 10000 ms is off this scale');
    const rps = await chart('Requests per second');
    expect(rps.data[0]).toEqual(api.benchmarks.map((b: any) => b.direct.requestsPerSecond));
    const history = await chart('Champion history of bank');
    const events = api.history[0].events;
    expect(events.map((e: any) => e.version)).toEqual([1, 2]);
    expect(events[0].kind).toBe('promoted');
    const markers = history.elements.slice(api.history[0].served.length).reduce((a, b) => a + b, 0);
    expect(markers).toBe(events.length);
    await shot('serving');
  });

  it('draws a dataset: versions with the rejection line, drift, and the profile with a plot per column', async () => {
    const api = (await stack.api('/api/dashboard/data/datasets/bank')).body;
    await open('#/datasets/bank', 10);
    const rows = await chart('Rows per version');
    expect(rows.data[0]).toEqual(api.versions.map((v: any) => v.rows ?? 0));
    const rejected = api.versions[2];
    expect(rejected.status).toBe('rejected');
    expect(rejected.reason.line).toBeGreaterThan(1);
    expect(await page.textContent('#versions-table tr[data-version="3"]')).toContain(`line ${rejected.reason.line}`);
    expect(await page.textContent('#versions-table tr[data-version="2"]')).toContain('vs v1: no change');
    const profile = api.versions[1].profile;
    const missing = await chart('Missing share by column');
    expect(missing.elements[0]).toBe(profile.columnProfiles.length);
    const age = await chart('age: min');
    expect(age.data[0]).toEqual([[profile.columnProfiles[0].min, profile.columnProfiles[0].max], expect.any(Array)]);
    const job = await chart('job top values');
    expect(job.elements[0]).toBe(Math.min(6, profile.columnProfiles[1].top.length));
    await shot('dataset');
    // The version picker by keyboard: the profile of v1 replaces v2's.
    await page.focus('#profile-version');
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(() => (document.querySelector('#profile-version') as HTMLSelectElement).value === '1');
    expect((await chart('Missing share by column')).elements[0]).toBe(api.versions[0].profile.columnProfiles.length);
    await page.evaluate(() => (location.hash = '#/datasets'));
    await page.waitForSelector('#datasets-list tbody tr');
    await shot('datasets');
  });

  it('draws a regression model: predicted vs actual and residuals from its out-of-fold predictions', async () => {
    // The same rows with a numeric target (age): a real regression run through the pipeline.
    await stack.upload('bankage.csv', csv(slice(0, 800)), { target: 'age' });
    const run = await stack.waitForRun('train-bankage-v1');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    const api = (await stack.api('/api/dashboard/data/models/bankage/1')).body;
    expect(api.model.task).toBe('regression');
    expect(api.regression.actual.length).toBeGreaterThan(100);
    expect(api.notStored.join(' ')).not.toContain('predicted-vs-actual');
    await open('#/models/bankage/1', 4);
    const pva = await chart('Predicted vs actual');
    expect(pva.elements[0]).toBe(api.regression.actual.length);
    expect((pva.data[0] as { x: number; y: number }[])[0]).toEqual({ x: api.regression.actual[0], y: api.regression.predicted[0] });
    const res = await chart('Residuals');
    expect(res.elements[0]).toBe(api.regression.actual.length);
    const r0 = (res.data[0] as { x: number; y: number }[])[0];
    expect(r0.y).toBeCloseTo(api.regression.actual[0] - api.regression.predicted[0], 9);
    // No classification plots on a regression model.
    expect((await charts()).some((c) => c.label.startsWith('ROC curve'))).toBe(false);
    await shot('model-regression');
  });

  it('never put the key in a URL', () => {
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((u) => u.includes(stack.host.hostKey))).toEqual([]);
  });
});
