/**
 * Histogram gradient boosting (LightGBM's design): leaf-wise growth to num_leaves on the shared uint8
 * binned dataset; per-leaf histograms of (gradient, hessian, count) built from ordered gradients;
 * the larger child's histogram is the parent's minus the smaller child's; rows of a leaf are a
 * contiguous range of one index array, partitioned in place. Objectives: binary logloss, softmax
 * (one tree per class per iteration), L2 regression. Early stopping on the validation fold(s).
 */
import type { BinnedDataset } from '../binning';
import type { Model, Tree } from '../pipeline';
import { Rng, deriveSeed } from '../random';
import { HistKernel, kernelFor } from './_histKernel';
import { CVOutput, FullOutput, Learner, Params, TrainContext, allRows, checkDeadline, predWidth, trainRowsOf } from './types';

export interface GbdtParams {
  nEstimators: number;
  learningRate: number;
  numLeaves: number;
  maxDepth: number; // 0 = unlimited
  minChildSamples: number;
  minChildWeight: number;
  lambdaL2: number;
  minSplitGain: number;
  featureFraction: number;
  baggingFraction: number;
  baggingFreq: number;
  earlyStoppingRounds: number;
  /** Native categorical splits on features the dataset marks categorical (LightGBM's method). */
  catSplits: boolean;
  /** Smoothing of the gradient ratio that orders categories, and the least rows a category needs to be ordered. */
  catSmooth: number;
  /** Extra L2 on categorical splits' children. */
  catL2: number;
  /** Most categories on the left of a split. */
  maxCatThreshold: number;
  /** At most this many categories: one category against the rest. */
  maxCatToOnehot: number;
}

export const GBDT_DEFAULTS: GbdtParams = {
  nEstimators: 100,
  learningRate: 0.1,
  numLeaves: 31,
  maxDepth: 0,
  minChildSamples: 20,
  minChildWeight: 1e-3,
  lambdaL2: 0,
  minSplitGain: 0,
  featureFraction: 1,
  baggingFraction: 1,
  baggingFreq: 0,
  earlyStoppingRounds: 0,
  catSplits: true,
  catSmooth: 10,
  catL2: 10,
  maxCatThreshold: 32,
  maxCatToOnehot: 4,
};

export type Objective = 'binary' | 'multiclass' | 'regression';

/**
 * A tree on bins: node i is a leaf when left[i] === -1; value is the (learning-rate scaled) leaf output.
 * A categorical node has cats[i]: a mask over the feature's bins, 1 = left (else "bin <= bin[i]" goes left).
 */
export interface BinTree {
  feature: number[];
  bin: number[];
  cats?: (Uint8Array | null)[];
  left: number[];
  right: number[];
  value: number[];
}

interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  /** Categorical split: 1 for the bins that go left. */
  cat: Uint8Array | null;
  lg: number;
  lh: number;
  lc: number;
}

interface LeafState {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  c: number;
  hist: Float64Array | null;
  split: SplitInfo | null;
}

const NO_SPLIT: SplitInfo = { gain: -Infinity, feature: -1, bin: 0, cat: null, lg: 0, lh: 0, lc: 0 };

/**
 * Features with few bins packed into one joint code (the product of their bin counts fits a uint8):
 * one histogram update per row serves every member, and each member's histogram is the joint one
 * summed over the others (a pass over at most 256 codes). Exact: the same sums in another order.
 * Bank-like tables (yes/no, small categoricals, coarse numerics) need 35-40 % fewer row updates.
 */
export interface HistGroup {
  members: Int32Array;
  /** Joint codes: product of the members' bin counts. */
  P: number;
  /** codes[i]: the joint bin of row i. */
  codes: Uint8Array;
  /** decode[c * M + t]: the bin of member t in code c. */
  decode: Uint8Array;
  /** Offset of the group's scratch histogram, in bins past the features' bins. */
  scratch: number;
}

export interface HistGroups {
  groups: HistGroup[];
  /** Feature -> group, or -1. */
  groupOf: Int32Array;
  scratchBins: number;
}

const MAX_GROUP_CODES = 256;

const NO_GROUPS: HistGroups = { groups: [], groupOf: new Int32Array(0), scratchBins: 0 };
const paths = { wasm: true, groups: true, forestRows: true, forestSampled: true };
/**
 * Which histogram paths boosters and forests built from now on take: the WebAssembly kernel or the
 * TypeScript loop, joint-code groups or one column per feature, forests' small nodes split from their
 * rows or from histograms, forests' mid-size nodes from a histogram of their sampled features only or
 * of every feature. Every combination gives the same trees (tests compare them; forests on
 * non-integer targets up to the order of float additions); the defaults are the fast ones.
 */
export function setHistPaths(p: Partial<typeof paths>): void {
  Object.assign(paths, p);
}

export function histPaths(): Readonly<typeof paths> {
  return paths;
}

/** The histogram kernel of a dataset for K outputs when the WebAssembly path is on (forests share it). */
export function histKernelOf(ds: BinnedDataset, K: number): HistKernel | null {
  if (!paths.wasm) return null;
  let total = 0;
  for (let f = 0; f < ds.nFeat; f++) total += ds.nBins[f];
  return kernelFor(ds, histGroups(ds), total, K);
}
const groupCache = new WeakMap<BinnedDataset, HistGroups>();

