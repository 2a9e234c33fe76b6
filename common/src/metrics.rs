//! Classification metrics as the authors' evaluation notebooks compute them (spec 9.2,
//! 9.3): accuracy, balanced accuracy, macro F1, completeness and balanced completeness
//! at a CT cut, recall and precision confusion matrices, macro ROC AUC; and beyond the
//! paper (issue 12): Matthews correlation coefficient, per-class precision and
//! recovery at the CT cut, and how well the probabilities are calibrated (expected
//! calibration error of Class_prob and of each class's P_c, Brier score).
//!
//! Fractions are in [0, 1]. A metric that is undefined (no source in a subset, a class
//! absent) is `None`: `null` in JSON, an empty cell in CSV.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::Summary;
use crate::classes::{CLASSES, N_CLASSES};

/// The CT thresholds of the spec 9.3 table.
pub(crate) const CT_STEPS: [f64; 5] = [0.0, 1.0, 2.0, 3.0, 5.0];

/// Counts, rows by the first index, columns by the second: `m[a][b]`.
pub(crate) type Counts = [[u64; N_CLASSES]; N_CLASSES];

/// Scores of one subset of the sources.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    /// Sources in the subset.
    pub n: usize,
    /// The subset's share of all sources (completeness for a CT subset).
    pub completeness: Option<f64>,
    pub accuracy: Option<f64>,
    /// Mean per-class recall over the classes present in the truth (scikit-learn
    /// `balanced_accuracy_score`).
    pub balanced_accuracy: Option<f64>,
    /// Mean F1 over the labels present in truth ∪ prediction (scikit-learn
    /// `f1_score(average='macro')`).
    pub macro_f1: Option<f64>,
    /// Multiclass Matthews correlation coefficient (scikit-learn `matthews_corrcoef`:
    /// 0 when it is undefined).
    pub mcc: Option<f64>,
}

/// Equal-width probability bins of the expected calibration error, as XClass and
/// Guo et al. (2017) count them.
pub(crate) const ECE_BINS: usize = 15;

/// How well the mean probabilities are calibrated.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Calibration {
    /// Expected calibration error of Class_prob against "Class is the true class":
    /// sum over [`ECE_BINS`] equal-width bins of |bin| / N · |accuracy − mean Class_prob|.
    pub ece: Option<f64>,
    /// The same error of each class's P_c against "the true class is c" (one vs rest).
    pub ece_by_class: BTreeMap<String, Option<f64>>,
    /// Mean of the one-vs-rest errors over the classes present in the truth.
    pub ece_by_class_mean: Option<f64>,
    /// Multiclass Brier score: mean over sources of sum_c (P_c − [true class = c])²
    /// (scikit-learn `brier_score_loss` with 8 labels; 0 is perfect, 2 the worst).
    pub brier: Option<f64>,
}

/// Row-normalised confusion matrix as nested maps: row class -> column class -> fraction.
pub(crate) type Matrix = BTreeMap<String, BTreeMap<String, Option<f64>>>;

/// Per-class and macro ROC AUC (spec 9.2).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RocAuc {
    /// One-vs-rest AUC per class, score P_c; `None` for a class absent from the truth.
    pub per_class: BTreeMap<String, Option<f64>>,
    /// AUC of the macro curve: the mean of the per-class TPR curves interpolated on
    /// the union of their FPR points (spec 9.2, the paper's Fig. 5).
    pub macro_curve: Option<f64>,
    /// Mean of the per-class AUCs (scikit-learn `roc_auc_score(average='macro')`).
    pub mean_auc: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub n_sources: usize,
    pub ct_cut: f64,
    /// Every source.
    pub all: Scores,
    /// Sources with CT >= ct_cut; `confident.completeness` is the completeness.
    pub confident: Scores,
    /// Mean over the predicted classes of the confident share of the sources
    /// predicted as that class: reproduces the paper's 59.2% (spec 9.2).
    pub balanced_completeness_predicted: Option<f64>,
    /// The same by true class (the authors' later notebook).
    pub balanced_completeness_true: Option<f64>,
    pub completeness_by_true_class: BTreeMap<String, Option<f64>>,
    pub completeness_by_predicted_class: BTreeMap<String, Option<f64>>,
    /// Per predicted class, the share of its confident sources that are of that class
    /// (the diagonal of `precision_cm_confident`).
    pub precision_confident_by_class: BTreeMap<String, Option<f64>>,
    /// Per true class, the share of all its sources that are classified correctly with
    /// CT >= ct_cut: what a search for that class recovers.
    pub recovered_by_true_class: BTreeMap<String, Option<f64>>,
    pub calibration: Calibration,
    /// Rows true class, normalised by row (recall on the diagonal).
    pub recall_cm: Matrix,
    pub recall_cm_confident: Matrix,
    /// Rows predicted class, columns true class, normalised by row (precision on the
    /// diagonal).
    pub precision_cm: Matrix,
    pub precision_cm_confident: Matrix,
    /// Source counts, rows true class, columns predicted class: all and confident.
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    pub counts_confident: BTreeMap<String, BTreeMap<String, u64>>,
    pub roc_auc: RocAuc,
    /// Scores at CT >= each of [`CT_STEPS`] (and the cut), keyed by the threshold.
    pub by_ct: BTreeMap<String, Scores>,
}

