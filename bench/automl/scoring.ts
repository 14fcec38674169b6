/**
 * Scoring latency: the exported ONNX model in onnxruntime-node (1 intra-op thread) vs the TS reference
 * scorer, on a 200-tree bank-shaped GBDT, rows from samples/bankmarketing_train.csv (as CSV strings).
 * Prints us/row at batch 1 and batch 2000 beside the FINDINGS.md reference figures.
 * Run: npx tsc -p tsconfig.json && node dist/bench/automl/scoring.js [trees] [repeats]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { exportOnnx } from '../../src/automl/onnx';
import { GraphBuilder, tensorValueInfo } from '../../src/automl/onnx/graph';
import { createOnnxScorer, toOrtFeeds } from '../../src/automl/onnx/run';
import type { InputColumn } from '../../src/automl/pipeline';
import { compileScorer, Row, rowsToColumns } from '../../src/automl/score';
import { bankLikeBinaryPipeline, bankLikeRows } from '../../test/support/pipelines';

const TREES = Number(process.argv[2] ?? 200);
const REPEATS = Number(process.argv[3] ?? 5);
const BATCH = 2000;

function sampleRows(n: number): Row[] {
  const file = path.join(__dirname, '..', '..', '..', 'samples', 'bankmarketing_train.csv');
  if (!fs.existsSync(file)) return bankLikeRows(n, 1);
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(',');
  return lines.slice(1, n + 1).map((l) => {
    const cells = l.split(',');
    const row: Row = {};
    header.forEach((h, i) => (row[h] = cells[i]));
    return row;
  });
}

/** The same inputs and one Concat of the numeric ones: what a call costs before any model work. */
function floorModel(inputs: InputColumn[]): Uint8Array {
  const g = new GraphBuilder();
  const nums = inputs.filter((c) => c.kind === 'numeric').map((c) => c.name);
  g.nodes.push({
    opType: 'Concat',
    domain: '',
    input: nums,
    output: ['out'],
    name: 'concat',
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  const DT = onnx.TensorProto.DataType;
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'floor',
      node: g.nodes,
      input: inputs.map((c) => tensorValueInfo(c.name, c.kind === 'numeric' ? DT.FLOAT : DT.STRING, ['N', 1])),
      output: [tensorValueInfo('out', DT.FLOAT, ['N', nums.length])],
    },
  }).finish();
}

async function best(fn: () => Promise<void> | void): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return min;
}

async function main(): Promise<void> {
  const p = bankLikeBinaryPipeline({ trees: TREES });
  const rows = sampleRows(BATCH);
  const ts = compileScorer(p);
  const onnxScorer = await createOnnxScorer(exportOnnx(p), { intraOpNumThreads: 1 });
  const cols = rowsToColumns(p.inputs, rows);
  const singles = rows.map((r) => toOrtFeeds(p.inputs, rowsToColumns(p.inputs, [r])).feeds);
  const batchFeeds = toOrtFeeds(p.inputs, cols).feeds;
  const session: ort.InferenceSession = onnxScorer.session;
  const floor = await ort.InferenceSession.create(floorModel(p.inputs), { intraOpNumThreads: 1, interOpNumThreads: 1 });

  // Warm up both (JIT, ORT allocations).
  for (let i = 0; i < 200; i++) {
    ts.scoreRows([rows[i]]);
    await session.run(singles[i]);
  }

  const n = rows.length;
  const res = {
    tsRows1: (await best(() => void rows.forEach((r) => ts.scoreRows([r])))) / n,
    tsRowsBatch: (await best(() => void ts.scoreRows(rows))) / n,
    tsColsBatch: (await best(() => void ts.scoreColumns(cols))) / n,
    ortRun1:
      (await best(async () => {
        for (const f of singles) await session.run(f);
      })) / n,
    floorRun1:
      (await best(async () => {
        for (const f of singles) await floor.run(f);
      })) / n,
    ortRows1:
      (await best(async () => {
        for (const r of rows) await onnxScorer.scoreRows([r]);
      })) / n,
    ortRunBatch: (await best(async () => void (await session.run(batchFeeds)))) / n,
    ortRowsBatch: (await best(async () => void (await onnxScorer.scoreRows(rows)))) / n,
  };
  await onnxScorer.release();
  await floor.release();

  const f = (x: number) => x.toFixed(1).padStart(7);
  console.log(`Scoring a ${TREES}-tree bank GBDT (${p.inputs.length} columns), ${n} rows, best of ${REPEATS}, us/row`);
  console.log('                                          measured   reference (FINDINGS.md)');
  console.log(`ORT session.run, batch 1                  ${f(res.ortRun1)}   16.8`);
  console.log(`ORT floor (same inputs, 1 Concat), batch 1  ${f(res.floorRun1)}`);
  console.log(`ORT scoreRows (rows -> tensors), batch 1  ${f(res.ortRows1)}`);
  console.log(`TS scoreRows, batch 1                     ${f(res.tsRows1)}    6.6 (flat typed-array TS scorer)`);
  console.log(`ORT session.run, batch ${BATCH}               ${f(res.ortRunBatch)}    4.0`);
  console.log(`ORT scoreRows, batch ${BATCH}                 ${f(res.ortRowsBatch)}`);
  console.log(`TS scoreRows, batch ${BATCH}                  ${f(res.tsRowsBatch)}`);
  console.log(`TS scoreColumns, batch ${BATCH}               ${f(res.tsColsBatch)}`);
  console.log(`(load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