/** Packs a dataset's low-cardinality features into joint-code groups (first fit, fewest bins first); cached per dataset. */
export function histGroups(ds: BinnedDataset): HistGroups {
  const cached = groupCache.get(ds);
  if (cached) return cached;
  const feats: number[] = [];
  for (let f = 0; f < ds.nFeat; f++) if (ds.nBins[f] > 1 && ds.nBins[f] * 2 <= MAX_GROUP_CODES) feats.push(f);
  feats.sort((a, b) => ds.nBins[a] - ds.nBins[b] || a - b);
  const packs: { members: number[]; P: number }[] = [];
  for (const f of feats) {
    const nb = ds.nBins[f];
    const g = packs.find((q) => q.P * nb <= MAX_GROUP_CODES);
    if (g) (g.members.push(f), (g.P *= nb));
    else packs.push({ members: [f], P: nb });
  }
  const groupOf = new Int32Array(ds.nFeat).fill(-1);
  const groups: HistGroup[] = [];
  let scratch = 0;
  const n = ds.n;
  for (const q of packs) {
    if (q.members.length < 2) continue;
    const members = Int32Array.from(q.members.sort((a, b) => a - b));
    const M = members.length;
    const codes = new Uint8Array(n);
    for (let t = 0; t < M; t++) {
      const f = members[t];
      const nb = ds.nBins[f];
      const col = ds.bins.subarray(f * n, f * n + n);
      for (let i = 0; i < n; i++) codes[i] = codes[i] * nb + col[i];
    }
    const decode = new Uint8Array(q.P * M);
    for (let c = 0; c < q.P; c++) {
      let r = c;
      for (let t = M - 1; t >= 0; t--) {
        const nb = ds.nBins[members[t]];
        decode[c * M + t] = r % nb;
        r = Math.floor(r / nb);
      }
    }
    for (const f of members) groupOf[f] = groups.length;
    groups.push({ members, P: q.P, codes, decode, scratch });
    scratch += q.P;
  }
  const out = { groups, groupOf, scratchBins: scratch };
  groupCache.set(ds, out);
  return out;
}

export class GbdtBooster {
  readonly K: number;
  readonly trees: BinTree[] = [];
  readonly treeClass: number[] = [];
  readonly base: Float64Array;
  /** Raw scores of every row of the dataset (train rows and validation rows are kept current). */
  readonly raw: Float64Array;
  readonly importanceGain: Float64Array;
  private readonly p: GbdtParams;
  private readonly g: Float32Array;
  private readonly h: Float32Array;
  private readonly rows: Int32Array;
  private readonly tmp: Int32Array;
  private readonly og: Float32Array;
  private readonly oh: Float32Array;
  private readonly leafIdx: Int32Array;
  private readonly binOffset: Int32Array;
  private readonly totalBins: number;
  private readonly histPool: Float64Array[] = [];
  private readonly rng: Rng;
  private readonly activeFeat: Int32Array;
  private nActive = 0;
  private readonly groups: HistGroups;
  /** Per feature: 1 when the current iteration may split on it. */
  private readonly activeMask: Uint8Array;
  /** Column of each feature's bins (views of ds.bins). */
  private readonly cols: Uint8Array[];
  /** The columns one histogram pass reads and where each adds (offset in hist, x2); rebuilt per pass. */
  private readonly unitCols: Uint8Array[] = [];
  private readonly unitOff: Int32Array;
  private readonly unitFeat: Int32Array;
  /** The WebAssembly histogram pass, or null for the TypeScript one (same sums). */
  private readonly kernel: HistKernel | null;
  private readonly groupUsed: Uint8Array;
  private iter = 0;

  constructor(
    private readonly ds: BinnedDataset,
    private readonly y: Float64Array,
    private readonly objective: Objective,
    nClasses: number,
    params: Partial<GbdtParams>,
    private readonly trainRows: Int32Array,
    private readonly validRows: Int32Array | null,
    seed: number,
  ) {
    this.p = { ...GBDT_DEFAULTS, ...params };
    this.K = objective === 'multiclass' ? nClasses : 1;
    const n = ds.n;
    this.raw = new Float64Array(n * this.K);

    this.binOffset = new Int32Array(ds.nFeat + 1);
    for (let f = 0; f < ds.nFeat; f++) this.binOffset[f + 1] = this.binOffset[f] + ds.nBins[f];
    this.totalBins = this.binOffset[ds.nFeat];
    this.groups = paths.groups ? histGroups(ds) : { ...NO_GROUPS, groupOf: new Int32Array(ds.nFeat).fill(-1) };
    this.activeMask = new Uint8Array(ds.nFeat);
    this.cols = Array.from({ length: ds.nFeat }, (_, f) => ds.bins.subarray(f * n, f * n + n));
    this.unitOff = new Int32Array(ds.nFeat);
    this.unitFeat = new Int32Array(ds.nFeat);
    this.kernel = paths.wasm ? kernelFor(ds, this.groups, this.totalBins, this.K) : null;
    // With the kernel, the per-iteration arrays are its (shared by the boosters of one CV: see _histKernel.ts).
    this.g = this.kernel?.g ?? new Float32Array(n * this.K);
    this.h = this.kernel?.h ?? new Float32Array(n * this.K);
    this.rows = this.kernel?.rows ?? new Int32Array(trainRows.length);
    this.tmp = this.kernel?.tmp ?? new Int32Array(trainRows.length);
    this.og = this.kernel?.og ?? new Float32Array(trainRows.length);
    this.oh = this.kernel?.oh ?? new Float32Array(trainRows.length);
    this.leafIdx = this.kernel?.idx ?? new Int32Array(trainRows.length);
    this.groupUsed = new Uint8Array(this.groups.groups.length);
    this.rng = new Rng(seed);
    this.activeFeat = new Int32Array(ds.nFeat);
    if (this.p.baggingFraction < 1 && this.p.baggingFreq > 0) this.bag = new Int32Array(trainRows.length);
    this.importanceGain = new Float64Array(ds.nFeat);
    this.base = this.initScore();
    for (let i = 0; i < n; i++) for (let k = 0; k < this.K; k++) this.raw[i * this.K + k] = this.base[k];
  }

