/**
 * The fitted pipeline: the one representation of a trained model that everything after training uses.
 * The TS scorer (score.ts) and the ONNX exporter (onnx/) both read it and must agree within 1e-5.
 * It is plain JSON (no typed arrays), so it can be stored beside model.onnx and sent between threads.
 *
 * Data flow: raw row (one value per original column) -> features (each FeatureStep appends columns to
 * a dense float32 feature vector, in order) -> model -> raw scores -> probabilities / prediction.
 */

export type Task = 'binary' | 'multiclass' | 'regression';

/** One original input column of the ONNX model, named like the CSV column. */
export interface InputColumn {
  name: string;
  /** numeric: float input [N,1], missing = NaN. categorical: string input [N,1], missing = ''. */
  kind: 'numeric' | 'categorical';
}

export type FeatureStep =
  /** x -> (isNaN(x) ? impute : x), then optionally (x - mean) / std. One feature. */
  | { kind: 'numeric'; column: string; impute: number; scale?: { mean: number; std: number } }
  /** One feature per category: 1 if the value equals it, else 0. Unseen values and '' (unless listed) -> all 0. */
  | { kind: 'onehot'; column: string; categories: string[] }
  /**
   * A string -> number lookup (ordinal codes, frequency or out-of-fold target encoding); `fallback` for
   * values not in the map (unseen or ''). One feature.
   */
  | { kind: 'lookup'; column: string; encoding: 'ordinal' | 'frequency' | 'target'; map: Record<string, number>; fallback: number };

/** A binary decision tree in flat arrays (LightGBM style). Node i is a leaf when left[i] === -1. */
export interface Tree {
  /** Feature index tested at node i (ignored for leaves). */
  feature: number[];
  /** Go left when x[feature] <= threshold. Thresholds are float32 values (Math.fround) so ORT agrees. */
  threshold: number[];
  /**
   * Categorical splits (optional): where categories[i] is a non-empty list, node i goes left when
   * x[feature] equals one of its values (category codes of an ordinal lookup), else right (unseen
   * categories included); threshold[i] is then ignored. Absent or null entries are threshold splits.
   */
  categories?: (number[] | null)[];
  left: number[];
  right: number[];
  /** Leaf outputs: value[i] has one entry per output (1 for binary/regression, C for multiclass trees). */
  value: number[][];
}

export type Model =
  /**
   * Linear: raw[k] = intercept[k] + sum_j coef[k][j] * x[j]. K = 1 for binary (logit of the positive,
   * i.e. the last class) and regression; K = C for multiclass (softmax).
   */
  | { type: 'linear'; coef: number[][]; intercept: number[] }
  /**
   * Tree ensemble. GBDT: raw[k] = base[k] + sum over trees of the tree's k-th leaf output (trees of a
   * multiclass GBDT each carry one class: value is then one number and `treeClass[t]` says which).
   * Forest (aggregate 'average'): probabilities / prediction are the average of the trees' leaf values.
   */
  | {
      type: 'trees';
      aggregate: 'sum' | 'average';
      base: number[];
      trees: Tree[];
      /** For sum-aggregated multiclass: the class each tree contributes to. Absent = every output. */
      treeClass?: number[];
    };

/**
 * How raw outputs become probabilities: binary 'logistic' (p1 = sigmoid(raw[0]), p0 = 1 - p1),
 * regression 'expm1' (prediction = exp(raw) - 1: a model of log(1 + y), for skewed targets),
 * multiclass 'softmax', 'none' for regression or for forests whose leaves are already probabilities
 * (binary forests store p(positive) per leaf in one output).
 */
export type PostTransform = 'logistic' | 'softmax' | 'none' | 'expm1';

export interface SinglePipeline {
  kind: 'single';
  learner: string;
  features: FeatureStep[];
  model: Model;
  post: PostTransform;
}

/** Weighted average of member probabilities (classification) or predictions (regression). */
export interface EnsemblePipeline {
  kind: 'ensemble';
  members: { weight: number; pipeline: SinglePipeline }[];
}

export interface FittedPipeline {
  formatVersion: 1;
  task: Task;
  target: string;
  /** Classification: class labels sorted (string order); probabilities columns follow this order. */
  classes: string[];
  inputs: InputColumn[];
  body: SinglePipeline | EnsemblePipeline;
}
