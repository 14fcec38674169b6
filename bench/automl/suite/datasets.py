"""Writes the AutoML benchmark suite's data sets as CSV files, at bench time (nothing here is committed data).

usage: /usr/bin/python3 datasets.py OUTDIR
Prints one JSON line: a list of {name, file, target, task, rows, columns, source, licence}.

Public sets come from packages a CI machine can install (Debian: python3-sklearn, python3-statsmodels);
both bundle these files, so nothing is downloaded. Generated sets have known structure (seeded numpy):
high-cardinality categoricals, informative missing values, a skewed price target with many categorical
columns, 12 classes, and a small wide table (250 columns).
"""
import json
import os
import sys

import numpy as np


def write_csv(path, header, columns):
    """columns: list of 1-d arrays (numbers, NaN = missing, or strings, '' = missing)."""
    n = len(columns[0])
    with open(path, 'w') as f:
        f.write(','.join(header) + '\n')
        for i in range(n):
            cells = []
            for c in columns:
                v = c[i]
                if isinstance(v, (str, np.str_)):
                    cells.append(str(v))
                elif v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, np.floating) and np.isnan(v)):
                    cells.append('')
                elif float(v).is_integer() and abs(float(v)) < 1e15:
                    cells.append(str(int(v)))
                else:
                    cells.append(repr(float(v)))
            f.write(','.join(cells) + '\n')
    return n


def frame_to_columns(df):
    cols = []
    for name in df.columns:
        s = df[name]
        if s.dtype.kind in 'biuf':
            cols.append(s.to_numpy(dtype=float))
        else:
            cols.append(np.array(['' if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).replace(',', ';') for v in s], dtype=object))
    return cols


def sklearn_sets(out, sets):
    from sklearn import datasets as d
    specs = [
        ('breast_cancer', d.load_breast_cancer, 'binary', 'diagnosis', 'UCI Breast Cancer Wisconsin (Diagnostic), CC BY 4.0; bundled with scikit-learn (BSD-3)'),
        ('iris', d.load_iris, 'multiclass', 'species', 'Fisher 1936, public domain; bundled with scikit-learn (BSD-3)'),
        ('wine', d.load_wine, 'multiclass', 'cultivar', 'UCI Wine, CC BY 4.0; bundled with scikit-learn (BSD-3)'),
        ('digits', d.load_digits, 'multiclass', 'digit', 'UCI Optical Recognition of Handwritten Digits, CC BY 4.0; bundled with scikit-learn (BSD-3)'),
        ('diabetes', d.load_diabetes, 'regression', 'progression', 'Efron et al. 2004 diabetes data; bundled with scikit-learn (BSD-3)'),
    ]
    for name, loader, task, target, licence in specs:
        b = loader()
        X = np.asarray(b.data, dtype=float)
        feat = [f'f{j}' if not hasattr(b, 'feature_names') or b.feature_names is None else str(b.feature_names[j]).replace(' ', '_').replace(',', '') for j in range(X.shape[1])]
        if task == 'regression':
            y = np.asarray(b.target, dtype=float)
        else:
            names = list(getattr(b, 'target_names', [])) or [str(k) for k in sorted(set(b.target))]
            y = np.array([f'c_{names[int(t)]}' for t in b.target], dtype=object)
        file = os.path.join(out, f'{name}.csv')
        rows = write_csv(file, feat + [target], [X[:, j] for j in range(X.shape[1])] + [y])
        sets.append({'name': name, 'file': file, 'target': target, 'task': task, 'rows': rows, 'columns': X.shape[1], 'source': 'sklearn', 'licence': licence})