  private initScore(): Float64Array {
    const K = this.K;
    const base = new Float64Array(K);
    const m = this.trainRows.length;
    if (this.objective === 'regression') {
      let s = 0;
      for (let j = 0; j < m; j++) s += this.y[this.trainRows[j]];
      base[0] = Math.fround(s / m);
    } else if (this.objective === 'binary') {
      let pos = 0;
      for (let j = 0; j < m; j++) pos += this.y[this.trainRows[j]] === 1 ? 1 : 0;
      const p = Math.min(Math.max(pos / m, 1e-6), 1 - 1e-6);
      base[0] = Math.fround(Math.log(p / (1 - p)));
    } else {
      const cnt = new Float64Array(K);
      for (let j = 0; j < m; j++) cnt[this.y[this.trainRows[j]]]++;
      for (let k = 0; k < K; k++) base[k] = Math.fround(Math.log(Math.max(cnt[k] / m, 1e-6)));
    }
    return base;
  }

  get iterations(): number {
    return this.iter;
  }

  /** Gradients and hessians of every training row for all K outputs (stored g[k * n + i]). */
  private computeGradients(): void {
    const { raw, g, h, y, K } = this;
    const n = this.ds.n;
    const rows = this.trainRows;
    const m = rows.length;
    if (this.objective === 'binary') {
      for (let j = 0; j < m; j++) {
        const i = rows[j];
        const p = 1 / (1 + Math.exp(-raw[i]));
        g[i] = p - y[i];
        h[i] = Math.max(p * (1 - p), 1e-16);
      }
    } else if (this.objective === 'regression') {
      for (let j = 0; j < m; j++) {
        const i = rows[j];
        g[i] = raw[i] - y[i];
        h[i] = 1;
      }
    } else {
      const factor = K / (K - 1);
      const e = new Float64Array(K);
      for (let j = 0; j < m; j++) {
        const i = rows[j];
        let mx = -Infinity;
        for (let k = 0; k < K; k++) mx = Math.max(mx, raw[i * K + k]);
        let z = 0;
        for (let k = 0; k < K; k++) z += e[k] = Math.exp(raw[i * K + k] - mx);
        for (let k = 0; k < K; k++) {
          const p = e[k] / z;
          g[k * n + i] = p - (y[i] === k ? 1 : 0);
          h[k * n + i] = Math.max(factor * p * (1 - p), 1e-16);
        }
      }
    }
  }

  /** One boosting iteration: K trees. */
  step(): void {
    this.computeGradients();
    // Row subsample (bagging) for this iteration; rows stay sorted for cache-friendly bin reads.
    let m = this.trainRows.length;
    const bagging = this.p.baggingFraction < 1 && this.p.baggingFreq > 0;
    if (bagging) {
      if (this.iter % this.p.baggingFreq === 0 || this.bagSize === 0) {
        const frac = this.p.baggingFraction;
        let k = 0;
        for (let j = 0; j < this.trainRows.length; j++) if (this.rng.next() < frac) this.bag[k++] = this.trainRows[j];
        this.bagSize = k;
      }
      m = this.bagSize;
    }
    this.chooseFeatures();
    for (let k = 0; k < this.K; k++) {
      if (bagging) this.rows.set(this.bag.subarray(0, m));
      else this.rows.set(this.trainRows);
      const tree = this.growTree(k, m, bagging);
      this.trees.push(tree);
      this.treeClass.push(k);
    }
    this.iter++;
  }

  private bag = new Int32Array(0);
  private bagSize = 0;

  private chooseFeatures(): void {
    const nFeat = this.ds.nFeat;
    let k = 0;
    if (this.p.featureFraction >= 1) {
      for (let f = 0; f < nFeat; f++) if (this.ds.nBins[f] > 1) this.activeFeat[k++] = f;
    } else {
      const cand: number[] = [];
      for (let f = 0; f < nFeat; f++) if (this.ds.nBins[f] > 1) cand.push(f);
      const take = Math.max(1, Math.round(cand.length * this.p.featureFraction));
      this.rng.shuffle(cand);
      const chosen = cand.slice(0, take).sort((a, b) => a - b);
      for (const f of chosen) this.activeFeat[k++] = f;
    }
    this.nActive = k;
    this.activeMask.fill(0);
    for (let a = 0; a < k; a++) this.activeMask[this.activeFeat[a]] = 1;
    let bins = 0;
    for (let a = 0; a < k; a++) bins += this.ds.nBins[this.activeFeat[a]];
    this.activeBins = bins;
    this.fillAll = bins * 4 >= this.totalBins * 3;
  }

  private activeBins = 0;
  /** Clear whole histograms (most bins are active) rather than feature by feature. */
  private fillAll = false;

  /** Whether a leaf passes the size and depth limits a split needs (its gain is not known yet). */
  private mayGrow(c: LeafState): boolean {
    const p = this.p;
    return c.c >= 2 * p.minChildSamples && c.h >= 2 * p.minChildWeight && !(p.maxDepth > 0 && c.depth >= p.maxDepth);
  }

  private getHist(): Float64Array {
    return this.histPool.pop() ?? new Float64Array((this.totalBins + this.groups.scratchBins) * 2);
  }

