"""Reference figures from scikit-learn's HistGradientBoostingClassifier, for bench/automl/automl.bench.ts.

usage: python3 sklearn_hgb.py fit300 CSV TARGET REPEATS [ITERATIONS]
       python3 sklearn_hgb.py holdout CSV TARGET SPLIT.json
Text columns are ordinal-encoded (sorted categories), as the TS engine's tree features are.
Prints one JSON line.
"""
import csv
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score


def load(path, target):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    cols = list(zip(*rows))
    ti = header.index(target)
    classes = sorted(set(cols[ti]))
    y = np.array([classes.index(v) for v in cols[ti]])
    feats = []
    for j, name in enumerate(header):
        if j == ti:
            continue
        try:
            feats.append(np.array([float(v) if v != '' else np.nan for v in cols[j]]))
        except ValueError:
            cats = {c: i for i, c in enumerate(sorted(set(cols[j])))}
            feats.append(np.array([cats[v] for v in cols[j]], dtype=float))
    return np.stack(feats, 1).astype(np.float32), y


def main():
    mode, path, target = sys.argv[1], sys.argv[2], sys.argv[3]
    X, y = load(path, target)
    if mode == 'fit300':
        repeats = int(sys.argv[4])
        iterations = int(sys.argv[5]) if len(sys.argv) > 5 else 300
        times, cpu = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            c = time.process_time()
            HistGradientBoostingClassifier(max_iter=iterations, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                                           l2_regularization=0.0, max_bins=255, early_stopping=False).fit(X, y)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(json.dumps({'seconds': sorted(times)[len(times) // 2], 'cpu': sorted(cpu)[len(cpu) // 2], 'all': times}))
    else:
        split = json.load(open(sys.argv[4]))
        tr, te = np.array(split['train']), np.array(split['test'])
        m = HistGradientBoostingClassifier(random_state=0).fit(X[tr], y[tr])
        print(json.dumps({'auc': roc_auc_score(y[te], m.predict_proba(X[te])[:, 1])}))


if __name__ == '__main__':
    main()
