"""The three reference models of the AutoML suite, trained and scored on the suite's split of one data set.

usage: /usr/bin/python3 references.py CSV TARGET TASK SPLIT.json
  TASK: binary | multiclass | regression; SPLIT.json: {"train": [row...], "test": [row...]} (0-based data rows).
Prints one JSON line: {"hgb": score, "linear": score, "rf": score, "seconds": {...}}, score = AUC_weighted
(classification, one-vs-rest weighted by class support) or R^2 (regression) on the test rows.

References (scikit-learn defaults unless said):
- hgb: HistGradientBoosting with native categorical features (categoricals of more than 254 values are
  ordinal-coded as numbers, sklearn's own limit);
- linear: LogisticRegression / Ridge on one-hot categoricals + median-imputed, standardised numerics;
- rf: RandomForest of 300 trees on ordinal-coded categoricals and median-imputed numerics.
A column is numeric when every non-empty cell parses as a number (as the TS engine decides).
"""
import csv
import json
import sys
import time

import numpy as np
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score, roc_auc_score

MISSING = {'', 'na', 'n/a', 'nan', 'null', 'none', '?', '-'}


def parse(v):
    t = v.strip()
    if t.lower() in MISSING:
        return np.nan
    return float(t)


def load(path, target):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    cols = list(zip(*rows))
    ti = header.index(target)
    num, cat = [], []
    for j, name in enumerate(header):
        if j == ti:
            continue
        try:
            num.append(np.array([parse(v) for v in cols[j]], dtype=float))
        except ValueError:
            cat.append(np.array([v.strip() for v in cols[j]], dtype=object))
    return cols[ti], num, cat


def auc_weighted(y, proba, C):
    if C == 2:
        return roc_auc_score(y, proba[:, 1])
    return roc_auc_score(y, proba, average='weighted', multi_class='ovr', labels=list(range(C)))


def main():
    path, target, task, split_file = sys.argv[1:5]
    ycol, num, cat = load(path, target)
    split = json.load(open(split_file))
    tr, te = np.array(split['train']), np.array(split['test'])
    if task == 'regression':
        y = np.array([float(v) for v in ycol])
        C = 0
    else:
        classes = sorted(set(ycol))
        idx = {c: k for k, c in enumerate(classes)}
        y = np.array([idx[v] for v in ycol])
        C = len(classes)
    n = len(y)
    # Numerics: raw (NaN kept for HGB) and median-imputed from the training rows.
    Xn = np.stack(num, 1) if num else np.zeros((n, 0))
    med = np.nanmedian(Xn[tr], 0) if num else np.zeros(0)
    med = np.where(np.isnan(med), 0, med)
    Xn_imp = np.where(np.isnan(Xn), med, Xn)
    # Categoricals: codes from the training rows' categories (sorted); unseen -> missing.
    codes, onehots, ncat = [], [], []
    for c in cat:
        cats = sorted(set(c[tr]))
        m = {v: k for k, v in enumerate(cats)}
        code = np.array([m.get(v, np.nan) for v in c], dtype=float)
        codes.append(code)
        ncat.append(len(cats))
        oh = np.zeros((n, len(cats)))
        ok = ~np.isnan(code)
        oh[np.where(ok)[0], code[ok].astype(int)] = 1
        onehots.append(oh)
    Xc = np.stack(codes, 1) if codes else np.zeros((n, 0))
    out, secs = {}, {}

    def score(model, X):
        if task == 'regression':
            return r2_score(y[te], model.predict(X[te]))
        return auc_weighted(y[te], model.predict_proba(X[te]), C)

    # HGB with native categoricals.
    t = time.perf_counter()
    Xh = np.concatenate([Xn, Xc], 1)
    mask = [False] * Xn.shape[1] + [k <= 254 for k in ncat]
    kw = {'categorical_features': np.array(mask)} if any(mask) else {}
    hgb = (HistGradientBoostingRegressor if task == 'regression' else HistGradientBoostingClassifier)(random_state=0, **kw)
    hgb.fit(Xh[tr], y[tr])
    out['hgb'] = score(hgb, Xh)
    secs['hgb'] = time.perf_counter() - t
    # Linear on one-hot + scaled numerics (scaler fit on the training rows).
    t = time.perf_counter()
    mu = Xn_imp[tr].mean(0) if num else np.zeros(0)
    sd = Xn_imp[tr].std(0) if num else np.zeros(0)
    sd = np.where(sd > 0, sd, 1)
    Xl = np.concatenate([(Xn_imp - mu) / sd] + onehots, 1)
    lin = Ridge() if task == 'regression' else LogisticRegression(max_iter=2000)
    lin.fit(Xl[tr], y[tr])
    out['linear'] = score(lin, Xl)
    secs['linear'] = time.perf_counter() - t
    # Random forest, 300 trees.
    t = time.perf_counter()
    Xr = np.concatenate([Xn_imp, np.where(np.isnan(Xc), -1, Xc)], 1)
    rf = (RandomForestRegressor if task == 'regression' else RandomForestClassifier)(n_estimators=300, random_state=0, n_jobs=1)
    rf.fit(Xr[tr], y[tr])
    out['rf'] = score(rf, Xr)
    secs['rf'] = time.perf_counter() - t
    out['seconds'] = secs
    print(json.dumps(out))


if __name__ == '__main__':
    main()