  /**
   * Histogram of (sum gradient, sum hessian) per bin for the leaf's rows. Counts are not accumulated:
   * like LightGBM, a side's row count is estimated from its hessian share. Four features per pass share
   * the ordered gradient loads.
   */
  private buildHist(hist: Float64Array, gk: number, start: number, end: number): void {
    const { og, oh, rows, g, h, binOffset, activeFeat, activeMask, unitCols, unitOff, groupUsed, kernel } = this;
    const m = end - start;
    const idx = this.leafIdx;
    if (kernel) kernel.gather(start, m, gk / this.ds.n);
    else
      for (let j = 0; j < m; j++) {
        const i = rows[start + j];
        idx[j] = i;
        og[j] = g[gk + i];
        oh[j] = h[gk + i];
      }
    // Where the pass adds: the WebAssembly kernel's own histogram (copied out after), or hist itself.
    const acc = kernel ? kernel.hist : hist;
    const fillAll = this.fillAll;
    // The pass's columns: a group's joint codes where that saves row updates (each joint code costs a
    // pass over the codes per member afterwards), else each active feature's own bins.
    const { groups, groupOf } = this.groups;
    const scratch0 = this.totalBins * 2;
    let nu = 0;
    for (let q = 0; q < groups.length; q++) {
      const grp = groups[q];
      let A = 0;
      for (let t = 0; t < grp.members.length; t++) A += activeMask[grp.members[t]];
      const use = A >= 2 && m * (A - 1) > grp.P * (grp.members.length + 1);
      groupUsed[q] = use ? 1 : 0;
      if (!use) continue;
      if (kernel) kernel.units[2 * nu] = kernel.groupAddr(q);
      unitCols[nu] = grp.codes;
      unitOff[nu++] = scratch0 + grp.scratch * 2;
      acc.fill(0, scratch0 + grp.scratch * 2, scratch0 + (grp.scratch + grp.P) * 2);
      if (!fillAll)
        for (let t = 0; t < grp.members.length; t++) {
          const f = grp.members[t];
          hist.fill(0, binOffset[f] * 2, binOffset[f + 1] * 2);
        }
    }
    const singles = nu;
    const na = this.nActive;
    for (let a = 0; a < na; a++) {
      const f = activeFeat[a];
      const q = groupOf[f];
      if (q >= 0 && groupUsed[q]) continue;
      if (kernel) kernel.units[2 * nu] = kernel.colAddr(f);
      this.unitFeat[nu] = f;
      unitCols[nu] = this.cols[f];
      unitOff[nu++] = binOffset[f] * 2;
      if (!fillAll) acc.fill(0, binOffset[f] * 2, binOffset[f + 1] * 2);
    }
    if (fillAll) acc.fill(0, 0, scratch0); // one memset beats a call per feature
    if (kernel) {
      for (let u = 0; u < nu; u++) kernel.units[2 * u + 1] = unitOff[u] * 8;
      kernel.run(nu, m);
      if (fillAll) hist.set(acc.subarray(0, scratch0));
      else
        for (let u = singles; u < nu; u++) {
          const f = this.unitFeat[u];
          hist.set(acc.subarray(binOffset[f] * 2, binOffset[f + 1] * 2), binOffset[f] * 2);
        }
    } else this.passJs(hist, nu, m);
    // Each member of a used group: the joint histogram summed over the other members.
    for (let q = 0; q < groups.length; q++) {
      if (!groupUsed[q]) continue;
      const { members, P, decode } = groups[q];
      const M = members.length;
      const s0 = scratch0 + groups[q].scratch * 2;
      for (let c = 0; c < P; c++) {
        const sg = acc[s0 + 2 * c];
        const sh = acc[s0 + 2 * c + 1];
        if (sh === 0) continue;
        for (let t = 0; t < M; t++) {
          const b = binOffset[members[t]] * 2 + 2 * decode[c * M + t];
          hist[b] += sg;
          hist[b + 1] += sh;
        }
      }
    }
  }

  /** The TypeScript histogram pass (the kernel's fallback); four columns per pass share the gradient loads. */
  private passJs(hist: Float64Array, nu: number, m: number): void {
    const { og, oh, unitCols, unitOff } = this;
    const idx = this.leafIdx;
    let a = 0;
    for (; a + 3 < nu; a += 4) {
      const h0 = unitOff[a],
        h1 = unitOff[a + 1],
        h2 = unitOff[a + 2],
        h3 = unitOff[a + 3];
      const c0 = unitCols[a],
        c1 = unitCols[a + 1],
        c2 = unitCols[a + 2],
        c3 = unitCols[a + 3];
      for (let j = 0; j < m; j++) {
        const i = idx[j];
        const gg = og[j];
        const hh = oh[j];
        let b = h0 + (c0[i] << 1);
        hist[b] += gg;
        hist[b + 1] += hh;
        b = h1 + (c1[i] << 1);
        hist[b] += gg;
        hist[b + 1] += hh;
        b = h2 + (c2[i] << 1);
        hist[b] += gg;
        hist[b + 1] += hh;
        b = h3 + (c3[i] << 1);
        hist[b] += gg;
        hist[b + 1] += hh;
      }
    }
    for (; a < nu; a++) {
      const hb = unitOff[a];
      const c0 = unitCols[a];
      for (let j = 0; j < m; j++) {
        const b = hb + (c0[idx[j]] << 1);
        hist[b] += og[j];
        hist[b + 1] += oh[j];
      }
    }
  }

