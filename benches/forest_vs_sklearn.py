#!/usr/bin/env python3
"""`smote` + `rforest` beside imbalanced-learn + scikit-learn, in one run.

Optional benchmark dependency only (never needed by the tools):
    pip install scikit-learn imbalanced-learn pandas

1. Equivalence: stratified hold-out (20%) of the real training set (29 features of
   the catalog values, `features` then `standardize` fitted on the training part),
   SMOTE on the rest (k = 4, spec 4.8 sentinel rule), 100-tree forest, held-out
   accuracy and balanced accuracy, for several seeds: ours (the tools, as a user runs
   them), scikit-learn on imbalanced-learn's SMOTE, and scikit-learn on our SMOTE rows.
2. Speed: one SMOTE + 100-tree fit on the whole balanced TD (2,941 -> 11,120 x 29),
   in process for both (our `benches/forest.rs`; scikit-learn timed around
   fit_resample + fit), 1 and 2 threads, median of repeats, reported as ratios.

Usage: python3 benches/forest_vs_sklearn.py [--seeds 5] [--repeats 3]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
sys.path.insert(0, ROOT)

# The 29 feature columns, in order, from the tool that makes them (one list).
FEATURES = subprocess.run(
    [os.path.join(BIN, "features"), "--list"], check=True, capture_output=True, text=True
).stdout.split()
SENTINEL = -9999999.0


def tool(name, *args, stdout=None, env=None):
    subprocess.run([os.path.join(BIN, name), *args], check=True, stdout=stdout, env=env)


def labels(df):
    return df["True_Class"].str.strip().replace("NS_BIN", "LMXB").to_numpy()


def sk_smote(x, y, seed):
    """imbalanced-learn SMOTE with the authors' missing-value handling (spec 4.8)."""
    col_min = np.nanmin(x, axis=0)
    xs, ys = SMOTE(k_neighbors=4, random_state=seed).fit_resample(
        np.where(np.isnan(x), SENTINEL, x), y
    )
    xs = np.where(xs < col_min, np.nan, xs)
    return xs, ys


def sk_forest(x, y, seed, n_jobs=1):
    rf = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=n_jobs)
    return rf.fit(np.nan_to_num(x, nan=-100.0), y)


def split(df, seed, frac=0.2):
    rng = np.random.RandomState(seed)
    test = np.zeros(len(df), bool)
    y = labels(df)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        test[rng.choice(idx, max(1, int(round(frac * len(idx)))), replace=False)] = True
    return df[~test], df[test]


def equivalence(feat_csv, seeds, tmp):
    feat = pd.read_csv(feat_csv, keep_default_na=False, na_values=[""], dtype=str)
    rows = []
    for seed in seeds:
        train, test = split(feat, seed)
        p = lambda n: os.path.join(tmp, f"{n}_{seed}.csv")
        train.to_csv(p("train"), index=False)
        test.to_csv(p("test"), index=False)
        tool("standardize", "--fit", p("train"), p("train"), "-o", p("train_std"))
        tool("standardize", "--fit", p("train"), p("test"), "-o", p("test_std"))
        s = str(seed)
        tool("smote", "--seed", s, "--replica", "0", p("train_std"), "-o", p("bal"))
        model = os.path.join(tmp, f"m_{seed}.rf")
        tool("rforest", "train", "--seed", s, "-o", model, p("bal"))
        tool("rforest", "predict", "--model", model, p("test_std"), "-o", p("pred"))
        pred = pd.read_csv(p("pred"), keep_default_na=False)
        truth = labels(pred)
        ours = pred["Class"].to_numpy()

        tr = pd.read_csv(p("train_std"))
        te = pd.read_csv(p("test_std"))
        xt = te[FEATURES].to_numpy(float)
        xs, ys = sk_smote(tr[FEATURES].to_numpy(float), labels(tr), seed)
        sk = sk_forest(xs, ys, seed).predict(np.nan_to_num(xt, nan=-100.0))
        bal = pd.read_csv(p("bal"), low_memory=False)
        mixed = sk_forest(bal[FEATURES].to_numpy(float), labels(bal), seed).predict(
            np.nan_to_num(xt, nan=-100.0)
        )
        rows.append(
            {
                "seed": seed,
                "n_test": len(truth),
                "ours_acc": np.mean(ours == truth),
                "sklearn_acc": np.mean(sk == truth),
                "sk_on_our_smote_acc": np.mean(mixed == truth),
                "ours_bacc": balanced_accuracy_score(truth, ours),
                "sklearn_bacc": balanced_accuracy_score(truth, sk),
                "sk_on_our_smote_bacc": balanced_accuracy_score(truth, mixed),
                "agreement_ours_sklearn": np.mean(ours == sk),
            }
        )
    return pd.DataFrame(rows)


