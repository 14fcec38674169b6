/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/automl';
import { createOnnxScorer } from '../../src/automl/onnx/run';
import { scoreColumns } from '../../src/automl/score';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { synthBinary } from './helpers';

function writeCsv(file: string, rows: Record<string, string | number | null>[]): void {
  const cols = Object.keys(rows[0]);
  fs.writeFileSync(file, [cols.join(','), ...rows.map((r) => cols.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].join('\n'));
}

describe('mlops automl CLI', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-automl-cli-'));
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('trains, prints the leaderboard and writes model.onnx, leaderboard.json, metrics.json, model-card.md', async () => {
    const csv = path.join(dir, 'train.csv');
    writeCsv(csv, synthBinary(400, 7));
    const outDir = path.join(dir, 'out');
    const code = await main(['--input', csv, '--target', 'y', '--max-trials', '4', '--workers', '0', '--budget', '300', '--out', outDir, '--seed', '5']);
    expect(err.join('')).not.toContain('mlops automl:');
    expect(code).toBe(0);
    const stdout = out.join('');
    expect(stdout).toMatch(/rank\s+trial\s+learner\s+AUC_weighted/);
    expect(stdout).toContain('best: ');
    for (const f of ['model.onnx', 'pipeline.json', 'leaderboard.json', 'metrics.json', 'model-card.md'])
      expect(fs.existsSync(path.join(outDir, f))).toBe(true);
    const lb = JSON.parse(fs.readFileSync(path.join(outDir, 'leaderboard.json'), 'utf8'));
    expect(lb.entries.length).toBeGreaterThanOrEqual(4);
    const metrics = JSON.parse(fs.readFileSync(path.join(outDir, 'metrics.json'), 'utf8'));
    expect(metrics.cv.confusion_matrix.classes).toEqual(['no', 'yes']);
    expect(fs.readFileSync(path.join(outDir, 'model-card.md'), 'utf8')).toContain('## Data guardrails');
    // The ONNX model scores like the reference scorer.
    const pipeline: FittedPipeline = JSON.parse(fs.readFileSync(path.join(outDir, 'pipeline.json'), 'utf8'));
    const rows = synthBinary(50, 8);
    const table = {
      x1: Float32Array.from(rows, (r) => Number(r.x1)),
      x2: Float32Array.from(rows, (r) => (r.x2 === null ? NaN : Number(r.x2))),
      noise: Float32Array.from(rows, (r) => Number(r.noise)),
      color: rows.map((r) => String(r.color)),
    };
    const onnx = await createOnnxScorer(fs.readFileSync(path.join(outDir, 'model.onnx')));
    const a = await onnx.scoreColumns(table);
    const b = scoreColumns(pipeline, table);
    for (let i = 0; i < b.probabilities!.length; i++) expect(Math.abs(a.probabilities![i] - b.probabilities![i])).toBeLessThan(1e-5);
    await onnx.release();
  });

  test('--reproducible with --max-trials: the same leaderboard on worker threads and in this thread', async () => {
    const csv = path.join(dir, 'train.csv');
    writeCsv(csv, synthBinary(300, 9));
    const leaderboard = async (workers: string) => {
      const outDir = path.join(dir, `out-${workers}`);
      const args = ['--input', csv, '--target', 'y', '--max-trials', '5', '--reproducible', '--workers', workers, '--budget', '300', '--out', outDir, '-q'];
      expect(await main(args)).toBe(0);
      const lb = JSON.parse(fs.readFileSync(path.join(outDir, 'leaderboard.json'), 'utf8'));
      return lb.entries.map((e: { trial: number; learner: string; params: unknown; score: number }) => [e.trial, e.learner, e.params, e.score]);
    };
    const here = await leaderboard('0');
    expect(here.length).toBeGreaterThanOrEqual(5);
    expect(await leaderboard('2')).toEqual(here);
  });

  test('bad input exits with code 2 and a clear message', async () => {
    const csv = path.join(dir, 'one.csv');
    fs.writeFileSync(csv, 'x,y\n1,a\n');
    expect(await main(['--input', csv, '--target', 'y', '--workers', '0', '--out', path.join(dir, 'o')])).toBe(2);
    expect(err.join('')).toMatch(/mlops automl: .*\[(ONE_CLASS|TOO_FEW_ROWS)\]/);
    expect(await main(['--input', path.join(dir, 'missing.csv'), '--target', 'y'])).toBe(2);
    expect(err.join('')).toContain('INPUT_NOT_FOUND');
    expect(await main(['--target', 'y'])).toBe(2);
    expect(err.join('')).toContain('--input is required');
    expect(await main(['--input', csv, '--target', 'y', '--budget', 'soon'])).toBe(2);
    const ragged = path.join(dir, 'ragged.csv');
    fs.writeFileSync(ragged, 'x,y\n1,a\n2\n');
    expect(await main(['--input', ragged, '--target', 'y', '--workers', '0'])).toBe(2);
    expect(err.join('')).toContain('CSV_ERROR');
  });

  test('bin/mlops.js dispatches to compiled commands and rejects unknown ones with exit code 2', () => {
    const bin = path.resolve(__dirname, '../../bin/mlops.js');
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/src/cli/automl.js'))) return; // built by `npm test` (pretest)
    const unknown = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const help = spawnSync(process.execPath, [bin, 'automl', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--target');
  });
});
