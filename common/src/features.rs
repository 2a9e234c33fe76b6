//! The classifier features, one table of names and rules: the paper's 29 (spec 4.2)
//! and Gaia astrometry (issue 12); the named feature sets drawn from it (`paper`,
//! `astrometry`); their standardization (spec 4.7).
//!
//! Applied to one Monte-Carlo sample (`mc::sample`) of already reddened values (see
//! the order of operations in `mc`): the survey depth cut (spec 3.5), colours from
//! the cut magnitudes (4.4), X-ray features from the sampled band fluxes (4.3),
//! magnitudes to energy fluxes normalised by F_b (4.5, 4.6).

use crate::bands::{BANDS, N_BANDS};
use crate::error::Result;
use crate::rng::{Purpose, RngExt, StreamId, source_key};
use crate::sources::{Sources, TableOut};
use crate::table::{Table, fmt_f64};

/// How one feature follows from a source's sampled X-ray band fluxes (F_s, F_m, F_h;
/// F_b = their sum) and its depth-cut magnitudes (spec 4.2-4.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// log10(F_band / F_b) of X-ray band 0 (s), 1 (m) or 2 (h) (spec 4.6).
    XrayFraction(usize),
    /// log10(F_b).
    BroadFlux,
    /// A hardness ratio (spec 4.3): (F_h - F_m) / (F_h + F_m).
    HardnessHm,
    /// (F_m - F_s) / (F_m + F_s).
    HardnessMs,
    /// (F_h - F_m - F_s) / (F_h + F_m + F_s).
    HardnessHms,
    /// The inter-observation variability probability, untransformed.
    VarInter,
    /// The intra-observation variability probability, untransformed.
    VarIntra,
    /// log10(F_band / F_b) of a multi-wavelength band (`bands::BANDS` index), with
    /// F_band = f_zp 10^(-m/2.5) W_eff (spec 4.5; the code's base 10, not the paper's e).
    MwFraction(usize),
    /// The colour m_a - m_b of two bands (`bands::BANDS` indices, spec 4.4).
    Colour(usize, usize),
    /// Gaia parallax significance Plx / e_Plx (issue 12). The astrometry is the
    /// catalog's, not Monte-Carlo sampled (PM and rgeo carry no symmetric error), and
    /// missing without a Gaia counterpart, like the Gaia magnitudes.
    ParallaxSignificance,
    /// log10 of the Gaia total proper motion (mas/yr).
    LogProperMotion,
    /// log10 of the geometric distance (pc; Bailer-Jones et al. 2021).
    LogDistance,
}

impl Rule {
    /// Whether the feature is Gaia astrometry, outside the paper's 29.
    pub const fn is_astrometry(self) -> bool {
        matches!(
            self,
            Rule::ParallaxSignificance | Rule::LogProperMotion | Rule::LogDistance
        )
    }
}

/// A classifier feature: its column name and how it is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Feature {
    pub name: &'static str,
    pub rule: Rule,
}

const fn f(name: &'static str, rule: Rule) -> Feature {
    Feature { name, rule }
}

/// Every classifier feature: the 29 of the paper in the canonical order of spec 4.2,
/// then the Gaia astrometry of the `astrometry` feature set. Adding a feature is one
/// entry here (and a [`FeatureSet`] that includes it). Names of the X-ray, hardness and variability features are the
/// authors'; the eight normalised MW fluxes, which upstream names `Gmag`... like the
/// magnitudes themselves, are `Gflux`... here so that they never collide with the
/// magnitude columns. W3 enters only through colours (spec 4.2).
pub const FEATURES: &[Feature] = &[
    f("ACIS0512Flux", Rule::XrayFraction(0)),
    f("ACIS122Flux", Rule::XrayFraction(1)),
    f("ACIS27Flux", Rule::XrayFraction(2)),
    f("ACIS057Flux", Rule::BroadFlux),
    f("HR_hm", Rule::HardnessHm),
    f("HR_ms", Rule::HardnessMs),
    f("HR_hms", Rule::HardnessHms),
    f("var_inter_prob", Rule::VarInter),
    f("var_intra_prob", Rule::VarIntra),
    f("Gflux", Rule::MwFraction(0)),
    f("BPflux", Rule::MwFraction(1)),
    f("RPflux", Rule::MwFraction(2)),
    f("Jflux", Rule::MwFraction(3)),
    f("Hflux", Rule::MwFraction(4)),
    f("Kflux", Rule::MwFraction(5)),
    f("W1flux", Rule::MwFraction(6)),
    f("W2flux", Rule::MwFraction(7)),
    f("G-BP", Rule::Colour(0, 1)),
    f("G-RP", Rule::Colour(0, 2)),
    f("G-J", Rule::Colour(0, 3)),
    f("G-H", Rule::Colour(0, 4)),
    f("G-K", Rule::Colour(0, 5)),
    f("BP-RP", Rule::Colour(1, 2)),
    f("J-H", Rule::Colour(3, 4)),
    f("J-K", Rule::Colour(3, 5)),
    f("H-K", Rule::Colour(4, 5)),
    f("W1-W2", Rule::Colour(6, 7)),
    f("W1-W3", Rule::Colour(6, 8)),
    f("W2-W3", Rule::Colour(7, 8)),
    f("Plx_significance", Rule::ParallaxSignificance),
    f("log_PM", Rule::LogProperMotion),
    f("log_rgeo", Rule::LogDistance),
];

