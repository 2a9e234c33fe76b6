#!/usr/bin/env python3
"""A drop-in replacement for `rforest` built on scikit-learn, to show that any step of
the make pipeline can be swapped for another program that reads and writes the same
CSV:

    make RFOREST="python3 examples/sklearn_rforest.py"

`train` reads the balanced training table (output of `smote`) on stdin and pickles a
RandomForestClassifier with the paper's settings (spec 7); `predict` appends P_<class>,
Class and Class_prob like `rforest predict`. Missing features are the -100 flag (spec 4.8).
"""
import argparse
import csv
import os
import pickle
import shlex
import subprocess
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier

CLASSES = ["AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO"]
MISSING = -100.0


def read(stream):
    rows = list(csv.reader(stream))
    if not rows:
        sys.exit("sklearn_rforest: empty input")
    header = [h.strip() for h in rows[0]]
    return header, rows[1:]


def feature_names(args):
    """`--features`, else the list of the `features` tool: $FEATURES (the Makefile
    sets it for the forest step) or `features` on PATH, as `rforest` defaults to it."""
    if args.features:
        return args.features.split(",")
    tool = os.environ.get("FEATURES", "features")
    try:
        out = subprocess.run([*shlex.split(tool), "--list"], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"sklearn_rforest: cannot list the features with '{tool} --list' ({e}); give --features")
    return out.stdout.split()


def matrix(header, rows, features):
    try:
        cols = [header.index(f) for f in features]
    except ValueError as e:
        sys.exit(f"sklearn_rforest: missing feature column: {e}")
    x = np.full((len(rows), len(cols)), MISSING)
    for i, row in enumerate(rows):
        for j, c in enumerate(cols):
            if row[c].strip():
                x[i, j] = float(row[c])
    return x


def train(args):
    header, rows = read(sys.stdin)
    y_col = header.index(args.class_column)
    y = [r[y_col].strip() for r in rows]
    # One integer seed per (seed, bin, replica), as rforest derives one stream per tree.
    seed = (args.seed * 1_000_003 + args.bin * 10_007 + args.replica) % (2**32)
    model = RandomForestClassifier(n_estimators=args.trees, max_features="sqrt", random_state=seed)
    features = feature_names(args)
    model.fit(matrix(header, rows, features), y)
    # Kept with the model, as rforest keeps them, for predict.
    model.muwclass_features = features
    with open(args.output, "wb") as f:
        pickle.dump(model, f)


def predict(args):
    with open(args.model, "rb") as f:
        model = pickle.load(f)
    header, rows = read(sys.stdin)
    proba = model.predict_proba(matrix(header, rows, model.muwclass_features))
    index = {c: i for i, c in enumerate(model.classes_)}
    out = open(args.output, "w", newline="") if args.output else sys.stdout
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header + [f"P_{c}" for c in CLASSES] + ["Class", "Class_prob"])
    for row, p in zip(rows, proba):
        full = [p[index[c]] if c in index else 0.0 for c in CLASSES]
        best = int(np.argmax(full))
        w.writerow(row + [repr(float(v)) for v in full] + [CLASSES[best], repr(float(full[best]))])
    out.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--trees", type=int, default=100)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--bin", type=int, default=0)
    t.add_argument("--replica", type=int, default=0)
    t.add_argument("--class-column", default="True_Class")
    t.add_argument("--features", help="comma-separated feature columns [default: features --list]")
    t.add_argument("-o", "--output", required=True)
    q = sub.add_parser("predict")
    q.add_argument("--model", required=True)
    q.add_argument("-o", "--output")
    args = p.parse_args()
    train(args) if args.cmd == "train" else predict(args)


if __name__ == "__main__":
    main()
