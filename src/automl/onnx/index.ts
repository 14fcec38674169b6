// The exporter and metadata reader. The onnxruntime-backed scorer is in './run' (it loads the native binding).
export { exportOnnx, OnnxError, IR_VERSION, OPSET, ML_OPSET, OUTPUT_LABEL, OUTPUT_PROBABILITIES } from './export';
export type { ExportMeta, OnnxErrorCode } from './export';
export { loadOnnxMetadata } from './metadata';
export type { OnnxModelInfo } from './metadata';