/// truth/pred class indices, ct per source, mean probabilities per source.
pub(crate) fn evaluate(truth: &[usize], summaries: &[Summary], ct_cut: f64) -> Metrics {
    assert_eq!(truth.len(), summaries.len(), "one truth per summary");
    let pred: Vec<usize> = summaries.iter().map(|s| s.class).collect();
    let confident: Vec<bool> = summaries.iter().map(|s| s.ct >= ct_cut).collect();
    let all = vec![true; truth.len()];

    let mut by_ct = BTreeMap::new();
    let mut cuts = CT_STEPS.to_vec();
    if !cuts.contains(&ct_cut) {
        cuts.push(ct_cut);
    }
    for cut in cuts {
        let mask: Vec<bool> = summaries.iter().map(|s| s.ct >= cut).collect();
        by_ct.insert(crate::table::fmt_f64(cut), scores(truth, &pred, &mask));
    }

    let by_true = completeness_by(truth, &confident);
    let by_pred = completeness_by(&pred, &confident);
    let n_all = confusion(truth, &pred, &all);
    let n_conf = confusion(truth, &pred, &confident);

    Metrics {
        n_sources: truth.len(),
        ct_cut,
        all: scores(truth, &pred, &all),
        confident: scores(truth, &pred, &confident),
        balanced_completeness_predicted: mean_present(&by_pred),
        balanced_completeness_true: mean_present(&by_true),
        completeness_by_true_class: by_class(&by_true),
        completeness_by_predicted_class: by_class(&by_pred),
        precision_confident_by_class: by_class(&diagonal(&normalize_rows(&transpose(&n_conf)))),
        recovered_by_true_class: by_class(&recovered(&n_all, &n_conf)),
        calibration: calibration(truth, summaries),
        recall_cm: matrix(&normalize_rows(&n_all)),
        recall_cm_confident: matrix(&normalize_rows(&n_conf)),
        precision_cm: matrix(&normalize_rows(&transpose(&n_all))),
        precision_cm_confident: matrix(&normalize_rows(&transpose(&n_conf))),
        counts: count_matrix(&n_all),
        counts_confident: count_matrix(&n_conf),
        roc_auc: roc_auc(truth, summaries),
        by_ct,
    }
}

/// Counts of (true, predicted) over the sources where `mask` holds: `m[true][pred]`.
pub fn confusion(truth: &[usize], pred: &[usize], mask: &[bool]) -> Counts {
    let mut m = [[0u64; N_CLASSES]; N_CLASSES];
    for ((&t, &p), &keep) in truth.iter().zip(pred).zip(mask) {
        if keep {
            m[t][p] += 1;
        }
    }
    m
}

pub fn transpose(m: &Counts) -> Counts {
    let mut t = [[0u64; N_CLASSES]; N_CLASSES];
    for (a, row) in m.iter().enumerate() {
        for (b, v) in row.iter().enumerate() {
            t[b][a] = *v;
        }
    }
    t
}

/// Each row divided by its total; a row without sources is `None`.
pub(crate) fn normalize_rows(m: &Counts) -> [[Option<f64>; N_CLASSES]; N_CLASSES] {
    let mut out = [[None; N_CLASSES]; N_CLASSES];
    for (a, row) in m.iter().enumerate() {
        let total: u64 = row.iter().sum();
        if total > 0 {
            for (b, v) in row.iter().enumerate() {
                out[a][b] = Some(*v as f64 / total as f64);
            }
        }
    }
    out
}

fn matrix(m: &[[Option<f64>; N_CLASSES]; N_CLASSES]) -> Matrix {
    let mut out = BTreeMap::new();
    for (a, row) in m.iter().enumerate() {
        out.insert(CLASSES[a].to_string(), by_class(row));
    }
    out
}

fn count_matrix(m: &Counts) -> BTreeMap<String, BTreeMap<String, u64>> {
    CLASSES
        .iter()
        .zip(m)
        .map(|(a, row)| {
            let row = CLASSES.iter().zip(row).map(|(b, v)| (b.to_string(), *v));
            (a.to_string(), row.collect())
        })
        .collect()
}

fn by_class(v: &[Option<f64>; N_CLASSES]) -> BTreeMap<String, Option<f64>> {
    CLASSES
        .iter()
        .zip(v)
        .map(|(c, x)| (c.to_string(), *x))
        .collect()
}

fn diagonal(m: &[[Option<f64>; N_CLASSES]; N_CLASSES]) -> [Option<f64>; N_CLASSES] {
    std::array::from_fn(|c| m[c][c])
}

/// Per true class: correct confident sources over all sources of the class.
fn recovered(all: &Counts, confident: &Counts) -> [Option<f64>; N_CLASSES] {
    std::array::from_fn(|c| {
        let n: u64 = all[c].iter().sum();
        (n > 0).then(|| confident[c][c] as f64 / n as f64)
    })
}

