#!/usr/bin/env python3
"""Class-weighted random forests on a small table: the reference values of
common/src/forest/tests.rs (class_weights_as_scikit_learn).

One feature with repeated values of mixed classes (leaves stay impure, so their values
are weighted class fractions), 3 classes of unequal size. A forest of many trees
estimates E[P(class | x)] over bootstraps; the Rust test grows its own forest of the
same size and compares within sampling error.

The forest's `--class-weight` follows the weighting semantics: a sample's weight is its
bootstrap count times n / (n_classes * n_c), in the Gini impurity and the leaf values.
scikit-learn 1.9 (installed here) still does this for 'balanced_subsample', but its
RandomForestClassifier now draws the bootstrap of 'balanced' with probabilities
proportional to the class weights instead (`_generate_sample_indices(..., sample_weight)`),
another estimator. So 'balanced' is computed here as bagged scikit-learn trees:
DecisionTreeClassifier(class_weight='balanced') fitted with uniform bootstrap counts as
sample weights, which is the weighting semantics exactly; the forest's own 'balanced'
values are printed beside it for the record.

    python3 benches/class_weight_reference.py
"""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

# (x, counts of classes 0, 1, 2 at x)
TABLE = [(0, 12, 2, 1), (1, 6, 4, 0), (2, 3, 6, 1), (3, 8, 1, 3)]
QUERIES = np.array([0.0, 1.0, 2.0, 3.0]).reshape(-1, 1)
TREES = 4000
SEEDS = range(5)


def table():
    xs, ys = [], []
    for x, *counts in TABLE:
        for c, k in enumerate(counts):
            xs += [x] * k
            ys += [c] * k
    return np.array(xs, dtype=float).reshape(-1, 1), np.array(ys)


def bagged_trees(X, y, class_weight, seed):
    rng = np.random.RandomState(seed)
    n = len(y)
    proba = np.zeros((len(QUERIES), 3))
    for _ in range(TREES):
        counts = np.bincount(rng.randint(0, n, n), minlength=n).astype(float)
        tree = DecisionTreeClassifier(max_features=1, class_weight=class_weight,
                                      random_state=rng.randint(2**31))
        tree.fit(X, y, sample_weight=counts)
        p = np.zeros((len(QUERIES), 3))
        p[:, tree.classes_] = tree.predict_proba(QUERIES)
        proba += p
    return proba / TREES


def forest(X, y, class_weight, seed):
    f = RandomForestClassifier(n_estimators=TREES, max_features=1,
                               class_weight=class_weight, random_state=seed)
    return f.fit(X, y).predict_proba(QUERIES)


def report(name, runs):
    m = np.mean(runs, axis=0)
    print(f"{name:45} seed spread (max sd) {np.std(runs, axis=0).max():.4f}")
    for q, p in zip(QUERIES[:, 0], m):
        print(f"  x={q}: [{', '.join(f'{v:.4f}' for v in p)}]")


def main():
    X, y = table()
    print(f"n = {len(y)}, class counts {np.bincount(y).tolist()}")
    report("RandomForestClassifier(class_weight=None)",
           [forest(X, y, None, s) for s in SEEDS])
    report("bagged DecisionTreeClassifier('balanced')",
           [bagged_trees(X, y, "balanced", s) for s in SEEDS])
    report("RandomForestClassifier('balanced_subsample')",
           [forest(X, y, "balanced_subsample", s) for s in SEEDS])
    report("RandomForestClassifier('balanced') [weighted draws]",
           [forest(X, y, "balanced", s) for s in SEEDS])


if __name__ == "__main__":
    main()
