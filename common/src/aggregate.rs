//! Aggregation of the Monte-Carlo replicas of each source and the confidence threshold
//! CT (spec 8; paper eq. 7; upstream `combine_class_result`).

use std::collections::HashMap;

use crate::classes::{CLASSES, N_CLASSES, argmax, class_index, prob_columns, prob_error_columns};
use crate::error::Result;
use crate::table::{Header, Reader, Row, fmt_f64};

/// Stands in for a zero CT denominator e_P_Class + e_P_c (spec 8). The authors' code
/// replaces the zero SUM by 1e-5, so P = (1, 0, ...) with no scatter gives CT = 1e5.
pub(crate) const CT_EPSILON: f64 = 1e-5;

/// A classification is confident when CT >= this (paper §4.5, spec 8).
pub const CT_CUT: f64 = 2.0;

/// One source's result over its K replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Per class (classes::CLASSES order): mean probability P_c and its standard
    /// deviation e_P_c (ddof = 1, pandas `.std()`).
    pub mean: [f64; 8],
    pub std: [f64; 8],
    /// Index of the first maximum of `mean`.
    pub class: usize,
    pub class_prob: f64,
    pub e_class_prob: f64,
    pub ct: f64,
}

/// Aggregates the K Monte-Carlo replicas of one source (rows of 8 probabilities in
/// classes::CLASSES order): mean, std (ddof 1), Class = first argmax of the mean,
/// CT = min over c != Class of (P_Class - P_c) / (e_Class + e_c), a zero denominator
/// replaced by 1e-5 (spec 8).
///
/// With K = 1 the ddof-1 std is undefined (pandas gives NaN, and then NaN CT); we take
/// it as 0, so that a single replica is treated as an exact value and CT follows the
/// 1e-5 rule. With K = 0 every number is NaN (written as empty cells) and Class is 0.
pub fn summarize(samples: &[[f64; 8]]) -> Summary {
    let k = samples.len();
    let mut mean = [0.0; N_CLASSES];
    let mut std = [0.0; N_CLASSES];
    if k == 0 {
        let nan = [f64::NAN; N_CLASSES];
        return Summary {
            mean: nan,
            std: nan,
            class: 0,
            class_prob: f64::NAN,
            e_class_prob: f64::NAN,
            ct: f64::NAN,
        };
    }
    // Two passes, as pandas does (sum / n, then the sum of squared deviations).
    for s in samples {
        for c in 0..N_CLASSES {
            mean[c] += s[c];
        }
    }
    for m in &mut mean {
        *m /= k as f64;
    }
    if k > 1 {
        for s in samples {
            for c in 0..N_CLASSES {
                let d = s[c] - mean[c];
                std[c] += d * d;
            }
        }
        for v in &mut std {
            *v = (*v / (k - 1) as f64).sqrt();
        }
    }
    from_moments(mean, std)
}

/// Class, Class_prob, e_Class_prob and CT from given means and standard deviations
/// (spec 8); used for tables that carry P_/e_P_ but not Class or CT.
pub(crate) fn from_moments(mean: [f64; 8], std: [f64; 8]) -> Summary {
    let class = argmax(&mean);
    Summary {
        mean,
        std,
        class,
        class_prob: mean[class],
        e_class_prob: std[class],
        ct: confidence_threshold(&mean, &std, class),
    }
}

/// CT = min over c != class of (P_class - P_c) / (e_class + e_c), a zero denominator
/// replaced by [`CT_EPSILON`] (paper eq. 7, spec 8). Upstream takes the second
/// smallest of the ratios over all 8 classes, the same number.
pub(crate) fn confidence_threshold(mean: &[f64; 8], std: &[f64; 8], class: usize) -> f64 {
    let mut ct = f64::INFINITY;
    for c in (0..N_CLASSES).filter(|&c| c != class) {
        let mut d = std[class] + std[c];
        if d == 0.0 {
            d = CT_EPSILON;
        }
        ct = ct.min((mean[class] - mean[c]) / d);
    }
    ct
}