/// The number of the paper's features (spec 4.2): the entries of [`FEATURES`] that are
/// not astrometry, which come first.
pub const N_FEATURES: usize = {
    let mut n = 0;
    while n < FEATURES.len() && !FEATURES[n].rule.is_astrometry() {
        n += 1;
    }
    let mut k = n;
    while k < FEATURES.len() {
        assert!(
            FEATURES[k].rule.is_astrometry(),
            "the paper's features come first"
        );
        k += 1;
    }
    n
};

/// The paper's feature column names (the `paper` feature set), in [`FEATURES`] order.
pub const FEATURE_NAMES: [&str; N_FEATURES] = {
    let mut names = [""; N_FEATURES];
    let mut i = 0;
    while i < N_FEATURES {
        names[i] = FEATURES[i].name;
        i += 1;
    }
    names
};

/// The magnitudes of row `i` that count: present, with an error (an upper limit
/// without error is missing, spec 5, 13), and brighter than the survey depth limit
/// (a magnitude >= its limit is missing, spec 3.5).
pub(crate) fn cut_magnitudes(s: &Sources, i: usize) -> [f64; N_BANDS] {
    let mut m = [f64::NAN; N_BANDS];
    for (b, band) in BANDS.iter().enumerate() {
        let v = s.mag[i][b];
        if v.is_finite() && s.mag_err[i][b].is_finite() && v < band.depth_limit {
            m[b] = v;
        }
    }
    m
}

/// The value of feature `rule` for row `i`: `xray` its sampled band fluxes, `m` its
/// depth-cut magnitudes ([`cut_magnitudes`]); NaN = missing.
fn value(rule: Rule, s: &Sources, i: usize, xray: [f64; 3], m: &[f64; N_BANDS]) -> f64 {
    let [fs, fm, fh] = xray;
    let fb = fs + fm + fh;
    let log = |v: f64| if v > 0.0 { v.log10() } else { f64::NAN };
    match rule {
        Rule::XrayFraction(band) => (xray[band] / fb).log10(),
        Rule::BroadFlux => fb.log10(),
        Rule::HardnessHm => (fh - fm) / (fh + fm),
        Rule::HardnessMs => (fm - fs) / (fm + fs),
        Rule::HardnessHms => (fh - fm - fs) / (fh + fm + fs),
        Rule::VarInter => s.p_inter[i],
        Rule::VarIntra => s.p_intra[i],
        Rule::MwFraction(b) => {
            let band = &BANDS[b];
            let f = band.f_zp * 10f64.powf(-m[b] / 2.5) * band.w_eff;
            (f / fb).log10()
        }
        // NaN propagates: a colour needs both magnitudes.
        Rule::Colour(a, b) => m[a] - m[b],
        Rule::ParallaxSignificance => {
            let [plx, e_plx, _, _] = s.astrometry[i];
            if e_plx > 0.0 { plx / e_plx } else { f64::NAN }
        }
        Rule::LogProperMotion => log(s.astrometry[i][2]),
        Rule::LogDistance => log(s.astrometry[i][3]),
    }
}

/// The paper's 29 features of one row, in [`FEATURES`] order; NaN = missing.
pub(crate) fn feature_row(s: &Sources, i: usize) -> [f64; N_FEATURES] {
    let m = cut_magnitudes(s, i);
    std::array::from_fn(|k| value(FEATURES[k].rule, s, i, s.flux[i], &m))
}