def speed(std_csv, repeats):
    df = pd.read_csv(std_csv)
    x, y = df[FEATURES].to_numpy(float), labels(df)
    out = {}
    for n_jobs in (1, 2):
        smote_t, fit_t = [], []
        for r in range(repeats):
            t0 = time.perf_counter()
            xs, ys = sk_smote(x, y, r)
            t1 = time.perf_counter()
            sk_forest(xs, ys, r, n_jobs=n_jobs)
            t2 = time.perf_counter()
            smote_t.append(t1 - t0)
            fit_t.append(t2 - t1)
        out[f"sklearn_{n_jobs}"] = (np.median(smote_t), np.median(fit_t), len(ys))
    for threads in (1, 2):
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        res = subprocess.run(
            ["cargo", "bench", "-q", "--bench", "forest", "--", std_csv, str(max(5, repeats))],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout
        kv = dict(item.split("=") for item in res.split())
        out[f"ours_{threads}"] = (float(kv["smote_s"]), float(kv["fit_s"]), None)
        out[f"ours_path_{threads}"] = float(kv["fit_predict1_s"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "--bins"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        feat = os.path.join(tmp, "feat.csv")
        std = os.path.join(tmp, "std.csv")
        tool("features", os.path.join(ROOT, "common", "data", "td_2941.csv"), "-o", feat)
        tool("standardize", "--fit", feat, feat, "-o", std)

        eq = equivalence(feat, range(1, args.seeds + 1), tmp)
        pd.set_option("display.width", 200)
        print(eq.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        for k in ["acc", "bacc"]:
            for who in ["ours", "sklearn", "sk_on_our_smote"]:
                v = eq[f"{who}_{k}"]
                print(f"{who:>16} {k:>4}: {v.mean():.4f} ± {v.std(ddof=1):.4f}")
        d = eq["ours_acc"] - eq["sklearn_acc"]
        print(f"accuracy difference ours - sklearn: {d.mean():+.4f} ± {d.std(ddof=1):.4f}")

        sp = speed(std, args.repeats)
        print("\nSMOTE + 100-tree fit, whole TD (median, seconds; shared machine):")
        for threads in (1, 2):
            s_s, s_f, n = sp[f"sklearn_{threads}"]
            o_s, o_f, _ = sp[f"ours_{threads}"]
            print(
                f"  {threads} thread(s): imblearn+sklearn {s_s:.3f} + {s_f:.3f} = {s_s + s_f:.3f}"
                f"  ours {o_s:.4f} + {o_f:.4f} = {o_s + o_f:.4f}"
                f"  ratio {(s_s + s_f) / (o_s + o_f):.1f}x  (rows {n})"
            )
        # A LOOCV fold needs one source's probabilities: scikit-learn grows the whole
        # forest for it, ours only that source's paths (same probabilities).
        print("\nSMOTE + the forest's probabilities for one source (a LOOCV fold):")
        for threads in (1, 2):
            s_s, s_f, _ = sp[f"sklearn_{threads}"]
            o_s, o_p = sp[f"ours_{threads}"][0], sp[f"ours_path_{threads}"]
            print(
                f"  {threads} thread(s): imblearn+sklearn {s_s + s_f:.3f}"
                f"  ours {o_s:.4f} + {o_p:.4f} = {o_s + o_p:.4f}"
                f"  ratio {(s_s + s_f) / (o_s + o_p):.1f}x"
            )


if __name__ == "__main__":
    main()
