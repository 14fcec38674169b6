import { randomUUID } from 'node:crypto';
import type { FittedPipeline } from '../../../src/automl';

/**
 * The MLmodel file of an MLflow model folder holding an ONNX model: the `onnx` flavor plus
 * `python_function` through mlflow.onnx, with a column signature, which is what MLflow-aware
 * deployments read. (AutoML writes such a folder at outputs/mlflow-model/ of its best child.)
 */
export function renderMLmodel(p: FittedPipeline, runId: string): string {
  const inputs = JSON.stringify(p.inputs.map((c) => ({ type: c.kind === 'numeric' ? 'double' : 'string', name: c.name })));
  const outputs = JSON.stringify([{ type: p.task === 'regression' ? 'double' : 'string', name: p.target }]);
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return [
    'artifact_path: outputs/mlflow-model',
    'flavors:',
    '  onnx:',
    '    code: null',
    '    data: model.onnx',
    '    onnx_version: 1.16.0',
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    '    data: model.onnx',
    '    env:',
    '      conda: conda.yaml',
    '    loader_module: mlflow.onnx',
    '    python_version: 3.10.14',
    'mlflow_version: 2.16.0',
    `model_uuid: ${randomUUID().replace(/-/g, '')}`,
    `run_id: ${runId}`,
    'signature:',
    `  inputs: ${q(inputs)}`,
    `  outputs: ${q(outputs)}`,
    '  params: null',
    `utc_time_created: '${new Date().toISOString().replace('T', ' ').replace('Z', '')}'`,
    '',
  ].join('\n');
}

export const CONDA_YAML = [
  'channels:',
  '- conda-forge',
  'dependencies:',
  '- python=3.10.14',
  '- pip',
  '- pip:',
  '  - mlflow==2.16.0',
  '  - onnx==1.16.0',
  '  - onnxruntime==1.19.2',
  'name: mlflow-env',
  '',
].join('\n');