  private findSplit(leaf: LeafState): SplitInfo {
    const { binOffset, activeFeat } = this;
    const { lambdaL2: l2, minChildSamples: minC, minChildWeight: minH } = this.p;
    const hist = leaf.hist!;
    const G = leaf.g;
    const H = leaf.h;
    const Cn = leaf.c;
    if (Cn < 2 * minC || H < 2 * minH) return NO_SPLIT;
    if (this.p.maxDepth > 0 && leaf.depth >= this.p.maxDepth) return NO_SPLIT;
    const parent = (G * G) / (H + l2);
    const cntFactor = Cn / H;
    // lc = round(lh * cntFactor) >= minC, lh >= minH; rc = Cn - lc >= minC, H - lh >= minH.
    const hLo = Math.max((minC - 0.5) / cntFactor, minH);
    const hHi = Math.min((Cn - minC + 0.5) / cntFactor, H - minH + Number.EPSILON * H);
    let bestGain = -Infinity;
    let bestF = -1;
    let bestB = 0;
    let blg = 0;
    let blh = 0;
    let bestCat: Uint8Array | null = null;
    const catValues = this.p.catSplits ? this.ds.catValues : undefined;
    for (let a = 0; a < this.nActive; a++) {
      const f = activeFeat[a];
      const nb = this.ds.nBins[f];
      if (catValues?.[f]) {
        const c = this.findCategorical(hist, f, G, H, Cn, parent, bestGain);
        if (c) ((bestGain = c.gain), (bestF = f), (bestB = 0), (blg = c.lg), (blh = c.lh), (bestCat = c.mask));
        continue;
      }
      let lg = 0;
      let lh = 0;
      let hb = binOffset[f] * 2;
      // Row counts are estimated from hessians (round(lh * cntFactor)); the count and hessian limits
      // become bounds on the left hessian, which only grows along the scan: below hLo nothing is
      // tried yet, from hHi on nothing more can be. Gains are compared without the parent's term.
      let best = bestGain + parent;
      let fb = -1;
      for (let b = 0; b < nb - 1; b++, hb += 2) {
        // An empty bin splits the rows as the bin before it did: its gain is equal, never greater,
        // so it needs no test (a branch that small leaves mispredict half the time).
        lg += hist[hb];
        lh += hist[hb + 1];
        if (lh < hLo) continue;
        if (lh >= hHi) break;
        const rg = G - lg;
        const gain = (lg * lg) / (lh + l2) + (rg * rg) / (H - lh + l2);
        if (gain > best) {
          best = gain;
          fb = b;
          blg = lg;
          blh = lh;
        }
      }
      if (fb >= 0) {
        bestGain = best - parent;
        bestF = f;
        bestB = fb;
        bestCat = null;
      }
    }
    if (bestF < 0 || !(bestGain > Math.max(this.p.minSplitGain, 1e-12))) return NO_SPLIT;
    return { gain: bestGain, feature: bestF, bin: bestB, cat: bestCat, lg: blg, lh: blh, lc: 0 };
  }

  /**
   * Best categorical split of feature f that beats `beat` (LightGBM's method): with few categories,
   * one category against the rest; otherwise categories with enough rows are sorted by smoothed
   * gradient ratio g / (h + catSmooth) and every prefix (from either end, at most maxCatThreshold
   * categories) is tried as the left set, children regularised by catL2. Rare and unseen categories go right.
   */
  private findCategorical(
    hist: Float64Array,
    f: number,
    G: number,
    H: number,
    Cn: number,
    parent: number,
    beat: number,
  ): { gain: number; lg: number; lh: number; mask: Uint8Array } | null {
    const { lambdaL2: l2, minChildSamples: minC, minChildWeight: minH, catSmooth, catL2, maxCatThreshold, maxCatToOnehot } = this.p;
    const nb = this.ds.nBins[f];
    const hb = this.binOffset[f] * 2;
    const cntFactor = Cn / H;
    // The same count / hessian bounds on the left side as in findSplit.
    const hLo = Math.max((minC - 0.5) / cntFactor, minH);
    const hHi = Math.min((Cn - minC + 0.5) / cntFactor, H - minH + Number.EPSILON * H);
    const cand = this.catCand;
    const ratio = this.catRatio;
    let used = 0;
    let nc = 0;
    for (let b = 0; b < nb; b++) {
      const h = hist[hb + 2 * b + 1];
      if (h > 0) used++;
      if (Math.round(h * cntFactor) >= catSmooth) cand[nc++] = b;
    }
    if (used < 2) return null;
    let best = beat + parent;
    let bestLg = 0;
    let bestLh = 0;
    let bestFrom = -1; // one-vs-rest: the bin; sorted: the prefix length, signed by direction
    if (used <= maxCatToOnehot) {
      for (let b = 0; b < nb; b++) {
        const lh = hist[hb + 2 * b + 1];
        if (lh === 0 || lh < hLo || lh >= hHi) continue;
        const lg = hist[hb + 2 * b];
        const rg = G - lg;
        const gain = (lg * lg) / (lh + l2) + (rg * rg) / (H - lh + l2);
        if (gain > best) ((best = gain), (bestLg = lg), (bestLh = lh), (bestFrom = b));
      }
      if (bestFrom < 0) return null;
      const mask = new Uint8Array(nb);
      mask[bestFrom] = 1;
      return { gain: best - parent, lg: bestLg, lh: bestLh, mask };
    }
    if (nc < 2) return null;
    for (let q = 0; q < nc; q++) ratio[cand[q]] = hist[hb + 2 * cand[q]] / (hist[hb + 2 * cand[q] + 1] + catSmooth);
    const order = cand.subarray(0, nc).sort((x, y) => ratio[x] - ratio[y] || x - y);
    const reg = l2 + catL2;
    const maxLeft = Math.min(maxCatThreshold, (nc + 1) >> 1);
    let bestDir = 0;
    for (let dir = 1; dir >= -1; dir -= 2) {
      let lg = 0;
      let lh = 0;
      for (let q = 0; q < maxLeft; q++) {
        const b = order[dir === 1 ? q : nc - 1 - q];
        lg += hist[hb + 2 * b];
        lh += hist[hb + 2 * b + 1];
        if (lh < hLo || lh >= hHi) continue;
        const rg = G - lg;
        const gain = (lg * lg) / (lh + reg) + (rg * rg) / (H - lh + reg);
        if (gain > best) ((best = gain), (bestLg = lg), (bestLh = lh), (bestFrom = q + 1), (bestDir = dir));
      }
    }
    if (bestFrom < 0) return null;
    const mask = new Uint8Array(nb);
    for (let q = 0; q < bestFrom; q++) mask[order[bestDir === 1 ? q : nc - 1 - q]] = 1;
    return { gain: best - parent, lg: bestLg, lh: bestLh, mask };
  }