def statsmodels_sets(out, sets):
    import statsmodels.api as sm
    ds = sm.datasets
    # Fair's affairs survey (6366 rows): any affair, from the survey answers (no `affairs` leak).
    df = ds.fair.load_pandas().data.copy()
    df['had_affair'] = np.where(df.pop('affairs') > 0, 'yes', 'no')
    for c in ('religious', 'occupation', 'occupation_husb'):
        df[c] = df[c].map(lambda v: f'{c}{int(v)}')
    file = os.path.join(out, 'fair.csv')
    rows = write_csv(file, list(df.columns), frame_to_columns(df))
    sets.append({'name': 'fair', 'file': file, 'target': 'had_affair', 'task': 'binary', 'rows': rows, 'columns': df.shape[1] - 1, 'source': 'statsmodels', 'licence': 'Fair 1978, public domain (statsmodels COPYRIGHT); statsmodels BSD-3'})
    # California STAR test results by school district (303 rows, small regression): share above the median.
    d = ds.star98.load_pandas()
    df = d.exog.copy()
    df['share_above'] = d.endog['NABOVE'] / (d.endog['NABOVE'] + d.endog['NBELOW'])
    file = os.path.join(out, 'star98.csv')
    rows = write_csv(file, [c.replace(',', '') for c in df.columns], frame_to_columns(df))
    sets.append({'name': 'star98', 'file': file, 'target': 'share_above', 'task': 'regression', 'rows': rows, 'columns': df.shape[1] - 1, 'source': 'statsmodels', 'licence': 'Jeff Gill, public domain (statsmodels COPYRIGHT); statsmodels BSD-3'})
    # 1996 American National Election Study (944 rows): party identification, 7 classes.
    df = ds.anes96.load_pandas().data.copy()
    df['party'] = df.pop('PID').map(lambda v: f'pid{int(v)}')
    df = df.drop(columns=['vote', 'logpopul'], errors='ignore')
    for c in ('TVnews', 'selfLR', 'ClinLR', 'DoleLR', 'educ', 'income'):
        if c in df:
            df[c] = df[c].astype(float)
    file = os.path.join(out, 'anes96.csv')
    rows = write_csv(file, list(df.columns), frame_to_columns(df))
    sets.append({'name': 'anes96', 'file': file, 'target': 'party', 'task': 'multiclass', 'rows': rows, 'columns': df.shape[1] - 1, 'source': 'statsmodels', 'licence': 'ANES 1996, public domain (statsmodels COPYRIGHT); statsmodels BSD-3'})
    # RAND health insurance experiment (20190 rows): outpatient visits, a skewed count target.
    df = ds.randhie.load_pandas().data.copy()
    file = os.path.join(out, 'randhie.csv')
    rows = write_csv(file, list(df.columns), frame_to_columns(df))
    sets.append({'name': 'randhie', 'file': file, 'target': 'mdvis', 'task': 'regression', 'rows': rows, 'columns': df.shape[1] - 1, 'source': 'statsmodels', 'licence': 'RAND HIE, public domain (statsmodels COPYRIGHT); statsmodels BSD-3'})