/// The 29 features (`schema::FEATURE_NAMES` order) of every row, row-major
/// n x 29, NaN = missing. Applies the depth cut (spec 3.5) to the magnitudes first.
pub fn features(s: &Sources) -> Vec<f64> {
    let mut x = Vec::with_capacity(s.len() * N_FEATURES);
    for i in 0..s.len() {
        x.extend_from_slice(&feature_row(s, i));
    }
    x
}

/// A named list of classifier features, drawn from [`FEATURES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeatureSet {
    /// The paper's 29 features (spec 4.2).
    #[default]
    Paper,
    /// The 29 and Gaia astrometry (issue 12).
    Astrometry,
}

impl FeatureSet {
    pub(crate) const NAMES: [&str; 2] = ["paper", "astrometry"];

    pub fn parse(name: &str) -> Result<FeatureSet> {
        match name {
            "paper" => Ok(FeatureSet::Paper),
            "astrometry" => Ok(FeatureSet::Astrometry),
            _ => Err(crate::Error::invalid(format!(
                "unknown feature set '{name}' (expected one of {})",
                Self::NAMES.join(", ")
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FeatureSet::Paper => Self::NAMES[0],
            FeatureSet::Astrometry => Self::NAMES[1],
        }
    }

    /// Whether the set includes the features of `rule`.
    pub(crate) fn includes(self, rule: Rule) -> bool {
        match self {
            FeatureSet::Paper => !rule.is_astrometry(),
            FeatureSet::Astrometry => true,
        }
    }

    /// The set's entries of [`FEATURES`], in order.
    pub fn features(self) -> impl Iterator<Item = &'static Feature> {
        FEATURES.iter().filter(move |f| self.includes(f.rule))
    }

    /// The feature column names, in order.
    pub fn columns(self) -> Vec<&'static str> {
        self.features().map(|f| f.name).collect()
    }

    pub fn len(self) -> usize {
        self.features().count()
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The features of every row of `s`, row-major n x [`FeatureSet::len`].
    pub fn matrix(self, s: &Sources) -> Vec<f64> {
        if self == FeatureSet::Paper {
            return features(s);
        }
        let rules: Vec<Rule> = self.features().map(|f| f.rule).collect();
        let mut x = Vec::with_capacity(s.len() * rules.len());
        for i in 0..s.len() {
            let m = cut_magnitudes(s, i);
            x.extend(rules.iter().map(|&r| value(r, s, i, s.flux[i], &m)));
        }
        x
    }
}

/// Per-column standardization (spec 4.7, scikit-learn `StandardScaler`).
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Spec 4.7: per column the mean and the population standard deviation (ddof 0)
    /// over the non-missing values; a zero deviation is replaced by 1. A column with no
    /// value at all gets mean NaN (scikit-learn's result), so it stays missing after
    /// [`Scaler::transform`] in every table.
    pub fn fit(x: &[f64], n_features: usize) -> Scaler {
        assert!(n_features > 0 && x.len().is_multiple_of(n_features));
        let mut sum = vec![0.0; n_features];
        let mut count = vec![0usize; n_features];
        for row in x.chunks_exact(n_features) {
            for (j, v) in row.iter().enumerate() {
                if !v.is_nan() {
                    sum[j] += v;
                    count[j] += 1;
                }
            }
        }
        let mean: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, &n)| if n == 0 { f64::NAN } else { s / n as f64 })
            .collect();
        // Two passes (mean, then squared deviations) for accuracy.
        let mut ss = vec![0.0; n_features];
        for row in x.chunks_exact(n_features) {
            for (j, v) in row.iter().enumerate() {
                if !v.is_nan() {
                    let d = v - mean[j];
                    ss[j] += d * d;
                }
            }
        }
        let scale = ss
            .iter()
            .zip(&count)
            .map(|(s, &n)| {
                let sd = if n == 0 { 0.0 } else { (s / n as f64).sqrt() };
                if sd == 0.0 { 1.0 } else { sd }
            })
            .collect();
        Scaler { mean, scale }
    }

    pub(crate) fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// X -> (X - mean) / scale, row-major with `n_features` columns; NaN stays NaN.
    pub fn transform(&self, x: &mut [f64]) {
        let n = self.n_features();
        assert!(x.len().is_multiple_of(n));
        for row in x.chunks_exact_mut(n) {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.mean[j]) / self.scale[j];
            }
        }
    }
}

