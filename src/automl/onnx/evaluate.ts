/**
 * Held-out evaluation of an ONNX model in the endpoint contract (exported by the engine, or adapted
 * from Azure's AutoML by src/contract/adapt.ts): the held-out cells are scored in onnxruntime the way an
 * endpoint scores a request (numeric cells parsed as the engine parses a CSV, categoricals as strings,
 * missing columns as missing), then the one rule of ../evaluate.ts applies (rows with no target skipped,
 * a class unseen in training counted against the model) with the same metrics. A model with a
 * pipeline.json gets the same figures by either path (test/automl/onnx/evaluate.test.ts).
 *
 * Its own file because it loads onnxruntime (./run): ../evaluate.ts stays free of the native binding.
 */
import { AutoMLError } from '../errors';
import { cellsToColumns, evaluateScores, type HeldOutCells, type HeldOutEvaluation } from '../evaluate';
import type { Task } from '../pipeline';
import { createOnnxScorer } from './run';

/** The model's task: metadata_props `task` when written, else classification iff it has class labels. */
function taskOf(task: Task | null, classes: string[]): Task {
  if (task) return task;
  return classes.length === 0 ? 'regression' : classes.length > 2 ? 'multiclass' : 'binary';
}

/**
 * Held-out metrics of a contract ONNX model on raw CSV cells (the orchestration's test split).
 * `target` names the target column when the model's metadata does not.
 */
export async function evaluateOnnxCells(bytes: Uint8Array, data: HeldOutCells, metric?: string, target?: string): Promise<HeldOutEvaluation> {
  const scorer = await createOnnxScorer(bytes);
  try {
    const { info } = scorer;
    const task = taskOf(info.task, info.classes);
    const column = info.target || target;
    if (!column) throw new AutoMLError('MODEL_NOT_EVALUABLE', 'the ONNX model names no target column (metadata_props target) and none was given');
    const targetCells = data.cells[column];
    if (!targetCells) throw new AutoMLError('TARGET_MISSING', `the held-out split has no target column "${column}"`);
    if (task !== 'regression' && !info.outputs.some((o) => o.name === 'probabilities')) {
      throw new AutoMLError('MODEL_NOT_EVALUABLE', "the classifier has no 'probabilities' output to evaluate");
    }
    const model = { task, classes: task === 'regression' ? [] : info.classes, target: column };
    const scores = await scorer.scoreColumns(cellsToColumns(info.inputs, data));
    return evaluateScores(model, scores, targetCells, metric);
  } finally {
    await scorer.release();
  }
}