  /** Scratch of findCategorical (bins are uint8: at most 256 per feature). */
  private readonly catCand = new Int32Array(256);
  private readonly catRatio = new Float64Array(256);

  /** Stable in-place partition of rows[start, end) by bin <= threshold; returns the first right index. */
  private partition(start: number, end: number, feature: number, bin: number, cat: Uint8Array | null): number {
    const { rows, tmp } = this;
    const bins = this.ds.bins;
    const off = feature * this.ds.n;
    if (cat) {
      let l = start;
      let r = 0;
      for (let j = start; j < end; j++) {
        const i = rows[j];
        const left = cat[bins[off + i]];
        rows[l] = i;
        tmp[r] = i;
        l += left;
        r += 1 - left;
      }
      for (let j = 0; j < r; j++) rows[l + j] = tmp[j];
      return l;
    }
    if (this.kernel) return this.kernel.partition(start, end, feature, bin);
    return partitionRows(rows, tmp, bins, off, start, end, bin);
  }

  private growTree(k: number, m: number, bagged: boolean): BinTree {
    const n = this.ds.n;
    const gk = this.objective === 'multiclass' ? k * n : 0;
    const { lambdaL2: l2, learningRate: lr, numLeaves } = this.p;
    const tree: BinTree = { feature: [-1], bin: [0], left: [-1], right: [-1], value: [0] };
    const root: LeafState = { node: 0, start: 0, end: m, depth: 0, g: 0, h: 0, c: m, hist: this.getHist(), split: null };
    this.buildHist(root.hist!, gk, 0, m);
    {
      // The root's totals, summed in row order.
      let g = 0;
      let h = 0;
      for (let j = 0; j < m; j++) ((g += this.og[j]), (h += this.oh[j]));
      root.g = g;
      root.h = h;
    }
    root.split = this.findSplit(root);
    const leaves: LeafState[] = [root];
    while (leaves.length < numLeaves) {
      let best = -1;
      for (let q = 0; q < leaves.length; q++) {
        const s = leaves[q].split!;
        if (s.feature >= 0 && (best < 0 || s.gain > leaves[best].split!.gain)) best = q;
      }
      if (best < 0) break;
      const leaf = leaves[best];
      const s = leaf.split!;
      const mid = this.partition(leaf.start, leaf.end, s.feature, s.bin, s.cat);
      const ln = tree.feature.length;
      const rn = ln + 1;
      tree.feature.push(-1, -1);
      tree.bin.push(0, 0);
      tree.left.push(-1, -1);
      tree.right.push(-1, -1);
      tree.value.push(0, 0);
      tree.feature[leaf.node] = s.feature;
      tree.bin[leaf.node] = s.bin;
      if (s.cat) {
        if (!tree.cats) tree.cats = [];
        tree.cats[leaf.node] = s.cat;
      }
      tree.left[leaf.node] = ln;
      tree.right[leaf.node] = rn;
      this.importanceGain[s.feature] += s.gain;
      const left: LeafState = {
        node: ln,
        start: leaf.start,
        end: mid,
        depth: leaf.depth + 1,
        g: s.lg,
        h: s.lh,
        c: mid - leaf.start,
        hist: null,
        split: null,
      };
      const right: LeafState = {
        node: rn,
        start: mid,
        end: leaf.end,
        depth: leaf.depth + 1,
        g: leaf.g - s.lg,
        h: leaf.h - s.lh,
        c: leaf.end - mid,
        hist: null,
        split: null,
      };
      // Histograms only for children that may split (the last split of a tree and small children need
      // none). Per bin work (subtraction, split scans) dominates on small data, so a histogram is built
      // from rows directly when that is cheaper than building the sibling and subtracting.
      const canSplit = leaves.length + 1 < numLeaves;
      const splittable = (c: LeafState) => canSplit && this.mayGrow(c);
      const ls = splittable(left);
      const rs = splittable(right);
      const parentHist = leaf.hist!;
      const small = left.c <= right.c ? left : right;
      const large = small === left ? right : left;
      const direct = (c: LeafState) => {
        c.hist = this.getHist();
        this.buildHist(c.hist, gk, c.start, c.end);
      };
      const rowCost = this.nActive;
      const subtractCost = this.activeBins * 2;
      const needLarge = large === left ? ls : rs;
      const needSmall = small === left ? ls : rs;
      // Subtraction costs the small child's rows plus a pass over the bins; building costs the rows.
      const subtract = needLarge && large.c * rowCost > (needSmall ? 0 : small.c * rowCost) + subtractCost;
      if (subtract) {
        direct(small);
        const { binOffset, activeFeat } = this;
        const sh = small.hist!;
        for (let a = 0; a < this.nActive; a++) {
          const f = activeFeat[a];
          for (let t = binOffset[f] * 2, e = binOffset[f + 1] * 2; t < e; t++) parentHist[t] -= sh[t];
        }
        large.hist = parentHist;
      } else {
        this.histPool.push(parentHist);
        if (needSmall) direct(small);
        if (needLarge) direct(large);
      }
      left.split = ls ? this.findSplit(left) : NO_SPLIT;
      right.split = rs ? this.findSplit(right) : NO_SPLIT;
      if (!ls && left.hist) (this.histPool.push(left.hist), (left.hist = null));
      if (!rs && right.hist) (this.histPool.push(right.hist), (right.hist = null));
      leaves[best] = left;
      leaves.push(right);
    }
    // Leaf values, float32 so every scorer adds the same numbers.
    const K = this.K;
    for (const leaf of leaves) {
      const v = leaf.h + l2 > 0 ? Math.fround((-leaf.g / (leaf.h + l2)) * lr) : 0; // an empty bag gives an empty leaf
      tree.value[leaf.node] = v;
      if (!bagged) for (let j = leaf.start; j < leaf.end; j++) this.raw[this.rows[j] * K + k] += v;
      if (leaf.hist) this.histPool.push(leaf.hist);
    }
    if (bagged) this.addTree(tree, k, this.trainRows);
    if (this.validRows) this.addTree(tree, k, this.validRows);
    return tree;
  }

