//! An outlier score for sources unlike every training class (issue 12 §3): the
//! isolation depth of a source in the standardized feature space of the training set
//! (isolation forest, Liu, Ting & Zhou 2008). A source that random axis-parallel cuts
//! isolate in few steps lies where the training set is sparse: score near 1; a source
//! among many training sources: score well below 0.5.
//!
//! Missing features take the classifier's flag value (spec 4.8), so "no counterpart"
//! is a place in feature space like any other.

use crate::classes::N_CLASSES;
use crate::features::{FeatureSet, Scaler};
use crate::mc::{McOptions, sample};
use crate::metrics::{roc_curve, trapezoid};
use crate::rng::{ChaCha8Rng, Purpose, RngExt, StreamId};
use crate::sources::Sources;

/// Trees of an isolation forest and the size of each tree's subsample (the original
/// paper's defaults, as scikit-learn `IsolationForest`).
pub(crate) const N_TREES: usize = 100;
pub(crate) const SUBSAMPLE: usize = 256;

/// Folds of the leave-one-class-out evaluation ([`leave_one_class_out`]).
pub const LOCO_FOLDS: usize = 5;

/// The value of a missing feature (spec 4.8).
const MISSING: f64 = -100.0;

#[derive(Debug, Clone)]
enum Node {
    Split {
        feature: usize,
        value: f64,
        left: usize,
        right: usize,
    },
    Leaf {
        size: usize,
    },
}

/// An isolation forest fitted to a training matrix.
#[derive(Debug, Clone)]
pub struct IsolationForest {
    trees: Vec<Vec<Node>>,
    n_features: usize,
    /// c(subsample size): the mean depth normalising the score.
    norm: f64,
}

/// Average path length of an unsuccessful search in a binary search tree of n points,
/// c(n) = 2 H(n − 1) − 2 (n − 1) / n (Liu et al. 2008, eq. 1).
pub(crate) fn average_path(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = (n - 1) as f64;
            2.0 * (m.ln() + 0.577_215_664_901_532_9) - 2.0 * m / n as f64
        }
    }
}

impl IsolationForest {
    /// Fits on `x` (row-major, `n_features` columns, NaN = missing), random numbers
    /// from `id.rng(Purpose::Outlier, tree)`.
    pub fn fit(x: &[f64], n_features: usize, id: StreamId) -> IsolationForest {
        let n = x.len() / n_features;
        let psi = SUBSAMPLE.min(n);
        let max_depth = (psi.max(2) as f64).log2().ceil() as usize;
        let value = |row: usize, f: usize| {
            let v = x[row * n_features + f];
            if v.is_nan() { MISSING } else { v }
        };
        let trees = (0..N_TREES)
            .map(|t| {
                let mut rng = id.rng(Purpose::Outlier, t as u64);
                // A subsample without replacement (partial Fisher-Yates).
                let mut rows: Vec<usize> = (0..n).collect();
                for j in 0..psi {
                    let k = rng.random_range(j..n);
                    rows.swap(j, k);
                }
                rows.truncate(psi);
                let mut nodes = Vec::new();
                grow(
                    &mut nodes, &mut rows, 0, max_depth, n_features, &value, &mut rng,
                );
                nodes
            })
            .collect();
        IsolationForest {
            trees,
            n_features,
            norm: average_path(psi),
        }
    }

    /// The score of one row: 2^(−mean depth / c(ψ)), in (0, 1]; high = isolated.
    pub fn score(&self, row: &[f64]) -> f64 {
        let mut total = 0.0;
        for tree in &self.trees {
            let mut i = 0;
            let mut depth = 0.0;
            loop {
                match &tree[i] {
                    Node::Leaf { size } => {
                        total += depth + average_path(*size);
                        break;
                    }
                    Node::Split {
                        feature,
                        value,
                        left,
                        right,
                    } => {
                        let v = row[*feature];
                        let v = if v.is_nan() { MISSING } else { v };
                        i = if v < *value { *left } else { *right };
                        depth += 1.0;
                    }
                }
            }
        }
        let mean = total / self.trees.len() as f64;
        if self.norm == 0.0 {
            return 0.5;
        }
        2f64.powf(-mean / self.norm)
    }

    /// Scores of every row of `x`.
    pub fn scores(&self, x: &[f64]) -> Vec<f64> {
        x.chunks_exact(self.n_features)
            .map(|r| self.score(r))
            .collect()
    }
}