def generated_sets(out, sets):
    lic = 'generated (seeded numpy), no licence restriction'
    # 1. High-cardinality categoricals: a 400-value zip code and a 60-value product drive the label.
    r = np.random.default_rng(101)
    n = 6000
    zips = np.array([f'z{k:03d}' for k in range(400)])
    zeff = r.normal(0, 1.0, 400)
    prods = np.array([f'p{k:02d}' for k in range(60)])
    peff = r.normal(0, 0.8, 60)
    zi = np.minimum((r.pareto(1.2, n) * 20).astype(int), 399)
    pi = r.integers(0, 60, n)
    num = r.normal(size=(n, 5))
    logit = zeff[zi] + peff[pi] + 0.8 * num[:, 0] - 0.5 * num[:, 1] * num[:, 2] + r.normal(0, 0.5, n) - 0.3
    y = np.where(logit > 0, 'yes', 'no')
    file = os.path.join(out, 'gen_highcard.csv')
    rows = write_csv(file, ['zip', 'product'] + [f'x{j}' for j in range(5)] + ['label'], [zips[zi], prods[pi]] + [num[:, j] for j in range(5)] + [y])
    sets.append({'name': 'gen_highcard', 'file': file, 'target': 'label', 'task': 'binary', 'rows': rows, 'columns': 7, 'source': 'generated', 'licence': lic})
    # 2. Missing values that carry signal (missing not at random) in numerics and a categorical.
    r = np.random.default_rng(202)
    n = 4000
    X = r.normal(size=(n, 10))
    logit = X[:, 0] - 0.8 * X[:, 1] + 0.6 * X[:, 2] * X[:, 3] + 0.5 * np.abs(X[:, 4])
    Xm = X.copy()
    miss0 = r.random(n) < 0.35 * (1 / (1 + np.exp(-2 * X[:, 0])))  # high x0 goes missing more often
    Xm[miss0, 0] = np.nan
    Xm[r.random(n) < 0.3, 1] = np.nan
    Xm[r.random(n) < 0.2, 5] = np.nan
    cat = r.integers(0, 6, n)
    logit += np.where(cat == 2, 0.7, 0)
    cats = np.array([f'k{c}' for c in cat], dtype=object)
    cats[r.random(n) < 0.25] = ''
    y = np.where(logit + r.normal(0, 0.7, n) > 0.2, 'pos', 'neg')
    file = os.path.join(out, 'gen_missing.csv')
    rows = write_csv(file, [f'x{j}' for j in range(10)] + ['kind', 'label'], [Xm[:, j] for j in range(10)] + [cats, y])
    sets.append({'name': 'gen_missing', 'file': file, 'target': 'label', 'task': 'binary', 'rows': rows, 'columns': 11, 'source': 'generated', 'licence': lic})
    # 3. Skewed price with many categorical columns (log-normal target, multiplicative effects).
    r = np.random.default_rng(303)
    n = 5000
    spec = [('brand', 40, 0.5), ('region', 12, 0.3), ('kind', 8, 0.6), ('fuel', 4, 0.2), ('colour', 10, 0.05), ('seller', 3, 0.15)]
    cols, names, lp = [], [], np.zeros(n)
    for name, k, s in spec:
        eff = r.normal(0, s, k)
        idx = r.integers(0, k, n)
        lp += eff[idx]
        cols.append(np.array([f'{name}{v}' for v in idx], dtype=object))
        names.append(name)
    age = r.uniform(0, 20, n)
    km = age * r.uniform(5, 20, n) * 1000
    power = r.lognormal(4.5, 0.3, n)
    lp += -0.08 * age + 0.9 * np.log(power) - 0.000002 * km + r.normal(0, 0.25, n)
    price = np.round(np.exp(lp + 5), 0)
    file = os.path.join(out, 'gen_price.csv')
    rows = write_csv(file, names + ['age', 'km', 'power', 'price'], cols + [np.round(age, 1), np.round(km), np.round(power, 1), price])
    sets.append({'name': 'gen_price', 'file': file, 'target': 'price', 'task': 'regression', 'rows': rows, 'columns': 9, 'source': 'generated', 'licence': lic})
    # 4. Twelve classes (3000 rows, 20 columns): class centroids plus a nonlinear class-dependent feature.
    r = np.random.default_rng(404)
    n, C, d = 3000, 12, 20
    cent = r.normal(0, 1.2, (C, d))
    yc = r.integers(0, C, n)
    X = cent[yc] + r.normal(0, 1.5, (n, d))
    X[:, 0] = np.sin(yc) * 2 + r.normal(0, 0.8, n)
    y = np.array([f'class{c:02d}' for c in yc], dtype=object)
    file = os.path.join(out, 'gen_classes12.csv')
    rows = write_csv(file, [f'x{j}' for j in range(d)] + ['label'], [np.round(X[:, j], 4) for j in range(d)] + [y])
    sets.append({'name': 'gen_classes12', 'file': file, 'target': 'label', 'task': 'multiclass', 'rows': rows, 'columns': d, 'source': 'generated', 'licence': lic})
    # 5. Small wide table (800 rows, 250 columns): 12 informative columns, correlated noise columns.
    r = np.random.default_rng(505)
    n, d = 800, 250
    Z = r.normal(size=(n, 30))
    X = Z @ r.normal(0, 0.4, (30, d)) + r.normal(size=(n, d))
    w = np.zeros(d)
    w[:12] = r.normal(0, 1, 12)
    logit = X @ w / 3 + 0.5 * X[:, 0] * X[:, 1] / 3
    y = np.where(logit + r.normal(0, 1, n) > 0, 'a', 'b')
    file = os.path.join(out, 'gen_wide.csv')
    rows = write_csv(file, [f'x{j}' for j in range(d)] + ['label'], [np.round(X[:, j], 4) for j in range(d)] + [y])
    sets.append({'name': 'gen_wide', 'file': file, 'target': 'label', 'task': 'binary', 'rows': rows, 'columns': d, 'source': 'generated', 'licence': lic})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sets = []
    sklearn_sets(out, sets)
    statsmodels_sets(out, sets)
    generated_sets(out, sets)
    print(json.dumps(sets))


if __name__ == '__main__':
    main()