/// CT as people read it (figure titles, region labels, pages): two decimals, and
/// scientific notation for the 1e5-scale values of the zero-scatter rule (spec 8);
/// `?` for a missing CT.
pub(crate) fn display_ct(ct: f64) -> String {
    if ct.is_nan() {
        "?".to_string()
    } else if ct.abs() >= 1e3 {
        format!("{ct:.3e}")
    } else {
        format!("{ct:.2}")
    }
}

/// Quantile of sorted values with linear interpolation between order statistics at
/// position q (n - 1) (numpy/pandas default, spec 8). NaN for no values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The 2-sigma quantiles of spec 8 (the LOOCV tables' P_2sig_low / P_2sig_upp).
pub(crate) const Q_2SIG: (f64, f64) = (0.02275, 0.97725);

/// The order statistics the authors' LOOCV tables carry besides the mean (spec 8).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiles {
    pub median: [f64; 8],
    pub low: [f64; 8],
    pub upp: [f64; 8],
    /// First argmax of the medians; Class_prob_median/2sig are of this class.
    pub class_median: usize,
}

/// Per class the median and the 2.275% / 97.725% quantiles over the replicas, and the
/// median-argmax class (spec 8; the reported Class stays the mean-argmax).
pub fn quantiles(samples: &[[f64; 8]]) -> Quantiles {
    let mut q = Quantiles {
        median: [f64::NAN; N_CLASSES],
        low: [f64::NAN; N_CLASSES],
        upp: [f64::NAN; N_CLASSES],
        class_median: 0,
    };
    if samples.is_empty() {
        return q;
    }
    let mut v = Vec::with_capacity(samples.len());
    for c in 0..N_CLASSES {
        v.clear();
        v.extend(samples.iter().map(|s| s[c]));
        v.sort_by(f64::total_cmp);
        q.median[c] = quantile(&v, 0.5);
        q.low[c] = quantile(&v, Q_2SIG.0);
        q.upp[c] = quantile(&v, Q_2SIG.1);
    }
    q.class_median = argmax(&q.median);
    q
}