  private addTree(tree: BinTree, k: number, rows: Int32Array): void {
    const bins = this.ds.bins;
    const n = this.ds.n;
    const K = this.K;
    const { feature, bin, left, right, value, cats } = tree;
    for (let j = 0; j < rows.length; j++) {
      const i = rows[j];
      let node = 0;
      if (cats) {
        while (left[node] !== -1) {
          const b = bins[feature[node] * n + i];
          const m = cats[node];
          node = (m ? m[b] === 1 : b <= bin[node]) ? left[node] : right[node];
        }
      } else while (left[node] !== -1) node = bins[feature[node] * n + i] <= bin[node] ? left[node] : right[node];
      this.raw[i * K + k] += value[node];
    }
  }

  /** Mean validation loss of the current raw scores (logloss or squared error). */
  validLoss(): number {
    const rows = this.validRows!;
    return rowsLoss(this.objective, this.raw, this.y, rows, this.K);
  }

  /** Converts to the pipeline's tree model, keeping the first `nIter` iterations. */
  toModel(nIter = this.iter): Model {
    const trees: Tree[] = [];
    const treeClass: number[] = [];
    const upto = nIter * this.K;
    for (let t = 0; t < upto && t < this.trees.length; t++) {
      trees.push(binTreeToTree(this.trees[t], this.ds));
      treeClass.push(this.treeClass[t]);
    }
    return {
      type: 'trees',
      aggregate: 'sum',
      base: Array.from(this.base),
      trees,
      ...(this.K > 1 ? { treeClass } : {}),
    };
  }
}

/**
 * Stable in-place partition of rows[start, end) by bins[off + row] <= bin, through `tmp`; returns the
 * first right index. Branch-free: both writes happen, the counters decide which one is kept (left/right
 * is unpredictable, and mispredicted branches used to cost as much as the histograms). The TypeScript
 * form of the kernel's `partition`, shared by boosters and forests.
 */
export function partitionRows(rows: Int32Array, tmp: Int32Array, bins: Uint8Array, off: number, start: number, end: number, bin: number): number {
  let l = start;
  let r = 0;
  for (let j = start; j < end; j++) {
    const i = rows[j];
    const left = bins[off + i] <= bin ? 1 : 0;
    rows[l] = i;
    tmp[r] = i;
    l += left;
    r += 1 - left;
  }
  for (let j = 0; j < r; j++) rows[l + j] = tmp[j];
  return l;
}

export function binTreeToTree(t: BinTree, ds: BinnedDataset): Tree {
  const leaf = (i: number) => t.left[i] === -1;
  const cat = (i: number) => (leaf(i) ? null : (t.cats?.[i] ?? null));
  const out: Tree = {
    feature: t.feature.map((f, i) => (leaf(i) ? 0 : f)),
    threshold: t.bin.map((b, i) => (leaf(i) || cat(i) ? 0 : ds.thresholds[t.feature[i]][b])),
    left: t.left.slice(),
    right: t.right.slice(),
    value: t.value.map((v) => [v]),
  };
  if (t.cats?.some((m) => m)) {
    // Bin masks -> the category codes (feature values) that go left.
    out.categories = t.feature.map((f, i) => {
      const m = cat(i);
      if (!m) return null;
      const values = ds.catValues![f]!;
      const cs: number[] = [];
      for (let b = 0; b < m.length; b++) if (m[b]) cs.push(values[b]);
      return cs;
    });
  }
  return out;
}

export function rowsLoss(objective: Objective, raw: Float64Array, y: Float64Array, rows: Int32Array, K: number): number {
  let s = 0;
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    if (objective === 'binary') {
      const r = raw[i];
      // log(1 + exp(-r)) for y = 1, log(1 + exp(r)) for y = 0, computed stably.
      const z = y[i] === 1 ? -r : r;
      s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    } else if (objective === 'regression') {
      const e = raw[i] - y[i];
      s += e * e;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, raw[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(raw[i * K + k] - mx);
      s += Math.log(z) + mx - raw[i * K + y[i]];
    }
  }
  return s / rows.length;
}

/** Raw scores -> predictions of width P (probabilities for classification). */
export function rawToPred(objective: Objective, raw: Float64Array, rows: Int32Array, K: number, out: Float64Array, P: number): void {
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    if (objective === 'binary') {
      const p = 1 / (1 + Math.exp(-raw[i]));
      out[i * P] = 1 - p;
      out[i * P + 1] = p;
    } else if (objective === 'regression') out[i] = raw[i];
    else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, raw[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(raw[i * K + k] - mx);
      for (let k = 0; k < K; k++) out[i * P + k] = Math.exp(raw[i * K + k] - mx) / z;
    }
  }
}

export function objectiveOf(ctx: TrainContext): Objective {
  return ctx.task === 'regression' ? 'regression' : ctx.task === 'binary' ? 'binary' : 'multiclass';
}