fn mean_present(v: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = v.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// Per class c of `label`: the share of the sources labelled c that are confident
/// (per-class completeness, by true or by predicted class; spec 9.2).
pub(crate) fn completeness_by(label: &[usize], confident: &[bool]) -> [Option<f64>; N_CLASSES] {
    let mut n = [0u64; N_CLASSES];
    let mut k = [0u64; N_CLASSES];
    for (&c, &conf) in label.iter().zip(confident) {
        n[c] += 1;
        k[c] += conf as u64;
    }
    let mut out = [None; N_CLASSES];
    for c in 0..N_CLASSES {
        if n[c] > 0 {
            out[c] = Some(k[c] as f64 / n[c] as f64);
        }
    }
    out
}

/// Accuracy, balanced accuracy and macro F1 of the sources where `mask` holds.
pub fn scores(truth: &[usize], pred: &[usize], mask: &[bool]) -> Scores {
    let m = confusion(truth, pred, mask);
    let n: u64 = m.iter().flatten().sum();
    let total = truth.len();
    if n == 0 {
        return Scores {
            n: 0,
            completeness: (total > 0).then_some(0.0),
            accuracy: None,
            balanced_accuracy: None,
            macro_f1: None,
            mcc: None,
        };
    }
    let tp: u64 = (0..N_CLASSES).map(|c| m[c][c]).sum();
    let mut recalls = Vec::new();
    let mut f1s = Vec::new();
    for (c, row) in m.iter().enumerate() {
        let n_true: u64 = row.iter().sum();
        let n_pred: u64 = m.iter().map(|r| r[c]).sum();
        if n_true > 0 {
            recalls.push(m[c][c] as f64 / n_true as f64);
        }
        if n_true + n_pred > 0 {
            // F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (n_true + n_pred).
            f1s.push(2.0 * m[c][c] as f64 / (n_true + n_pred) as f64);
        }
    }
    Scores {
        n: n as usize,
        completeness: Some(n as f64 / total as f64),
        accuracy: Some(tp as f64 / n as f64),
        balanced_accuracy: mean_present(&recalls.iter().map(|v| Some(*v)).collect::<Vec<_>>()),
        macro_f1: mean_present(&f1s.iter().map(|v| Some(*v)).collect::<Vec<_>>()),
        mcc: Some(mcc(&m)),
    }
}

/// Multiclass Matthews correlation coefficient of a confusion matrix (Gorodkin 2004,
/// as scikit-learn `matthews_corrcoef`): (c·s − t·p) / sqrt((s² − p·p)(s² − t·t)) with
/// c correct, s total, t and p the true and predicted counts per class; 0 when a
/// factor of the denominator is 0.
pub fn mcc(m: &Counts) -> f64 {
    let s: f64 = m.iter().flatten().sum::<u64>() as f64;
    let c: f64 = (0..N_CLASSES).map(|k| m[k][k]).sum::<u64>() as f64;
    let t: Vec<f64> = m.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let p: Vec<f64> = (0..N_CLASSES)
        .map(|k| m.iter().map(|r| r[k]).sum::<u64>() as f64)
        .collect();
    let tp: f64 = t.iter().zip(&p).map(|(a, b)| a * b).sum();
    let pp: f64 = p.iter().map(|v| v * v).sum();
    let tt: f64 = t.iter().map(|v| v * v).sum();
    let cov_pp = s * s - pp;
    let cov_tt = s * s - tt;
    if cov_pp * cov_tt == 0.0 {
        return 0.0;
    }
    (c * s - tp) / (cov_pp * cov_tt).sqrt()
}

/// One reliability diagram: per equal-width bin of a probability, the sources in it,
/// their mean probability and the share of them for which the event holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Reliability {
    pub count: Vec<u64>,
    pub mean_prob: Vec<Option<f64>>,
    pub frequency: Vec<Option<f64>>,
}

/// The bin of probability `p` among `n_bins` equal-width bins of [0, 1]: edges as numpy
/// `linspace(0, 1, n_bins + 1)`, a value on an inner edge in the lower bin (scikit-learn
/// `calibration_curve`'s `searchsorted`); values outside [0, 1] in the end bins.
pub(crate) fn probability_bin(p: f64, n_bins: usize) -> usize {
    let step = 1.0 / n_bins as f64;
    (1..n_bins).filter(|&i| i as f64 * step < p).count()
}

/// Reliability of probabilities `prob` for events `hit` in `n_bins` bins.
pub fn reliability(prob: &[f64], hit: &[bool], n_bins: usize) -> Reliability {
    let mut count = vec![0u64; n_bins];
    let mut sum = vec![0.0; n_bins];
    let mut hits = vec![0u64; n_bins];
    for (&p, &h) in prob.iter().zip(hit) {
        let b = probability_bin(p, n_bins);
        count[b] += 1;
        sum[b] += p;
        hits[b] += h as u64;
    }
    let per = |v: &dyn Fn(usize) -> f64| -> Vec<Option<f64>> {
        (0..n_bins)
            .map(|b| (count[b] > 0).then(|| v(b) / count[b] as f64))
            .collect()
    };
    Reliability {
        mean_prob: per(&|b| sum[b]),
        frequency: per(&|b| hits[b] as f64),
        count,
    }
}

/// Expected calibration error of a reliability diagram: sum over its bins of
/// |bin| / N · |frequency − mean probability|; `None` without sources.
pub(crate) fn expected_calibration_error(r: &Reliability) -> Option<f64> {
    let n: u64 = r.count.iter().sum();
    (n > 0).then(|| {
        (0..r.count.len())
            .filter_map(|b| {
                let (f, p) = (r.frequency[b]?, r.mean_prob[b]?);
                Some(r.count[b] as f64 / n as f64 * (f - p).abs())
            })
            .sum()
    })
}

/// The reliability of Class_prob: is Class the true class.
pub(crate) fn class_prob_reliability(
    truth: &[usize],
    summaries: &[Summary],
    n_bins: usize,
) -> Reliability {
    let prob: Vec<f64> = summaries.iter().map(|s| s.class_prob).collect();
    let hit: Vec<bool> = truth
        .iter()
        .zip(summaries)
        .map(|(t, s)| *t == s.class)
        .collect();
    reliability(&prob, &hit, n_bins)
}

