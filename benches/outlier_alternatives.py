#!/usr/bin/env python3
"""Leave-one-class-out AUCs of outlier scores on the training set's catalog features,
with scikit-learn: the isolation forest as `common::outlier` computes it (missing
features at the flag -100), as a cross-check of `loocv --outlier-auc`, and two
alternatives (missing features imputed at the mean with missing-value indicators; the
mean distance to the k nearest training sources). 5 folds of the other classes, as in
`outlier::leave_one_class_out`; catalog values, no Monte-Carlo draw.

    BIN=target/release python3 benches/outlier_alternatives.py
"""
import csv
import io
import os
import subprocess

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

BIN = os.environ.get("BIN", "target/release")
TD = "common/data/td_2941.csv"
FOLDS = 5
# Weight of a missing-value indicator against one standardized feature.
INDICATOR = 3.0


def training_features():
    cols = subprocess.run([f"{BIN}/features", "--list"], capture_output=True, text=True,
                          check=True).stdout.split()
    out = subprocess.run([f"{BIN}/features", TD], capture_output=True, text=True,
                         check=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in cols] for r in rows])
    return x, np.array([r["True_Class"] for r in rows])


def standardizer(xt):
    m, sd = np.nanmean(xt, 0), np.nanstd(xt, 0)
    sd[sd == 0] = 1
    return lambda q: (q - m) / sd


def isolation_flag(xt):
    z = standardizer(xt)
    f = IsolationForest(random_state=0).fit(np.nan_to_num(z(xt), nan=-100))
    return lambda q: -f.score_samples(np.nan_to_num(z(q), nan=-100))


def with_indicators(z):
    return lambda q: np.c_[np.nan_to_num(z(q), nan=0.0), INDICATOR * np.isnan(z(q))]


def isolation_imputed(xt):
    t = with_indicators(standardizer(xt))
    f = IsolationForest(random_state=0).fit(t(xt))
    return lambda q: -f.score_samples(t(q))


def nearest(k):
    def fit(xt):
        t = with_indicators(standardizer(xt))
        nn = NearestNeighbors(n_neighbors=k).fit(t(xt))
        return lambda q: nn.kneighbors(t(q))[0].mean(1)
    return fit


def leave_one_class_out(x, y, fit):
    auc = {}
    for c in sorted(set(y)):
        members, others = np.where(y == c)[0], np.where(y != c)[0]
        score = np.zeros(len(y))
        for f in range(FOLDS):
            held = np.arange(len(others)) % FOLDS == f
            s = fit(x[others[~held]])
            score[others[held]] = s(x[others[held]])
            score[members] += s(x[members]) / FOLDS
        rows = np.r_[members, others]
        auc[c] = roc_auc_score(np.r_[np.ones(len(members)), np.zeros(len(others))], score[rows])
    return auc


def main():
    x, y = training_features()
    for name, fit in [("isolation forest, missing = -100", isolation_flag),
                      ("isolation forest, imputed + indicators", isolation_imputed),
                      ("mean distance to 5 nearest", nearest(5)),
                      ("mean distance to 10 nearest", nearest(10))]:
        auc = leave_one_class_out(x, y, fit)
        good = sum(a >= 0.8 for a in auc.values())
        print(f"{name:40} " + " ".join(f"{c} {a:.3f}" for c, a in auc.items())
              + f"  (>= 0.8: {good})")


if __name__ == "__main__":
    main()