/// Columns of [`quantile_cells`]: P_median_<c> x8, P_2sig_low_<c> x8,
/// P_2sig_upp_<c> x8, Class_median, Class_prob_median, Class_prob_2sig_low,
/// Class_prob_2sig_upp.
pub(crate) fn quantile_columns() -> Vec<String> {
    let mut cols = Vec::with_capacity(28);
    for prefix in ["P_median_", "P_2sig_low_", "P_2sig_upp_"] {
        cols.extend(CLASSES.iter().map(|c| format!("{prefix}{c}")));
    }
    cols.extend(
        [
            "Class_median",
            "Class_prob_median",
            "Class_prob_2sig_low",
            "Class_prob_2sig_upp",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    cols
}

pub(crate) fn quantile_cells(q: &Quantiles) -> Vec<String> {
    let mut cells: Vec<String> = q.median.iter().map(|v| fmt_f64(*v)).collect();
    cells.extend(q.low.iter().map(|v| fmt_f64(*v)));
    cells.extend(q.upp.iter().map(|v| fmt_f64(*v)));
    let c = q.class_median;
    if q.median[c].is_nan() {
        cells.extend(std::iter::repeat_n(String::new(), 4));
    } else {
        cells.push(CLASSES[c].to_string());
        cells.push(fmt_f64(q.median[c]));
        cells.push(fmt_f64(q.low[c]));
        cells.push(fmt_f64(q.upp[c]));
    }
    cells
}

/// Output columns in order: P_<c> x8, e_P_<c> x8, Class, Class_prob, e_Class_prob, CT.
pub(crate) fn summary_columns() -> Vec<String> {
    let mut cols = prob_columns();
    cols.extend(prob_error_columns());
    cols.extend(
        ["Class", "Class_prob", "e_Class_prob", "CT"]
            .iter()
            .map(|s| s.to_string()),
    );
    cols
}

/// The cells of [`summary_columns`], numbers formatted with `table::fmt_num` (a NaN is
/// an empty cell).
pub(crate) fn summary_cells(s: &Summary) -> Vec<String> {
    let mut cells: Vec<String> = s.mean.iter().map(|v| fmt_f64(*v)).collect();
    cells.extend(s.std.iter().map(|v| fmt_f64(*v)));
    if s.class_prob.is_nan() {
        cells.push(String::new());
    } else {
        cells.push(CLASSES[s.class].to_string());
    }
    cells.push(fmt_f64(s.class_prob));
    cells.push(fmt_f64(s.e_class_prob));
    cells.push(fmt_f64(s.ct));
    cells
}

/// Where the 8 `P_<class>` columns of a table are.
#[derive(Debug, Clone)]
pub(crate) struct ProbColumns(pub [usize; 8]);

impl ProbColumns {
    pub fn find(header: &Header) -> Result<ProbColumns> {
        let mut cols = [0; N_CLASSES];
        for (c, name) in prob_columns().iter().enumerate() {
            cols[c] = header.require(name)?;
        }
        Ok(ProbColumns(cols))
    }

    /// The 8 probabilities of a replica row; each must be a number in [0, 1].
    pub fn read(&self, row: &Row) -> Result<[f64; 8]> {
        let mut p = [0.0; N_CLASSES];
        for (c, &col) in self.0.iter().enumerate() {
            let v = row.num_required(col)?;
            if !(0.0..=1.0).contains(&v) {
                return Err(row.error(col, format!("probability outside [0, 1]: {v}")));
            }
            p[c] = v;
        }
        Ok(p)
    }
}

/// The columns of an already aggregated table (output of `ctscore` or `loocv`, or the
/// authors' TD.csv/HESS.csv): P_ and e_P_ required; Class and CT used when present,
/// else recomputed from P_ and e_P_ (spec 8).
#[derive(Debug, Clone)]
pub(crate) struct SummaryColumns {
    mean: [usize; 8],
    std: [usize; 8],
    class: Option<usize>,
    ct: Option<usize>,
}

impl SummaryColumns {
    pub fn find(header: &Header) -> Result<SummaryColumns> {
        let mut mean = [0; N_CLASSES];
        let mut std = [0; N_CLASSES];
        for (c, name) in prob_columns().iter().enumerate() {
            mean[c] = header.require(name)?;
        }
        for (c, name) in prob_error_columns().iter().enumerate() {
            std[c] = header.require(name)?;
        }
        Ok(SummaryColumns {
            mean,
            std,
            class: header.find("Class")?,
            ct: header.find("CT")?,
        })
    }

    /// The summary of one row; `None` when the row has no result (all P_ empty, as
    /// `ctscore --join` writes for a source without replicas).
    pub fn read(&self, row: &Row) -> Result<Option<Summary>> {
        if self.mean.iter().all(|&c| row.text(c).is_empty()) {
            return Ok(None);
        }
        let mut mean = [0.0; N_CLASSES];
        let mut std = [0.0; N_CLASSES];
        for c in 0..N_CLASSES {
            mean[c] = row.num_required(self.mean[c])?;
            std[c] = row.num_required(self.std[c])?;
        }
        let mut s = from_moments(mean, std);
        // A stated Class wins (it is the mean-argmax in the authors' tables, spec 9.3);
        // an empty one is recomputed.
        if let Some(class) = self
            .class
            .map(|col| read_label(row, col))
            .transpose()?
            .flatten()
        {
            s.class = class;
            s.class_prob = mean[class];
            s.e_class_prob = std[class];
        }
        if let Some(col) = self.ct {
            // An empty CT (pandas NaN) is never confident.
            s.ct = row.num(col)?.unwrap_or(f64::NAN);
        }
        Ok(Some(s))
    }
}

/// The replicas of every source, in order of first appearance; holds only the 8
/// probabilities per replica (what [`summarize`] needs).
#[derive(Debug, Default)]
pub struct Replicas {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    samples: Vec<Vec<[f64; 8]>>,
}

impl Replicas {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one replica of `id`; returns the source's index (order of first appearance).
    pub fn push(&mut self, id: &str, p: [f64; 8]) -> usize {
        let i = match self.index.get(id) {
            Some(&i) => i,
            None => {
                let i = self.ids.len();
                self.ids.push(id.to_string());
                self.index.insert(id.to_string(), i);
                self.samples.push(Vec::new());
                i
            }
        };
        self.samples[i].push(p);
        i
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(crate) fn ids(&self) -> &[String] {
        &self.ids
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn samples(&self, i: usize) -> &[[f64; 8]] {
        &self.samples[i]
    }

    /// One summary per source, in order of first appearance.
    pub fn summaries(&self) -> Vec<Summary> {
        self.samples.iter().map(|s| summarize(s)).collect()
    }
}

/// A class label cell (e.g. `True_Class`): `None` when empty, an error naming the cell
/// when it is not one of the 8 classes (`NS_BIN` reads as LMXB, spec conventions).
pub(crate) fn read_label(row: &Row, col: usize) -> Result<Option<usize>> {
    let label = row.text(col);
    if label.is_empty() {
        return Ok(None);
    }
    class_index(label)
        .map(Some)
        .ok_or_else(|| row.error(col, format!("unknown class label '{label}'")))
}

/// Per-replica rows (any columns; at least `id` and the 8 `P_<class>`), read to the
/// end: the replicas of each source in order of first appearance, and, when `truth`
/// names a column, each source's label, which must agree across its replicas.
/// A row that repeats the header line is skipped, so that replica files with their
/// headers can simply be concatenated (`cat mc_*.csv | ctscore`).
pub fn read_replicas(
    mut reader: Reader,
    id: &str,
    truth: Option<&str>,
) -> Result<(Replicas, Vec<Option<usize>>)> {
    let header = reader.header().clone();
    let id_col = header.require(id)?;
    let probs = ProbColumns::find(&header)?;
    let truth_col = truth.map(|t| header.require(t)).transpose()?;
    let mut replicas = Replicas::new();
    let mut labels: Vec<Option<usize>> = Vec::new();
    while let Some(row) = reader.next_row()? {
        if row
            .record
            .iter()
            .map(str::trim)
            .eq(header.names().iter().map(String::as_str))
        {
            continue;
        }
        let name = row.text(id_col);
        if name.is_empty() {
            return Err(row.error(id_col, "empty source id"));
        }
        let p = probs.read(&row)?;
        let i = replicas.push(name, p);
        if let Some(col) = truth_col {
            let label = read_label(&row, col)?;
            if i == labels.len() {
                labels.push(label);
            } else if labels[i] != label {
                return Err(row.error(
                    col,
                    format!("source '{name}' has another label in an earlier replica"),
                ));
            }
        }
    }
    if truth_col.is_none() {
        labels = vec![None; replicas.len()];
    }
    Ok((replicas, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[f64]) -> [f64; 8] {
        let mut a = [0.0; 8];
        a[..v.len()].copy_from_slice(v);
        a
    }

    #[test]
    fn mean_std_ddof1_and_ct_by_hand() {
        // AGN 0.6, 0.8 -> mean 0.7, std sqrt(0.02) ; CV 0.4, 0.2 -> 0.3, sqrt(0.02).
        let s = summarize(&[p(&[0.6, 0.4]), p(&[0.8, 0.2])]);
        assert!((s.mean[0] - 0.7).abs() < 1e-15);
        assert!((s.mean[1] - 0.3).abs() < 1e-15);
        let sd = 0.02f64.sqrt();
        assert!((s.std[0] - sd).abs() < 1e-15, "{}", s.std[0]);
        assert!((s.std[1] - sd).abs() < 1e-15);
        assert_eq!(s.class, 0);
        assert_eq!(s.class_prob, s.mean[0]);
        assert_eq!(s.e_class_prob, s.std[0]);
        // Against CV: 0.4 / (2 sqrt 0.02) = 1.41421...; against the six zero classes
        // (e = 0): 0.7 / sqrt 0.02 = 4.95; the minimum is the CV ratio.
        let want = (s.mean[0] - s.mean[1]) / (s.std[0] + s.std[1]);
        assert_eq!(s.ct, want);
        assert!((s.ct - 0.4 / (2.0 * sd)).abs() < 1e-12);
    }

    #[test]
    fn zero_scatter_uses_1e5_rule_on_the_sum() {
        let one = p(&[1.0]);
        let s = summarize(&[one, one, one]);
        assert_eq!(s.std, [0.0; 8]);
        assert_eq!(s.ct, 1.0 / 1e-5);
        // K = 1: std taken as 0, so the same rule applies.
        let s = summarize(&[p(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.25])]);
        assert_eq!(s.std, [0.0; 8]);
        assert_eq!(s.class, 6);
        assert_eq!(s.ct, 0.5 / 1e-5);
    }

    #[test]
    fn ties_take_the_first_class_and_give_zero_ct() {
        let s = summarize(&[p(&[0.0, 0.0, 0.5, 0.5]), p(&[0.0, 0.0, 0.5, 0.5])]);
        assert_eq!(s.class, 2);
        assert_eq!(CLASSES[s.class], "HM-STAR");
        assert_eq!(s.ct, 0.0);
        // A tie in the mean with scatter: still CT 0.
        let s = summarize(&[p(&[0.6, 0.4]), p(&[0.4, 0.6])]);
        assert_eq!(s.class, 0);
        assert_eq!(s.ct, 0.0);
    }

    #[test]
    fn cells_follow_columns() {
        let cols = summary_columns();
        assert_eq!(cols.len(), 20);
        assert_eq!(cols[0], "P_AGN");
        assert_eq!(cols[8], "e_P_AGN");
        assert_eq!(&cols[16..], ["Class", "Class_prob", "e_Class_prob", "CT"]);
        let s = summarize(&[p(&[0.25, 0.75])]);
        let cells = summary_cells(&s);
        assert_eq!(cells.len(), 20);
        assert_eq!(cells[1], "0.75");
        assert_eq!(cells[9], "0");
        assert_eq!(cells[16], "CV");
        // 0.5 / 1e-5 in binary is 49999.99999999999, as in the authors' tables.
        assert_eq!(cells[19], "49999.99999999999");
        let empty = summary_cells(&summarize(&[]));
        assert!(empty.iter().all(|c| c.is_empty()));
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [0.0, 1.0, 2.0, 10.0];
        // np.quantile([0, 1, 2, 10], [0, .25, .5, .97725]) = [0, 0.75, 1.5, 9.454]
        assert_eq!(quantile(&v, 0.0), 0.0);
        assert_eq!(quantile(&v, 0.25), 0.75);
        assert_eq!(quantile(&v, 0.5), 1.5);
        assert!((quantile(&v, Q_2SIG.1) - 9.454).abs() < 1e-12);
        // Median argmax may differ from mean argmax: AGN 0.9,0.1,0.1 (mean 0.367,
        // median 0.1) vs CV 0.05,0.3,0.3 (mean 0.217, median 0.3).
        let q = quantiles(&[p(&[0.9, 0.05]), p(&[0.1, 0.3]), p(&[0.1, 0.3])]);
        assert_eq!(q.class_median, 1);
        assert_eq!(
            summarize(&[p(&[0.9, 0.05]), p(&[0.1, 0.3]), p(&[0.1, 0.3])]).class,
            0
        );
        assert_eq!(q.median[1], 0.3);
        // 0.02275 * 2 = 0.0455 between 0.05 and 0.3.
        assert!((q.low[1] - (0.05 + 0.25 * 0.0455)).abs() < 1e-15);
        let cells = quantile_cells(&q);
        assert_eq!(cells.len(), quantile_columns().len());
        assert_eq!(cells[24], "CV");
        assert_eq!(cells[25], "0.3");
    }

    #[test]
    fn replicas_keep_first_appearance_order() {
        let mut r = Replicas::new();
        r.push("b", p(&[1.0]));
        r.push("a", p(&[0.0, 1.0]));
        r.push("b", p(&[0.5, 0.5]));
        assert_eq!(r.ids(), ["b", "a"]);
        assert_eq!(r.samples(0).len(), 2);
        let s = r.summaries();
        assert_eq!(s[0].mean[0], 0.75);
        assert_eq!(s[1].class, 1);
    }
}