/// ECE of Class_prob and of each P_c (one vs rest), and the Brier score.
pub fn calibration(truth: &[usize], summaries: &[Summary]) -> Calibration {
    let mut per_class = [None; N_CLASSES];
    for (c, slot) in per_class.iter_mut().enumerate() {
        if truth.contains(&c) {
            let prob: Vec<f64> = summaries.iter().map(|s| s.mean[c]).collect();
            let hit: Vec<bool> = truth.iter().map(|&t| t == c).collect();
            *slot = expected_calibration_error(&reliability(&prob, &hit, ECE_BINS));
        }
    }
    let brier = (!truth.is_empty()).then(|| {
        truth
            .iter()
            .zip(summaries)
            .map(|(&t, s)| {
                (0..N_CLASSES)
                    .map(|c| (s.mean[c] - if c == t { 1.0 } else { 0.0 }).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / truth.len() as f64
    });
    Calibration {
        ece: expected_calibration_error(&class_prob_reliability(truth, summaries, ECE_BINS)),
        ece_by_class: by_class(&per_class),
        ece_by_class_mean: mean_present(&per_class),
        brier,
    }
}

/// A ROC curve: false and true positive rates, from (0, 0) to (1, 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
}

/// One-vs-rest ROC curve of `class` with the scores `score`, as scikit-learn
/// `roc_curve` with its default drop_intermediate = true: one point per distinct score
/// (descending), points collinear with their neighbours dropped, then (0, 0) prepended.
/// The dropping matters for the macro curve, whose trapezoid depends on the FPR grid.
/// `None` when the class has no positive or no negative source.
pub fn roc_curve(truth: &[usize], score: &[f64], class: usize) -> Option<Curve> {
    let mut order: Vec<usize> = (0..truth.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let pos = truth.iter().filter(|&&t| t == class).count();
    let neg = truth.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Cumulative counts at each distinct threshold.
    let (mut tp, mut fp) = (0i64, 0i64);
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if truth[i] == class {
            tp += 1;
        } else {
            fp += 1;
        }
        if order.get(k + 1).is_none_or(|&j| score[j] != score[i]) {
            tps.push(tp);
            fps.push(fp);
        }
    }
    // Keep the ends and every point where the second difference of fps or tps is not 0.
    let n = tps.len();
    let keep: Vec<usize> = (0..n)
        .filter(|&i| {
            i == 0
                || i == n - 1
                || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0
                || tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0
        })
        .collect();
    let mut fpr = vec![0.0];
    let mut tpr = vec![0.0];
    for i in keep {
        fpr.push(fps[i] as f64 / neg as f64);
        tpr.push(tps[i] as f64 / pos as f64);
    }
    Some(Curve { fpr, tpr })
}

/// Area under a curve by the trapezoid rule (scikit-learn `auc`).
pub fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[0] + y[1]) / 2.0)
        .sum()
}

/// Linear interpolation as numpy `interp` (`xp` ascending, may repeat): at a repeated
/// `xp` value it returns the `fp` of the last repeat, i.e. the top of a vertical ROC step.
pub fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x < xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    // Last j with xp[j] <= x.
    let j = xp.partition_point(|&v| v <= x) - 1;
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    fp[j] + slope * (x - xp[j])
}

/// The per-class ROC curves (`None` for classes absent from the truth) and the macro
/// curve: the mean of the defined per-class TPRs interpolated on the union of their
/// FPR points (spec 9.2).
pub(crate) fn roc_curves(
    truth: &[usize],
    summaries: &[Summary],
) -> (Vec<Option<Curve>>, Option<Curve>) {
    let curves: Vec<Option<Curve>> = (0..N_CLASSES)
        .map(|c| {
            let score: Vec<f64> = summaries.iter().map(|s| s.mean[c]).collect();
            roc_curve(truth, &score, c)
        })
        .collect();
    let defined: Vec<&Curve> = curves.iter().flatten().collect();
    if defined.is_empty() {
        return (curves, None);
    }
    let mut grid: Vec<f64> = defined.iter().flat_map(|c| c.fpr.iter().copied()).collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let tpr = grid
        .iter()
        .map(|&x| {
            defined
                .iter()
                .map(|c| interp(x, &c.fpr, &c.tpr))
                .sum::<f64>()
                / defined.len() as f64
        })
        .collect();
    (curves, Some(Curve { fpr: grid, tpr }))
}

pub fn roc_auc(truth: &[usize], summaries: &[Summary]) -> RocAuc {
    let (curves, macro_curve) = roc_curves(truth, summaries);
    let per: Vec<Option<f64>> = curves
        .iter()
        .map(|c| c.as_ref().map(|c| trapezoid(&c.fpr, &c.tpr)))
        .collect();
    let mut per_class = [None; N_CLASSES];
    per_class.copy_from_slice(&per);
    RocAuc {
        per_class: by_class(&per_class),
        macro_curve: macro_curve.map(|c| trapezoid(&c.fpr, &c.tpr)),
        mean_auc: mean_present(&per),
    }
}

/// The metrics as a two-column CSV table `metric,value`, names being the JSON paths
/// joined by '.' (e.g. `confident.accuracy`, `recall_cm.AGN.CV`, `by_ct.2.macro_f1`).
pub(crate) fn flat_rows(m: &Metrics) -> Vec<(String, String)> {
    let value = serde_json::to_value(m).expect("metrics serialise");
    let mut out = Vec::new();
    flatten("", &value, &mut out);
    out
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                flatten(&key(k), x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&key(&i.to_string()), x, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::Number(n) => out.push((
            prefix.to_string(),
            n.as_f64()
                .map_or_else(|| n.to_string(), crate::table::fmt_f64),
        )),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
    }
}