export function toGbdtParams(p: Params): Partial<GbdtParams> {
  return {
    nEstimators: Math.round(p.n_estimators),
    learningRate: p.learning_rate,
    numLeaves: Math.max(2, Math.round(p.num_leaves)),
    minChildSamples: Math.max(1, Math.round(p.min_child_samples)),
    lambdaL2: p.reg_lambda,
    featureFraction: p.colsample_bytree,
    baggingFraction: p.subsample ?? 1,
    baggingFreq: (p.subsample ?? 1) < 1 ? 1 : 0,
    maxDepth: 0,
  };
}

/**
 * CV in lockstep (like lgb.cv): every fold grows one iteration at a time; the best iteration is the one
 * with the lowest mean validation loss; training stops when it has not improved for `patience` rounds.
 */
export function gbdtCV(ctx: TrainContext, params: Partial<GbdtParams>, folds: Int32Array[], seed: number, deadline?: number, patience = 30): CVOutput {
  const objective = objectiveOf(ctx);
  const P = predWidth(ctx);
  const n = ctx.n;
  const boosters = folds.map((fold, k) => new GbdtBooster(ctx.tree.ds, ctx.y, objective, ctx.C, params, trainRowsOf(ctx, k, fold), fold, deriveSeed(seed, k)));
  const K = boosters[0].K;
  const maxIter = params.nEstimators ?? GBDT_DEFAULTS.nEstimators;
  const bestRaw = folds.map((fold) => new Float64Array(fold.length * K));
  let bestLoss = Infinity;
  let bestIter = 0;
  const snapshot = () => {
    folds.forEach((fold, f) => {
      const raw = boosters[f].raw;
      const dst = bestRaw[f];
      for (let j = 0; j < fold.length; j++) for (let k = 0; k < K; k++) dst[j * K + k] = raw[fold[j] * K + k];
    });
  };
  snapshot();
  let truncated = 0;
  for (let it = 0; it < maxIter; it++) {
    // At the deadline, boosting stops like early stopping does (the best iteration so far is kept):
    // a long trial still counts. Only a trial with no tree yet is given up.
    if (deadline !== undefined && Date.now() > deadline) {
      if (it === 0) checkDeadline(deadline);
      truncated = 1;
      break;
    }
    let loss = 0;
    for (const b of boosters) {
      b.step();
      loss += b.validLoss();
    }
    loss /= boosters.length;
    if (loss < bestLoss - 1e-12) {
      bestLoss = loss;
      bestIter = it + 1;
      snapshot();
    } else if (it + 1 - bestIter >= patience) break;
  }
  const oof = new Float64Array(n * P);
  const tmpRaw = new Float64Array(n * K);
  folds.forEach((fold, f) => {
    for (let j = 0; j < fold.length; j++) for (let k = 0; k < K; k++) tmpRaw[fold[j] * K + k] = bestRaw[f][j * K + k];
    rawToPred(objective, tmpRaw, fold, K, oof, P);
  });
  return { oof, extra: { best_iteration: Math.max(1, bestIter), n_folds: folds.length, ...(truncated ? { stopped_at_deadline: 1 } : {}) } };
}

export function gbdtFit(
  ctx: TrainContext,
  params: Partial<GbdtParams>,
  nIter: number,
  seed: number,
  rows: Int32Array = allRows(ctx.n),
): { booster: GbdtBooster; model: Model } {
  const objective = objectiveOf(ctx);
  const b = new GbdtBooster(ctx.tree.ds, ctx.y, objective, ctx.C, params, rows, null, seed);
  for (let it = 0; it < nIter; it++) b.step();
  return { booster: b, model: b.toModel() };
}

export const gbdtLearner: Learner = {
  name: 'gbdt',
  flavor: 'tree',
  tasks: ['binary', 'multiclass', 'regression'],
  space: {
    n_estimators: { type: 'int', low: 8, high: 3000, log: true, init: 16 },
    num_leaves: { type: 'int', low: 4, high: 256, log: true, init: 4 },
    min_child_samples: { type: 'int', low: 2, high: 200, log: true, init: 20 },
    learning_rate: { type: 'float', low: 0.005, high: 0.5, log: true, init: 0.1 },
    reg_lambda: { type: 'float', low: 1e-3, high: 100, log: true, init: 1 },
    colsample_bytree: { type: 'float', low: 0.3, high: 1, init: 1 },
    subsample: { type: 'float', low: 0.5, high: 1, init: 1 },
  },
  seeds: [
    // LightGBM's defaults with column subsampling; early stopping picks the number of trees.
    { n_estimators: 1000, num_leaves: 31, min_child_samples: 20, learning_rate: 0.1, reg_lambda: 1, colsample_bytree: 0.8, subsample: 1 },
    // Smaller trees, a lower rate, row and column subsampling: steadier on small and noisy data.
    { n_estimators: 2000, num_leaves: 12, min_child_samples: 10, learning_rate: 0.05, reg_lambda: 3, colsample_bytree: 0.6, subsample: 0.8 },
  ],
  cost(p, n, nFeat) {
    // Histogram work ~ rows x features x log(leaves) per tree; early stopping usually ends near 10 / lr trees.
    return (Math.min(p.n_estimators, 10 / p.learning_rate) * n * nFeat * Math.log2(p.num_leaves + 1)) / 1e6;
  },
  cv(ctx, p, folds, seed, deadline) {
    return gbdtCV(ctx, toGbdtParams(p), folds, seed, deadline);
  },
  fit(ctx, p, extra, seed, rows): FullOutput {
    const nIter = Math.max(1, Math.round((extra.best_iteration ?? p.n_estimators) * (extra.n_folds > 1 ? 1.1 : 1)));
    const { booster, model } = gbdtFit(ctx, toGbdtParams(p), nIter, seed, rows);
    return { model, post: ctx.task === 'binary' ? 'logistic' : ctx.task === 'multiclass' ? 'softmax' : 'none', importance: booster.importanceGain };
  },
};