/// Grows one node over `rows` and returns its index: a random feature among those
/// not constant on the rows, a cut uniform between their minimum and maximum.
fn grow(
    nodes: &mut Vec<Node>,
    rows: &mut [usize],
    depth: usize,
    max_depth: usize,
    n_features: usize,
    value: &dyn Fn(usize, usize) -> f64,
    rng: &mut ChaCha8Rng,
) -> usize {
    let at = nodes.len();
    nodes.push(Node::Leaf { size: rows.len() });
    if rows.len() <= 1 || depth >= max_depth {
        return at;
    }
    let ranges: Vec<(usize, f64, f64)> = (0..n_features)
        .filter_map(|f| {
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    let v = value(r, f);
                    (lo.min(v), hi.max(v))
                });
            (hi > lo).then_some((f, lo, hi))
        })
        .collect();
    if ranges.is_empty() {
        return at;
    }
    let (feature, lo, hi) = ranges[rng.random_range(0..ranges.len())];
    // In (lo, hi]: the minimum goes left, the maximum right, both sides non-empty.
    let cut = match lo + rng.random::<f64>() * (hi - lo) {
        c if c > lo => c,
        _ => lo + (hi - lo) / 2.0,
    };
    let mut k = 0;
    for j in 0..rows.len() {
        if value(rows[j], feature) < cut {
            rows.swap(j, k);
            k += 1;
        }
    }
    let (l, r) = rows.split_at_mut(k);
    let left = grow(nodes, l, depth + 1, max_depth, n_features, value, rng);
    let right = grow(nodes, r, depth + 1, max_depth, n_features, value, rng);
    nodes[at] = Node::Split {
        feature,
        value: cut,
        left,
        right,
    };
    at
}

/// Leave-one-class-out evaluation of the outlier score (issue 12 §3): for each class X,
/// an isolation forest is fitted on one Monte-Carlo replica of the other classes'
/// sources (standardized on them) in `folds` folds; every source of the other classes
/// is scored by the forest of the fold that left it out, every source of X by the
/// mean of the folds' forests. Returns per class the ROC AUC of the score separating
/// X from the rest (`None` for a class absent from `td`).
pub fn leave_one_class_out(
    td: &Sources,
    features: FeatureSet,
    folds: usize,
    id: StreamId,
) -> [Option<f64>; N_CLASSES] {
    let n_f = features.len();
    let x = features.matrix(&sample(td, id, &McOptions::default()));
    let class: Vec<Option<usize>> = td.class.clone();
    std::array::from_fn(|c| {
        let members: Vec<usize> = (0..td.len()).filter(|&i| class[i] == Some(c)).collect();
        let others: Vec<usize> = (0..td.len())
            .filter(|&i| class[i].is_some_and(|k| k != c))
            .collect();
        if members.is_empty() || others.is_empty() {
            return None;
        }
        let mut score = vec![0.0; td.len()];
        for fold in 0..folds {
            let train: Vec<usize> = others
                .iter()
                .enumerate()
                .filter(|(j, _)| j % folds != fold)
                .map(|(_, &i)| i)
                .collect();
            let rows_of = |rows: &[usize]| -> Vec<f64> {
                rows.iter()
                    .flat_map(|&i| x[i * n_f..(i + 1) * n_f].iter().copied())
                    .collect()
            };
            let mut xt = rows_of(&train);
            let scaler = Scaler::fit(&xt, n_f);
            scaler.transform(&mut xt);
            let forest = IsolationForest::fit(&xt, n_f, id.fold((c * folds + fold) as u64));
            let held: Vec<usize> = others
                .iter()
                .enumerate()
                .filter(|(j, _)| j % folds == fold)
                .map(|(_, &i)| i)
                .collect();
            // The held-out others are scored once, the class's members by every fold.
            for (rows, weight) in [(&held, 1.0), (&members, folds as f64)] {
                let mut xs = rows_of(rows);
                scaler.transform(&mut xs);
                for (&i, s) in rows.iter().zip(forest.scores(&xs)) {
                    score[i] += s / weight;
                }
            }
        }
        let rows: Vec<usize> = members.iter().chain(&others).copied().collect();
        let truth: Vec<usize> = rows
            .iter()
            .map(|&i| usize::from(class[i] != Some(c)))
            .collect();
        let s: Vec<f64> = rows.iter().map(|&i| score[i]).collect();
        // Class X is the positive class (label 0 here).
        roc_curve(&truth, &s, 0).map(|curve| trapezoid(&curve.fpr, &curve.tpr))
    })
}

