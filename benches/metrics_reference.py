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
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, auc, balanced_accuracy_score, brier_score_loss,
                             f1_score, matthews_corrcoef, precision_score, roc_auc_score,
                             roc_curve)

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

# Beyond the paper (issue 12): MCC, per-class precision / recovery at CT >= 2,
# calibration (15 equal-width bins, scikit-learn calibration_curve's binning), Brier.
out.append("// MCC: all, CT >= 2, and at CT >= 0, 1, 2, 3, 5")
out.append(f"const SK_MCC: [f64; 2] = {[float(matthews_corrcoef(truth, pred)), float(matthews_corrcoef(truth[conf], pred[conf]))]!r};")
out.append(f"const SK_MCC_BY_CT: [f64; 5] = {[float(matthews_corrcoef(truth[ct >= t], pred[ct >= t])) for t in [0, 1, 2, 3, 5]]!r};")
prec = precision_score(truth[conf], pred[conf], labels=range(8), average=None, zero_division=np.nan)
out.append("// per predicted class, precision among CT >= 2 (None: nothing predicted)")
out.append("const SK_PREC_CONF: [Option<f64>; 8] = [" + ", ".join(
    "None" if np.isnan(v) else f"Some({float(v)!r})" for v in prec) + "];")
rec = [float(((truth == c) & (pred == c) & conf).sum() / (truth == c).sum()) if (truth == c).any() else None for c in range(8)]
out.append("const SK_RECOVERED: [Option<f64>; 8] = [" + ", ".join(
    "None" if v is None else f"Some({v!r})" for v in rec) + "];")


def ece(hit, prob, n_bins=15):
    # calibration_curve drops empty bins; the bin sizes come from the same binning.
    frac, mean_p = calibration_curve(hit, prob, n_bins=n_bins, strategy="uniform")
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(bins[1:-1], prob), minlength=n_bins)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(prob) * np.abs(frac - mean_p)))


out.append(f"const SK_ECE: f64 = {ece(pred == truth, P.max(axis=1))!r};")
ece_c = [ece(truth == c, P[:, c]) if (truth == c).any() else None for c in range(8)]
out.append("const SK_ECE_BY_CLASS: [Option<f64>; 8] = [" + ", ".join(
    "None" if v is None else f"Some({v!r})" for v in ece_c) + "];")
# The mean probabilities of a source need not sum to 1 exactly (rounded here; means
# of replicas in general), so the multiclass Brier score is the sum over classes of the
# one-vs-rest scores, mean (y - p)^2 each (scale_by_half=True: the binary score of the
# positive column alone).
brier = sum(brier_score_loss(truth == c, P[:, c], pos_label=True, scale_by_half=True)
            if (truth == c).any() else float(np.mean(P[:, c] ** 2)) for c in range(8))
out.append(f"const SK_BRIER: f64 = {float(brier)!r};")
print("\n".join(out))
