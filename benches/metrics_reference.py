#!/usr/bin/env python3
"""Independent reference numbers for common::metrics unit tests (spec 9.2).

Makes a small deterministic set of sources (truth, mean probabilities P_c rounded to
2 decimals so that ROC scores tie, errors e_P_c), computes CT with the spec 8 rule and
every metric with scikit-learn / numpy as the authors' notebooks do, and prints a Rust
snippet that common/src/metrics.rs's test `sklearn_reference` pastes in.
HMXB never occurs in the truth (but may be predicted), to exercise label handling.

    pip install scikit-learn && python3 benches/metrics_reference.py
"""
import warnings

import numpy as np
from sklearn.metrics import (accuracy_score, auc, balanced_accuracy_score, f1_score,
                             roc_auc_score, roc_curve)

warnings.simplefilter("ignore")
CLASSES = ["AGN", "CV", "HM-STAR", "HMXB", "LM-STAR", "LMXB", "NS", "YSO"]
rng = np.random.default_rng(20221104)
n = 40
truth_pool = [0, 0, 0, 1, 2, 4, 4, 5, 6, 7, 7]
truth = np.array([truth_pool[i] for i in rng.integers(0, len(truth_pool), n)])
P = np.zeros((n, 8))
E = np.zeros((n, 8))
for i in range(n):
    w = rng.gamma(0.6, 1.0, 8)
    w[truth[i]] += rng.uniform(0.0, 3.0)
    p = np.round(w / w.sum(), 2)
    P[i] = p
    E[i] = np.round(rng.uniform(0.0, 0.15, 8) * (p > 0), 2)
# One exact source: all errors zero -> CT = (P1 - P2) / 1e-5.
E[3] = 0.0

pred = P.argmax(axis=1)
ct = np.empty(n)
for i in range(n):
    c = pred[i]
    r = []
    for k in range(8):
        if k == c:
            continue
        d = E[i, c] + E[i, k]
        r.append((P[i, c] - P[i, k]) / (d if d != 0 else 1e-5))
    ct[i] = min(r)


def scores(mask):
    y, yh = truth[mask], pred[mask]
    if len(y) == 0:
        return None
    return (accuracy_score(y, yh), balanced_accuracy_score(y, yh),
            f1_score(y, yh, average="macro"), mask.mean())


def completeness(label, mask):
    return [float(mask[label == c].mean()) if (label == c).any() else None for c in range(8)]


out = []
cut = 2.0
conf = ct >= cut
for name, m in [("all", np.ones(n, bool)), ("confident", conf)]:
    out.append(f"// {name}: accuracy, balanced accuracy, macro F1, completeness")
    out.append(f"const SK_{name.upper()}: [f64; 4] = {list(map(float, scores(m)))!r};")
cbt = completeness(truth, conf)
cbp = completeness(pred, conf)
out.append(f"const SK_BC_PRED: f64 = {float(np.mean([v for v in cbp if v is not None]))!r};")
out.append(f"const SK_BC_TRUE: f64 = {float(np.mean([v for v in cbt if v is not None]))!r};")
out.append("const SK_COMPL_TRUE: [Option<f64>; 8] = [" + ", ".join(
    "None" if v is None else f"Some({v!r})" for v in cbt) + "];")
out.append("const SK_COMPL_PRED: [Option<f64>; 8] = [" + ", ".join(
    "None" if v is None else f"Some({v!r})" for v in cbp) + "];")
# One-vs-rest ROC per class present in the truth; macro curve as in the scikit-learn
# multiclass ROC example (union of FPR points, np.interp, mean, trapezoid).
present = [c for c in range(8) if (truth == c).any()]
fpr, tpr, aucs = {}, {}, []
for c in range(8):
    if c in present:
        fpr[c], tpr[c], _ = roc_curve(truth == c, P[:, c])
        aucs.append(auc(fpr[c], tpr[c]))
all_fpr = np.unique(np.concatenate([fpr[c] for c in present]))
mean_tpr = sum(np.interp(all_fpr, fpr[c], tpr[c]) for c in present) / len(present)
out.append("const SK_AUC: [Option<f64>; 8] = [" + ", ".join(
    f"Some({float(auc(fpr[c], tpr[c]))!r})" if c in present else "None" for c in range(8)) + "];")
out.append(f"const SK_MACRO_CURVE_AUC: f64 = {float(auc(all_fpr, mean_tpr))!r};")
out.append("// roc_auc_score(average='macro') over present classes, one-vs-rest = mean of AUCs")
out.append(f"const SK_MEAN_AUC: f64 = {float(np.mean(aucs))!r};")
out.append("const SK_BY_CT: [[f64; 4]; 5] = [" + ", ".join(
    repr(list(map(float, scores(ct >= t)))) for t in [0, 1, 2, 3, 5]) + "];")
rcm = np.array([[((truth == a) & (pred == b) & conf).sum() for b in range(8)] for a in range(8)])
out.append("// recall CM at CT >= 2, counts (rows true, columns predicted)")
out.append("const SK_CM_CONF: [[u64; 8]; 8] = " + repr(rcm.tolist()) + ";")
out.append("const TRUTH: [usize; %d] = %r;" % (n, truth.tolist()))
out.append("const P: [[f64; 8]; %d] = %r;" % (n, P.tolist()))
out.append("const E: [[f64; 8]; %d] = %r;" % (n, E.tolist()))
out.append("const CT_REF: [f64; %d] = %r;" % (n, ct.tolist()))
print("\n".join(out))