/// The outlier score of every source of a field (`classify --outlier`, issue 12 §3),
/// in table order: per E(B-V) bin, an isolation forest on the training set as that
/// bin's classification sees it (the AGNs reddened to the bin's mean E(B-V), spec
/// 3.3), in the feature space of `features` standardized on that training set, scores
/// the bin's members. Catalog values, not Monte-Carlo draws: the score describes where
/// a source lies, once. Random numbers from the stream (seed, bin).
pub fn field_scores(
    td: &Sources,
    field: &Sources,
    bins: &[crate::bins::EbvBin],
    absorption: &crate::absorption::Absorption,
    features: FeatureSet,
    seed: u64,
) -> Vec<f64> {
    use rayon::prelude::*;
    let n_f = features.len();
    let per_bin: Vec<Vec<f64>> = bins
        .par_iter()
        .map(|bin| {
            let mut td_bin = td.clone();
            crate::redden::redden_agns(&mut td_bin, bin.mean_ebv, absorption);
            let mut x_td = features.matrix(&td_bin);
            let scaler = Scaler::fit(&x_td, n_f);
            scaler.transform(&mut x_td);
            let forest = IsolationForest::fit(&x_td, n_f, StreamId::new(seed).bin(bin.index));
            let mut x = features.matrix(&field.subset(&bin.rows));
            scaler.transform(&mut x);
            forest.scores(&x)
        })
        .collect();
    let mut score = vec![f64::NAN; field.len()];
    for (bin, s) in bins.iter().zip(per_bin) {
        for (&row, v) in bin.rows.iter().zip(s) {
            score[row] = v;
        }
    }
    score
}

/// Writes per class the AUC of [`leave_one_class_out`] (CSV `class,auc`; empty for a
/// class absent from the training set), atomically.
pub fn write_class_auc(
    path: &std::path::Path,
    auc: &[Option<f64>; N_CLASSES],
) -> crate::Result<()> {
    let mut w = crate::table::Writer::create(Some(path))?;
    w.write_row(["class", "auc"])?;
    for (class, &a) in crate::classes::CLASSES.iter().zip(auc) {
        w.write_row([class.to_string(), crate::table::fmt_num(a)])?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_length_normalisation() {
        assert_eq!(average_path(1), 0.0);
        assert_eq!(average_path(2), 1.0);
        // c(256) = 2 (ln 255 + γ) − 2 · 255/256 ≈ 10.2448.
        assert!((average_path(256) - 10.244_770_920_800_808).abs() < 1e-9);
    }

    #[test]
    fn an_isolated_point_scores_higher_than_the_crowd() {
        // 500 points on a 2-d grid near the origin, one far away.
        let mut x = Vec::new();
        for i in 0..500 {
            x.push((i % 25) as f64 * 0.04);
            x.push((i / 25) as f64 * 0.05);
        }
        let f = IsolationForest::fit(&x, 2, StreamId::new(1));
        let crowd = f.score(&[0.5, 0.5]);
        let far = f.score(&[8.0, -6.0]);
        assert!(far > 0.6 && crowd < 0.5, "far {far}, crowd {crowd}");
        // Deterministic per stream.
        let g = IsolationForest::fit(&x, 2, StreamId::new(1));
        assert_eq!(g.score(&[0.3, 0.7]), f.score(&[0.3, 0.7]));
    }

    /// Leave-one-class-out on the training set: the AUC of each class held out is a
    /// number in [0, 1], and stars without X-ray-bright accretion are not all alike
    /// to AGN: the score separates the held-out AGNs from the Galactic classes.
    #[test]
    fn leave_one_class_out_on_the_training_set() {
        let td = Sources::embedded_training_set().unwrap();
        let auc = leave_one_class_out(&td, FeatureSet::Paper, 3, StreamId::new(1));
        assert!(
            auc.iter()
                .all(|a| a.is_some_and(|a| (0.0..=1.0).contains(&a))),
            "{auc:?}"
        );
        assert!(auc[0].unwrap() > 0.5, "{auc:?}");
    }
}