/// The `features` table: `t` with the 29 feature columns (`schema::FEATURE_NAMES`)
/// appended, or replaced where `t` already has them.
pub fn features_table(t: &Table) -> Result<TableOut> {
    let src = Sources::from_table(t, None)?;
    let x = features(&src);
    TableOut::extend(t, &FEATURE_NAMES, |i| {
        Ok(x[i * N_FEATURES..(i + 1) * N_FEATURES]
            .iter()
            .map(|v| fmt_f64(*v))
            .collect())
    })
}

/// The column of the random-feature baseline (paper Fig. 4): a feature whose
/// importance any informative feature must beat.
pub const RANDOM_FEATURE: &str = "random";

/// [`features_table`] plus the `random` column: U(0, 1) per source, drawn from the
/// source's own stream so that it does not depend on row order.
pub fn features_table_with_baseline(t: &Table, id: StreamId) -> Result<TableOut> {
    let src = Sources::from_table(t, None)?;
    let x = features(&src);
    let mut names: Vec<&str> = FEATURE_NAMES.to_vec();
    names.push(RANDOM_FEATURE);
    TableOut::extend(t, &names, |i| {
        let mut cells: Vec<String> = x[i * N_FEATURES..(i + 1) * N_FEATURES]
            .iter()
            .map(|v| fmt_f64(*v))
            .collect();
        let mut rng = id.rng(Purpose::Baseline, source_key(&src.names[i]));
        cells.push(fmt_f64(rng.random::<f64>()));
        Ok(cells)
    })
}

/// The 29 feature columns of a table, row-major n x 29, empty cell = NaN.
pub(crate) fn read_features(t: &Table) -> Result<Vec<f64>> {
    let cols: Vec<usize> = FEATURE_NAMES
        .iter()
        .map(|n| t.header.require(n))
        .collect::<Result<_>>()?;
    let mut x = Vec::with_capacity(t.len() * N_FEATURES);
    for row in &t.rows {
        for &c in &cols {
            x.push(row.num(c)?.unwrap_or(f64::NAN));
        }
    }
    Ok(x)
}