/// Writes the metrics to `path`, atomically: pretty JSON when it ends in `.json`, else
/// the CSV table `metric,value` of [`flat_rows`]; `-` is standard output (CSV).
pub fn write(path: &std::path::Path, m: &Metrics) -> crate::Result<()> {
    use crate::table::Writer;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json && path.as_os_str() != "-" {
        let mut text = serde_json::to_string_pretty(m).expect("metrics serialise");
        text.push('\n');
        return crate::table::write_atomically(path, text.as_bytes());
    }
    let mut w = Writer::create(Some(path))?;
    w.write_row(["metric", "value"])?;
    for (k, v) in flat_rows(m) {
        w.write_row([k, v])?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::from_moments;

    #[test]
    fn interp_matches_numpy_at_steps() {
        let xp = [0.0, 0.0, 0.5, 1.0];
        let fp = [0.0, 0.4, 0.6, 1.0];
        // np.interp([0, 0.25, 0.5, 1, 2], xp, fp) = [0.4, 0.5, 0.6, 1.0, 1.0]
        let got: Vec<f64> = [0.0, 0.25, 0.5, 1.0, 2.0]
            .iter()
            .map(|&x| interp(x, &xp, &fp))
            .collect();
        assert_eq!(got, [0.4, 0.5, 0.6, 1.0, 1.0]);
    }

    #[test]
    fn roc_curve_handles_ties() {
        // sklearn roc_curve([1,0,1,0], [0.9,0.9,0.5,0.1]):
        // fpr [0, 0.5, 0.5, 1], tpr [0, 0.5, 1, 1]; auc 0.625.
        let truth = [0, 1, 0, 1];
        let c = roc_curve(&truth, &[0.9, 0.9, 0.5, 0.1], 0).unwrap();
        assert_eq!(c.fpr, [0.0, 0.5, 0.5, 1.0]);
        assert_eq!(c.tpr, [0.0, 0.5, 1.0, 1.0]);
        assert_eq!(trapezoid(&c.fpr, &c.tpr), 0.625);
        assert!(roc_curve(&truth, &[0.0; 4], 3).is_none());
    }

    #[test]
    fn scores_on_a_small_case() {
        // truth AGN AGN CV YSO, pred AGN CV CV AGN:
        // accuracy 2/4; recall AGN 1/2, CV 1, YSO 0 -> balanced 0.5;
        // F1 AGN 2/(2+2)=0.5, CV 2/(1+2)=2/3, YSO 0 -> macro 7/18.
        let s = scores(&[0, 0, 1, 7], &[0, 1, 1, 0], &[true; 4]);
        assert_eq!(s.accuracy, Some(0.5));
        assert_eq!(s.balanced_accuracy, Some(0.5));
        assert!((s.macro_f1.unwrap() - 7.0 / 18.0).abs() < 1e-15);
        let none = scores(&[0, 1], &[0, 1], &[false, false]);
        assert_eq!(none.accuracy, None);
        assert_eq!(none.completeness, Some(0.0));
    }

    #[test]
    fn flat_rows_name_paths() {
        let s = [0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let sums = vec![from_moments(s, [0.0; 8]); 2];
        let m = evaluate(&[0, 1], &sums, 2.0);
        let rows = flat_rows(&m);
        let get = |k: &str| rows.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("all.accuracy"), "0.5");
        assert_eq!(get("recall_cm.CV.AGN"), "1");
        assert_eq!(get("recall_cm.NS.AGN"), "");
        assert_eq!(get("by_ct.2.n"), "2");
        assert_eq!(get("counts.CV.AGN"), "1");
        assert_eq!(get("counts_confident.AGN.AGN"), "1");
    }
    // Reference values from scikit-learn/numpy: benches/metrics_reference.py prints
    // this block (40 sources, 2-decimal probabilities, HMXB and NS absent from truth).
    #[rustfmt::skip]
    mod reference {
        // all: accuracy, balanced accuracy, macro F1, completeness
        pub(crate) const SK_ALL: [f64; 4] = [0.5, 0.5202020202020202, 0.45223665223665227, 1.0];
        // confident: accuracy, balanced accuracy, macro F1, completeness
        pub(crate) const SK_CONFIDENT: [f64; 4] = [0.5, 0.5, 0.3666666666666666, 0.2];
        pub const SK_BC_PRED: f64 = 0.16753246753246756;
        pub const SK_BC_TRUE: f64 = 0.16792929292929293;
        pub const SK_COMPL_TRUE: [Option<f64>; 8] = [Some(0.09090909090909091), Some(0.0), Some(0.3333333333333333), None, Some(0.25), Some(0.0), None, Some(0.3333333333333333)];
        pub const SK_COMPL_PRED: [Option<f64>; 8] = [Some(0.2727272727272727), Some(0.0), Some(0.2), Some(0.2), Some(0.25), Some(0.0), None, Some(0.25)];
        pub const SK_AUC: [Option<f64>; 8] = [Some(0.7821316614420063), Some(0.9549549549549549), Some(0.981981981981982), None, Some(0.92578125), Some(0.918918918918919), None, Some(0.9255952380952381)];
        pub const SK_MACRO_CURVE_AUC: f64 = 0.9202634825614351;
        // roc_auc_score(average='macro') over present classes, one-vs-rest = mean of AUCs
        pub const SK_MEAN_AUC: f64 = 0.9148940008988501;
        pub const SK_BY_CT: [[f64; 4]; 5] = [[0.5, 0.5202020202020202, 0.45223665223665227, 1.0], [0.6363636363636364, 0.5892857142857142, 0.4682539682539683, 0.55], [0.5, 0.5, 0.3666666666666666, 0.2], [0.5, 0.5, 0.3333333333333333, 0.1], [1.0, 1.0, 1.0, 0.025]];
        // recall CM at CT >= 2, counts (rows true, columns predicted)
        pub const SK_CM_CONF: [[u64; 8]; 8] = [[1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0, 0, 2]];
        pub const TRUTH: [usize; 40] = [0, 1, 4, 4, 0, 2, 7, 7, 7, 0, 4, 7, 7, 7, 2, 0, 7, 0, 5, 4, 0, 0, 5, 0, 4, 5, 7, 0, 1, 2, 1, 7, 7, 0, 7, 4, 0, 7, 4, 4];
        pub const P: [[f64; 8]; 40] = [[0.04, 0.18, 0.12, 0.34, 0.04, 0.0, 0.15, 0.12], [0.04, 0.43, 0.0, 0.01, 0.18, 0.31, 0.04, 0.0], [0.11, 0.06, 0.03, 0.23, 0.4, 0.05, 0.04, 0.08], [0.0, 0.07, 0.04, 0.05, 0.55, 0.26, 0.01, 0.01], [0.5, 0.04, 0.06, 0.12, 0.02, 0.2, 0.03, 0.03], [0.48, 0.01, 0.35, 0.02, 0.09, 0.01, 0.03, 0.01], [0.1, 0.06, 0.01, 0.04, 0.1, 0.1, 0.12, 0.47], [0.4, 0.18, 0.03, 0.01, 0.03, 0.01, 0.0, 0.34], [0.37, 0.02, 0.08, 0.04, 0.02, 0.1, 0.2, 0.18], [0.18, 0.47, 0.01, 0.04, 0.02, 0.2, 0.02, 0.05], [0.01, 0.09, 0.03, 0.75, 0.09, 0.0, 0.02, 0.02], [0.17, 0.0, 0.01, 0.01, 0.0, 0.25, 0.18, 0.38], [0.11, 0.24, 0.05, 0.18, 0.01, 0.19, 0.01, 0.22], [0.08, 0.01, 0.07, 0.29, 0.01, 0.26, 0.01, 0.26], [0.11, 0.1, 0.32, 0.13, 0.13, 0.01, 0.16, 0.04], [0.25, 0.32, 0.0, 0.0, 0.14, 0.08, 0.0, 0.19], [0.15, 0.05, 0.01, 0.16, 0.21, 0.0, 0.01, 0.4], [0.51, 0.12, 0.03, 0.02, 0.03, 0.14, 0.0, 0.15], [0.17, 0.03, 0.23, 0.08, 0.03, 0.38, 0.02, 0.06], [0.01, 0.05, 0.08, 0.41, 0.35, 0.0, 0.09, 0.0], [0.2, 0.05, 0.07, 0.0, 0.12, 0.12, 0.14, 0.29], [0.34, 0.05, 0.12, 0.16, 0.06, 0.14, 0.06, 0.07], [0.05, 0.11, 0.29, 0.1, 0.02, 0.23, 0.11, 0.1], [0.31, 0.06, 0.31, 0.05, 0.0, 0.07, 0.11, 0.1], [0.05, 0.08, 0.04, 0.03, 0.45, 0.02, 0.15, 0.18], [0.08, 0.16, 0.05, 0.29, 0.01, 0.2, 0.12, 0.1], [0.15, 0.02, 0.09, 0.04, 0.16, 0.01, 0.07, 0.48], [0.17, 0.09, 0.08, 0.04, 0.14, 0.02, 0.02, 0.42], [0.0, 0.43, 0.17, 0.0, 0.11, 0.0, 0.01, 0.28], [0.01, 0.11, 0.44, 0.27, 0.1, 0.02, 0.03, 0.02], [0.37, 0.31, 0.02, 0.14, 0.02, 0.11, 0.03, 0.0], [0.03, 0.0, 0.0, 0.0, 0.21, 0.0, 0.1, 0.66], [0.08, 0.03, 0.06, 0.01, 0.04, 0.08, 0.06, 0.64], [0.15, 0.32, 0.0, 0.09, 0.19, 0.02, 0.19, 0.03], [0.46, 0.01, 0.04, 0.02, 0.02, 0.18, 0.01, 0.26], [0.24, 0.04, 0.31, 0.01, 0.16, 0.02, 0.1, 0.11], [0.52, 0.06, 0.04, 0.15, 0.05, 0.1, 0.02, 0.06], [0.02, 0.02, 0.43, 0.02, 0.21, 0.1, 0.05, 0.15], [0.04, 0.04, 0.03, 0.03, 0.43, 0.17, 0.01, 0.25], [0.31, 0.0, 0.05, 0.1, 0.26, 0.02, 0.23, 0.03]];
        pub const E: [[f64; 8]; 40] = [[0.13, 0.06, 0.05, 0.14, 0.15, 0.0, 0.06, 0.01], [0.1, 0.07, 0.0, 0.05, 0.03, 0.01, 0.09, 0.0], [0.15, 0.05, 0.11, 0.03, 0.06, 0.14, 0.09, 0.06], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.12, 0.03, 0.14, 0.01, 0.04, 0.03, 0.09, 0.01], [0.01, 0.01, 0.02, 0.11, 0.09, 0.05, 0.02, 0.05], [0.12, 0.07, 0.03, 0.02, 0.01, 0.01, 0.04, 0.1], [0.04, 0.14, 0.02, 0.01, 0.13, 0.01, 0.0, 0.08], [0.03, 0.04, 0.1, 0.1, 0.07, 0.12, 0.06, 0.02], [0.06, 0.02, 0.08, 0.12, 0.01, 0.13, 0.09, 0.14], [0.14, 0.05, 0.04, 0.09, 0.12, 0.0, 0.14, 0.04], [0.06, 0.0, 0.04, 0.09, 0.0, 0.08, 0.09, 0.1], [0.05, 0.03, 0.12, 0.14, 0.14, 0.08, 0.03, 0.11], [0.15, 0.02, 0.02, 0.05, 0.15, 0.1, 0.02, 0.14], [0.01, 0.0, 0.1, 0.07, 0.04, 0.1, 0.07, 0.07], [0.01, 0.09, 0.0, 0.0, 0.06, 0.09, 0.0, 0.15], [0.12, 0.03, 0.15, 0.05, 0.01, 0.0, 0.06, 0.09], [0.1, 0.13, 0.0, 0.13, 0.02, 0.12, 0.0, 0.06], [0.12, 0.05, 0.15, 0.08, 0.11, 0.01, 0.11, 0.14], [0.01, 0.15, 0.07, 0.1, 0.03, 0.0, 0.13, 0.0], [0.05, 0.14, 0.04, 0.0, 0.13, 0.12, 0.14, 0.03], [0.01, 0.01, 0.06, 0.06, 0.08, 0.04, 0.0, 0.05], [0.04, 0.14, 0.14, 0.1, 0.08, 0.06, 0.03, 0.09], [0.01, 0.14, 0.03, 0.13, 0.0, 0.02, 0.03, 0.14], [0.01, 0.08, 0.1, 0.02, 0.14, 0.07, 0.1, 0.11], [0.1, 0.04, 0.0, 0.09, 0.13, 0.13, 0.09, 0.03], [0.14, 0.12, 0.1, 0.04, 0.02, 0.12, 0.11, 0.04], [0.12, 0.12, 0.14, 0.03, 0.06, 0.07, 0.14, 0.01], [0.0, 0.05, 0.06, 0.0, 0.1, 0.0, 0.13, 0.09], [0.02, 0.14, 0.05, 0.13, 0.12, 0.14, 0.13, 0.06], [0.14, 0.02, 0.02, 0.04, 0.11, 0.02, 0.08, 0.0], [0.07, 0.0, 0.0, 0.0, 0.07, 0.0, 0.14, 0.05], [0.01, 0.15, 0.03, 0.15, 0.13, 0.02, 0.03, 0.03], [0.01, 0.0, 0.0, 0.12, 0.04, 0.06, 0.12, 0.15], [0.09, 0.01, 0.06, 0.12, 0.08, 0.03, 0.02, 0.01], [0.11, 0.03, 0.02, 0.0, 0.04, 0.12, 0.02, 0.11], [0.12, 0.06, 0.1, 0.03, 0.06, 0.1, 0.08, 0.13], [0.04, 0.05, 0.01, 0.04, 0.05, 0.13, 0.07, 0.06], [0.03, 0.07, 0.09, 0.13, 0.13, 0.03, 0.04, 0.13], [0.09, 0.0, 0.15, 0.07, 0.1, 0.04, 0.1, 0.13]];
        pub const CT_REF: [f64; 40] = [0.8000000000000002, 1.5, 1.3809523809523812, 29000.0, 1.6923076923076923, 3.833333333333333, 1.6818181818181819, 0.5, 1.8000000000000003, 1.7999999999999998, 3.1428571428571432, 0.7222222222222223, 0.14285714285714277, 0.15789473684210512, 0.9411764705882353, 0.5416666666666667, 1.1904761904761905, 1.6818181818181819, 0.9375, 0.4615384615384615, 0.8823529411764703, 2.571428571428572, 0.2999999999999998, 0.0, 1.08, 0.40909090909090895, 1.8333333333333328, 1.923076923076923, 1.0714285714285712, 0.9444444444444444, 0.375, 2.947368421052632, 3.388888888888889, 1.0833333333333335, 2.0000000000000004, 0.5384615384615385, 1.84, 2.3571428571428568, 0.6923076923076923, 0.26315789473684204];
        // MCC: all, CT >= 2, and at CT >= 0, 1, 2, 3, 5
        pub const SK_MCC: [f64; 2] = [0.40311607922232795, 0.4008918628686366];
        pub const SK_MCC_BY_CT: [f64; 5] = [0.40311607922232795, 0.5265602957000086, 0.4008918628686366, 0.45643546458763845, 0.0];
        // per predicted class, precision among CT >= 2 (None: nothing predicted)
        pub const SK_PREC_CONF: [Option<f64>; 8] = [Some(0.3333333333333333), None, Some(0.0), Some(0.0), Some(1.0), None, None, Some(1.0)];
        pub const SK_RECOVERED: [Option<f64>; 8] = [Some(0.09090909090909091), Some(0.0), Some(0.0), None, Some(0.125), Some(0.0), None, Some(0.16666666666666666)];
        pub const SK_ECE: f64 = 0.18700000000000003;
        pub const SK_ECE_BY_CLASS: [Option<f64>; 8] = [Some(0.17125), Some(0.0975), Some(0.069), None, Some(0.09124999999999998), Some(0.0605), None, Some(0.2205)];
        pub const SK_BRIER: f64 = 0.6076999999999999;
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12
    }

    fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => close(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    fn check(s: &Scores, want: &[f64; 4]) {
        assert!(close(s.accuracy.unwrap(), want[0]), "{s:?} {want:?}");
        assert!(
            close(s.balanced_accuracy.unwrap(), want[1]),
            "{s:?} {want:?}"
        );
        assert!(close(s.macro_f1.unwrap(), want[2]), "{s:?} {want:?}");
        assert!(close(s.completeness.unwrap(), want[3]), "{s:?} {want:?}");
    }

    /// The summaries of the reference table's sources.
    fn reference_summaries() -> Vec<Summary> {
        reference::P
            .iter()
            .zip(&reference::E)
            .map(|(p, e)| from_moments(*p, *e))
            .collect()
    }

    #[test]
    fn sklearn_reference() {
        use reference::*;
        let sums = reference_summaries();
        for (s, want) in sums.iter().zip(CT_REF) {
            assert_eq!(s.ct, want);
        }
        let m = evaluate(&TRUTH, &sums, 2.0);
        check(&m.all, &SK_ALL);
        check(&m.confident, &SK_CONFIDENT);
        assert!(close(
            m.balanced_completeness_predicted.unwrap(),
            SK_BC_PRED
        ));
        assert!(close(m.balanced_completeness_true.unwrap(), SK_BC_TRUE));
        for (c, name) in CLASSES.iter().enumerate() {
            assert!(
                close_opt(m.completeness_by_true_class[*name], SK_COMPL_TRUE[c]),
                "{name}"
            );
            assert!(
                close_opt(m.completeness_by_predicted_class[*name], SK_COMPL_PRED[c]),
                "{name}"
            );
            assert!(close_opt(m.roc_auc.per_class[*name], SK_AUC[c]), "{name}");
        }
        assert!(close(m.roc_auc.macro_curve.unwrap(), SK_MACRO_CURVE_AUC));
        assert!(close(m.roc_auc.mean_auc.unwrap(), SK_MEAN_AUC));
        for (cut, want) in CT_STEPS.iter().zip(&SK_BY_CT) {
            check(&m.by_ct[&crate::table::fmt_f64(*cut)], want);
        }
        let pred: Vec<usize> = sums.iter().map(|s| s.class).collect();
        let conf: Vec<bool> = sums.iter().map(|s| s.ct >= 2.0).collect();
        assert_eq!(confusion(&TRUTH, &pred, &conf), SK_CM_CONF);
        // Recall rows by true class, precision rows by predicted class.
        assert_eq!(m.recall_cm_confident["YSO"]["YSO"], Some(0.5));
        assert_eq!(m.recall_cm_confident["YSO"]["AGN"], Some(0.25));
        assert_eq!(m.precision_cm_confident["AGN"]["HM-STAR"], Some(1.0 / 3.0));
        assert_eq!(m.precision_cm_confident["NS"]["AGN"], None);
    }

    #[test]
    fn sklearn_reference_beyond_the_paper() {
        use reference::*;
        let sums = reference_summaries();
        let m = evaluate(&TRUTH, &sums, 2.0);
        assert!(close(m.all.mcc.unwrap(), SK_MCC[0]), "{:?}", m.all.mcc);
        assert!(close(m.confident.mcc.unwrap(), SK_MCC[1]));
        for (cut, want) in CT_STEPS.iter().zip(SK_MCC_BY_CT) {
            let got = m.by_ct[&crate::table::fmt_f64(*cut)].mcc.unwrap();
            assert!(close(got, want), "CT >= {cut}: {got} vs {want}");
        }
        for (c, name) in CLASSES.iter().enumerate() {
            assert!(
                close_opt(m.precision_confident_by_class[*name], SK_PREC_CONF[c]),
                "{name}: {:?}",
                m.precision_confident_by_class[*name]
            );
            assert!(
                close_opt(m.recovered_by_true_class[*name], SK_RECOVERED[c]),
                "{name}"
            );
            assert!(
                close_opt(m.calibration.ece_by_class[*name], SK_ECE_BY_CLASS[c]),
                "{name}: {:?}",
                m.calibration.ece_by_class[*name]
            );
        }
        assert!(
            close(m.calibration.ece.unwrap(), SK_ECE),
            "{:?}",
            m.calibration.ece
        );
        assert!(close(m.calibration.brier.unwrap(), SK_BRIER));
    }

    #[test]
    fn probability_bins_follow_calibration_curve() {
        // np.searchsorted(np.linspace(0, 1, 16)[1:-1], p): an inner edge goes down.
        let edge = 3.0 * (1.0 / 15.0);
        assert_eq!(probability_bin(0.0, 15), 0);
        assert_eq!(probability_bin(edge, 15), 2);
        assert_eq!(probability_bin(f64::from_bits(edge.to_bits() + 1), 15), 3);
        assert_eq!(probability_bin(1.0, 15), 14);
        // A perfectly calibrated bin has no error; a confident miss costs its weight.
        let r = reliability(&[0.5, 0.5, 1.0, 1.0], &[true, false, true, false], 15);
        assert_eq!(r.count.iter().sum::<u64>(), 4);
        assert_eq!(expected_calibration_error(&r), Some(0.25));
        assert_eq!(expected_calibration_error(&reliability(&[], &[], 15)), None);
    }
}