/// The `standardize` table: a [`Scaler`] fitted on the feature columns of `train`
/// applied to the feature columns of `t`, in place (spec 4.7).
pub fn standardize_table(train: &Table, t: &Table) -> Result<TableOut> {
    let scaler = Scaler::fit(&read_features(train)?, N_FEATURES);
    let mut x = read_features(t)?;
    scaler.transform(&mut x);
    TableOut::extend(t, &FEATURE_NAMES, |i| {
        Ok(x[i * N_FEATURES..(i + 1) * N_FEATURES]
            .iter()
            .map(|v| fmt_f64(*v))
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FEATURE_NAMES;

    fn td() -> Sources {
        Sources::embedded_training_set().unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    /// TD row 2 (2CXO J000230.7+004959, an AGN), computed by hand from its catalog
    /// values: Fs 5.7e-14, Fm 2.9e-14, Fh 6e-14 -> Fb 1.46e-13; G 17.834, BP 18.13,
    /// RP 17.34, J 16.9 (H 16.21, K 15.53 have no error: missing), W1 14.5, W2 13.18,
    /// W3 10.24; P_intra 0.318, no P_inter.
    #[test]
    fn one_training_row_by_hand() {
        let s = td();
        let i = 1;
        assert_eq!(s.names[i], "2CXO J000230.7+004959");
        let x = feature_row(&s, i);
        let fb: f64 = 1.46e-13;
        let lg = |v: f64| v.log10();
        let expect: [(&str, f64); 29] = [
            ("ACIS0512Flux", lg(5.7 / 14.6)),
            ("ACIS122Flux", lg(2.9 / 14.6)),
            ("ACIS27Flux", lg(6.0 / 14.6)),
            ("ACIS057Flux", lg(fb)),
            ("HR_hm", 3.1 / 8.9),
            ("HR_ms", -2.8 / 8.6),
            ("HR_hms", -2.6 / 14.6),
            ("var_inter_prob", f64::NAN),
            #[allow(clippy::approx_constant)] // a probability of the test row, not 1/pi
            ("var_intra_prob", 0.318),
            // log10(f_zp W_eff / Fb) - m / 2.5
            ("Gflux", lg(2.5e-9 * 4052.97 / fb) - 17.834 / 2.5),
            ("BPflux", lg(4.08e-9 * 2157.50 / fb) - 18.13 / 2.5),
            ("RPflux", lg(1.27e-9 * 2924.44 / fb) - 17.34 / 2.5),
            ("Jflux", lg(3.13e-10 * 1624.32 / fb) - 16.9 / 2.5),
            ("Hflux", f64::NAN),
            ("Kflux", f64::NAN),
            ("W1flux", lg(8.18e-12 * 6626.42 / fb) - 14.5 / 2.5),
            ("W2flux", lg(2.42e-12 * 10422.66 / fb) - 13.18 / 2.5),
            ("G-BP", 17.834 - 18.13),
            ("G-RP", 17.834 - 17.34),
            ("G-J", 17.834 - 16.9),
            ("G-H", f64::NAN),
            ("G-K", f64::NAN),
            ("BP-RP", 18.13 - 17.34),
            ("J-H", f64::NAN),
            ("J-K", f64::NAN),
            ("H-K", f64::NAN),
            ("W1-W2", 14.5 - 13.18),
            ("W1-W3", 14.5 - 10.24),
            ("W2-W3", 13.18 - 10.24),
        ];
        for (k, (name, v)) in expect.iter().enumerate() {
            assert_eq!(FEATURE_NAMES[k], *name);
            if v.is_nan() {
                assert!(x[k].is_nan(), "{name}: {} should be missing", x[k]);
            } else {
                assert!(close(x[k], *v), "{name}: {} vs {v}", x[k]);
            }
        }
    }

    #[test]
    fn depth_cut_is_inclusive() {
        let mut s = td().subset(&[1]);
        s.mag[0][0] = 21.5; // G at its limit: missing
        s.mag[0][2] = 20.999; // RP just brighter than 21.0: kept
        s.mag[0][6] = 18.5; // W1 at its limit
        let x = feature_row(&s, 0);
        assert!(x[9].is_nan() && x[17].is_nan() && x[18].is_nan());
        assert!(x[11].is_finite());
        assert!(x[15].is_nan() && x[26].is_nan() && x[27].is_nan());
        assert!(x[28].is_finite());
    }

    #[test]
    fn x_ray_features_never_missing_on_the_training_set() {
        let s = td();
        let x = features(&s);
        assert_eq!(x.len(), s.len() * N_FEATURES);
        for row in x.chunks_exact(N_FEATURES) {
            assert!(row[..7].iter().all(|v| v.is_finite()));
            assert!(row.iter().all(|v| !v.is_infinite()));
        }
    }

    #[test]
    fn scaler_on_a_small_matrix() {
        let nan = f64::NAN;
        // 4 rows x 3 columns; column 1 has a missing value, column 2 is constant.
        let x = vec![
            1.0, 10.0, 5.0, //
            2.0, nan, 5.0, //
            3.0, 30.0, 5.0, //
            6.0, 20.0, 5.0,
        ];
        let sc = Scaler::fit(&x, 3);
        assert_eq!(sc.mean, [3.0, 20.0, 5.0]);
        // Population std: sqrt((4+1+0+9)/4) = sqrt(3.5); sqrt((100+100+0)/3).
        assert!(close(sc.scale[0], 3.5f64.sqrt()));
        assert!(close(sc.scale[1], (200.0f64 / 3.0).sqrt()));
        assert_eq!(sc.scale[2], 1.0);
        let mut y = x.clone();
        sc.transform(&mut y);
        assert!(close(y[0], -2.0 / 3.5f64.sqrt()));
        assert!(y[4].is_nan());
        assert!(close(y[7], 10.0 / (200.0f64 / 3.0).sqrt()));
        assert_eq!(y[8], 0.0);
        // Transformed training columns have mean 0 and population std 1.
        let col0: Vec<f64> = y.chunks(3).map(|r| r[0]).collect();
        let m: f64 = col0.iter().sum::<f64>() / 4.0;
        let v: f64 = col0.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / 4.0;
        assert!(m.abs() < 1e-15 && close(v, 1.0));
        // A column without values stays missing.
        let sc = Scaler::fit(&[nan, 1.0, nan, 2.0], 2);
        assert!(sc.mean[0].is_nan());
        let mut z = vec![4.0, 1.0];
        sc.transform(&mut z);
        assert!(z[0].is_nan());
    }
}
